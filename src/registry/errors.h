#pragma once
// HTTP answers a pull can't continue after, turned into one actionable line.
#include <string>
#include <string_view>

#include "common/error.h"
#include "registry/http.h"

namespace mini::registry {

// The registry answered, and the answer was a refusal.
class RegistryError : public Error {
 public:
  RegistryError(const std::string& what, long status) : Error(what), status_(status) {}
  long status() const { return status_; }

 private:
  long status_;
};

// "code: message" from the distribution error body
// {"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]},
// or "" when the body is not one; shown() as messages may carry it.
std::string registry_error_message(std::string_view body);
// The same, as the registry wrote it.
std::string raw_error_message(std::string_view body);

// "`mini login HOST`", or "`mini login`" for Docker Hub.
std::string login_hint(std::string_view host);

// 401/403: names the host and what to log in to.
[[noreturn]] void throw_unauthorized(const std::string& host, bool had_credentials, const HttpResponse& response);
// Any other unexpected status; `what` says what was asked for.
[[noreturn]] void throw_status(const std::string& host, const std::string& what, const HttpResponse& response);

}  // namespace mini::registry
