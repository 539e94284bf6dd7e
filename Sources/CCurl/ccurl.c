#include "ccurl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    CURLcode (*easy_perform)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
} curl;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char failure[512];
static const char *failed = "libcurl is not loaded";

static void load(void) {
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        snprintf(failure, sizeof failure, "cannot load libcurl (libcurl.so.4; Debian: apt-get install libcurl4): %s", dlerror());
        failed = failure;
        return;
    }
#define FIND(field, name)                                                                         \
    *(void **)(&curl.field) = dlsym(library, name);                                               \
    if (!curl.field) {                                                                            \
        snprintf(failure, sizeof failure, "libcurl.so.4 lacks %s", name);                         \
        failed = failure;                                                                         \
        return;                                                                                   \
    }
    FIND(global_init, "curl_global_init")
    FIND(easy_init, "curl_easy_init")
    FIND(easy_cleanup, "curl_easy_cleanup")
    FIND(easy_perform, "curl_easy_perform")
    FIND(easy_strerror, "curl_easy_strerror")
    FIND(slist_append, "curl_slist_append")
    FIND(slist_free_all, "curl_slist_free_all")
    FIND(easy_setopt, "curl_easy_setopt")
    FIND(easy_getinfo, "curl_easy_getinfo")
#undef FIND
    if (curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        failed = "curl_global_init failed";
        return;
    }
    failed = NULL;
}

const char *ao_curl_load(void) {
    pthread_once(&once, load);
    return failed;
}

// The rest are called only after ao_curl_load() returned NULL.
CURL *ao_curl_easy_init(void) { return curl.easy_init(); }
void ao_curl_easy_cleanup(CURL *handle) { curl.easy_cleanup(handle); }
CURLcode ao_curl_easy_perform(CURL *handle) { return curl.easy_perform(handle); }
const char *ao_curl_easy_strerror(CURLcode code) { return curl.easy_strerror(code); }
struct curl_slist *ao_curl_slist_append(struct curl_slist *list, const char *text) { return curl.slist_append(list, text); }
void ao_curl_slist_free_all(struct curl_slist *list) { curl.slist_free_all(list); }
CURLcode ao_curl_set_long(CURL *handle, CURLoption option, long value) { return curl.easy_setopt(handle, option, value); }
CURLcode ao_curl_set_string(CURL *handle, CURLoption option, const char *value) { return curl.easy_setopt(handle, option, value); }
CURLcode ao_curl_set_pointer(CURL *handle, CURLoption option, void *value) { return curl.easy_setopt(handle, option, value); }
CURLcode ao_curl_set_list(CURL *handle, CURLoption option, struct curl_slist *value) { return curl.easy_setopt(handle, option, value); }
CURLcode ao_curl_set_size(CURL *handle, CURLoption option, curl_off_t value) { return curl.easy_setopt(handle, option, value); }
CURLcode ao_curl_set_callback(CURL *handle, CURLoption option, ao_curl_data_callback value) { return curl.easy_setopt(handle, option, value); }
CURLcode ao_curl_get_long(CURL *handle, CURLINFO info, long *value) { return curl.easy_getinfo(handle, info, value); }
