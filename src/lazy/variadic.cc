// The shims of functions taking `...` (symbols.txt marks them `variadic`):
// C++ can't forward a variable argument list, so each reads its one
// argument back with the type the call passed.
#define CURL_DISABLE_TYPECHECK  // the real prototypes, not the checking macros
#include <curl/curl.h>

#include <cstdarg>

#include "lazy/libraries.h"

extern "C" {

// The option's number says the type of its one argument (curl.h's
// CURLOPTTYPE_* bases).
CURLcode curl_easy_setopt(CURL* curl, CURLoption option, ...) {
  static auto* const real = ::mini::lazy::resolve<decltype(::curl_easy_setopt)>(::mini::lazy::libraries::curl,
                                                                               "curl_easy_setopt");
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
  static auto* const real = ::mini::lazy::resolve<decltype(::curl_easy_getinfo)>(::mini::lazy::libraries::curl,
                                                                                "curl_easy_getinfo");
  va_list args;
  va_start(args, info);
  CURLcode result = real(curl, info, va_arg(args, void*));
  va_end(args);
  return result;
}

}  // extern "C"
