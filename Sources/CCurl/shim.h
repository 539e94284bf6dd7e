// libcurl (Debian's libcurl4-openssl-dev) for Swift: typed wrappers for its variadic setters and getters, which
// Swift cannot call directly.
#ifndef AUTOOPTIMIZE_CCURL_SHIM_H
#define AUTOOPTIMIZE_CCURL_SHIM_H

#include <curl/curl.h>

typedef size_t (*ao_curl_data_callback)(char *data, size_t size, size_t count, void *opaque);

static inline CURLcode ao_curl_set_long(CURL *curl, CURLoption option, long value) { return curl_easy_setopt(curl, option, value); }
static inline CURLcode ao_curl_set_string(CURL *curl, CURLoption option, const char *value) { return curl_easy_setopt(curl, option, value); }
static inline CURLcode ao_curl_set_pointer(CURL *curl, CURLoption option, void *value) { return curl_easy_setopt(curl, option, value); }
static inline CURLcode ao_curl_set_list(CURL *curl, CURLoption option, struct curl_slist *value) { return curl_easy_setopt(curl, option, value); }
static inline CURLcode ao_curl_set_size(CURL *curl, CURLoption option, curl_off_t value) { return curl_easy_setopt(curl, option, value); }
static inline CURLcode ao_curl_set_callback(CURL *curl, CURLoption option, ao_curl_data_callback value) { return curl_easy_setopt(curl, option, value); }
static inline CURLcode ao_curl_get_long(CURL *curl, CURLINFO info, long *value) { return curl_easy_getinfo(curl, info, value); }

#endif
