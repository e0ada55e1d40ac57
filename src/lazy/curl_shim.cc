// libcurl, loaded by the first registry request. See lazy_library.h.
#define CURL_DISABLE_TYPECHECK  // the real prototypes, not the checking macros
#include <curl/curl.h>

#include <cstdarg>

#include "lazy/lazy_library.h"

namespace {
constexpr mini::lazy::Library kCurl{MINI_SONAME_CURL, "libcurl4"};
}  // namespace

extern "C" {

CURLcode curl_global_init(long flags) {
  MINI_LAZY_REAL(kCurl, curl_global_init);
  return real(flags);
}

CURL* curl_easy_init(void) {
  MINI_LAZY_REAL(kCurl, curl_easy_init);
  return real();
}

void curl_easy_cleanup(CURL* curl) {
  MINI_LAZY_REAL(kCurl, curl_easy_cleanup);
  real(curl);
}

void curl_easy_reset(CURL* curl) {
  MINI_LAZY_REAL(kCurl, curl_easy_reset);
  real(curl);
}

CURLcode curl_easy_perform(CURL* curl) {
  MINI_LAZY_REAL(kCurl, curl_easy_perform);
  return real(curl);
}

const char* curl_easy_strerror(CURLcode code) {
  MINI_LAZY_REAL(kCurl, curl_easy_strerror);
  return real(code);
}

// The option's number says the type of its one argument (curl.h's
// CURLOPTTYPE_* bases), so the argument is read back with that type.
CURLcode curl_easy_setopt(CURL* curl, CURLoption option, ...) {
  MINI_LAZY_REAL(kCurl, curl_easy_setopt);
  va_list args;
  va_start(args, option);
  CURLcode result;
  if (option < CURLOPTTYPE_OBJECTPOINT) {
    result = real(curl, option, va_arg(args, long));
  } else if (option < CURLOPTTYPE_FUNCTIONPOINT) {
    result = real(curl, option, va_arg(args, void*));
  } else if (option < CURLOPTTYPE_OFF_T) {
    result = real(curl, option, va_arg(args, void (*)(void)));
  } else if (option < CURLOPTTYPE_BLOB) {
    result = real(curl, option, va_arg(args, curl_off_t));
  } else {
    result = real(curl, option, va_arg(args, void*));
  }
  va_end(args);
  return result;
}

// Every CURLINFO takes a pointer to where the answer goes.
CURLcode curl_easy_getinfo(CURL* curl, CURLINFO info, ...) {
  MINI_LAZY_REAL(kCurl, curl_easy_getinfo);
  va_list args;
  va_start(args, info);
  CURLcode result = real(curl, info, va_arg(args, void*));
  va_end(args);
  return result;
}

struct curl_slist* curl_slist_append(struct curl_slist* list, const char* string) {
  MINI_LAZY_REAL(kCurl, curl_slist_append);
  return real(list, string);
}

void curl_slist_free_all(struct curl_slist* list) {
  MINI_LAZY_REAL(kCurl, curl_slist_free_all);
  real(list);
}

void curl_free(void* p) {
  MINI_LAZY_REAL(kCurl, curl_free);
  real(p);
}

CURLU* curl_url(void) {
  MINI_LAZY_REAL(kCurl, curl_url);
  return real();
}

void curl_url_cleanup(CURLU* handle) {
  MINI_LAZY_REAL(kCurl, curl_url_cleanup);
  real(handle);
}

CURLUcode curl_url_get(CURLU* handle, CURLUPart what, char** part, unsigned int flags) {
  MINI_LAZY_REAL(kCurl, curl_url_get);
  return real(handle, what, part, flags);
}

CURLUcode curl_url_set(CURLU* handle, CURLUPart what, const char* part, unsigned int flags) {
  MINI_LAZY_REAL(kCurl, curl_url_set);
  return real(handle, what, part, flags);
}

}  // extern "C"
