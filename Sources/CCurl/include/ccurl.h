// libcurl for Swift, loaded when first used: a daemon that sends no HTTP (no Elasticsearch, no webhooks) does not
// map libcurl and the two dozen libraries it pulls in (LDAP, GnuTLS, Kerberos…), which cost the idle daemon its
// memory budget. Only curl's header is used at build time (Debian's libcurl4-openssl-dev); `libcurl.so.4` is opened
// with dlopen. Each wrapper also gives Swift a typed door to curl's variadic setters.
#ifndef AUTOOPTIMIZE_CCURL_H
#define AUTOOPTIMIZE_CCURL_H

#include <curl/curl.h>

typedef size_t (*ao_curl_data_callback)(char *data, size_t size, size_t count, void *opaque);

/// Loads libcurl once and initialises it; NULL on success, else why it could not be loaded.
const char *ao_curl_load(void);

CURL *ao_curl_easy_init(void);
void ao_curl_easy_cleanup(CURL *curl);
CURLcode ao_curl_easy_perform(CURL *curl);
const char *ao_curl_easy_strerror(CURLcode code);
struct curl_slist *ao_curl_slist_append(struct curl_slist *list, const char *text);
void ao_curl_slist_free_all(struct curl_slist *list);

CURLcode ao_curl_set_long(CURL *curl, CURLoption option, long value);
CURLcode ao_curl_set_string(CURL *curl, CURLoption option, const char *value);
CURLcode ao_curl_set_pointer(CURL *curl, CURLoption option, void *value);
CURLcode ao_curl_set_list(CURL *curl, CURLoption option, struct curl_slist *value);
CURLcode ao_curl_set_size(CURL *curl, CURLoption option, curl_off_t value);
CURLcode ao_curl_set_callback(CURL *curl, CURLoption option, ao_curl_data_callback value);
CURLcode ao_curl_get_long(CURL *curl, CURLINFO info, long *value);

#endif
