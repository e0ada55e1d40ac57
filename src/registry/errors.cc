#include "registry/errors.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "registry/display.h"

namespace mini::registry {

namespace {

std::string reason_phrase(long status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 416: return "Range Not Satisfiable";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

std::string status_text(long status) {
  std::string reason = reason_phrase(status);
  return std::to_string(status) + (reason.empty() ? "" : " " + reason);
}

std::string with_detail(std::string text, const HttpResponse& response) {
  std::string detail = registry_error_message(response.body);
  return detail.empty() ? text : text + " (" + detail + ")";
}

// Retry-After is either a number of seconds or an HTTP date.
std::string retry_after(const std::string& value) {
  if (value.empty()) return "; try again later";
  bool seconds = std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); });
  if (seconds && value.size() <= 9) return "; try again in " + value + " seconds";
  // An HTTP date is 29 characters; anything much longer is not one.
  return seconds ? "; try again later" : "; try again after " + shown(value, 40);
}

}  // namespace

std::string registry_error_message(std::string_view body) { return shown(raw_error_message(body), 300); }

std::string raw_error_message(std::string_view body) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (!doc.is_object()) return "";
  if (auto errors = doc.find("errors"); errors != doc.end() && errors->is_array() && !errors->empty()) {
    const auto& first = errors->front();
    if (!first.is_object()) return "";
    auto text = [&](const char* key) {
      auto it = first.find(key);
      return it != first.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    std::string code = text("code"), message = text("message");
    for (auto& c : code) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (code.empty() || message.empty()) return code + message;
    return code == message ? code : code + ": " + message;
  }
  // Token servers answer {"details": "..."} or OAuth's {"error_description": "..."}.
  for (const char* field : {"details", "error_description", "error"})
    if (auto it = doc.find(field); it != doc.end() && it->is_string()) return it->get<std::string>();
  return "";
}

std::string login_hint(std::string_view host) {
  if (host == "docker.io" || host == "registry-1.docker.io" || host == "index.docker.io") return "`mini login`";
  return "`mini login " + std::string(host) + "`";
}

void throw_unauthorized(const std::string& host, bool had_credentials, const HttpResponse& response) {
  std::string text = "registry " + host + " answered " + status_text(response.status);
  text = with_detail(text, response);
  text += had_credentials ? "; the stored credentials were refused, log in again with " + login_hint(host)
                          : "; log in with " + login_hint(host);
  throw RegistryError(text, response.status);
}

void throw_status(const std::string& host, const std::string& what, const HttpResponse& response) {
  if (response.status == 401 || response.status == 403) throw_unauthorized(host, false, response);
  std::string text = "registry " + host + " answered " + status_text(response.status) + " to " + what;
  if (response.status == 429) {
    text += retry_after(response.header("retry-after"));
    text += ", or log in with " + login_hint(host) + " for a higher pull limit";
    throw RegistryError(text, response.status);
  }
  if (response.status == 503 && !response.header("retry-after").empty())
    throw RegistryError(with_detail(text, response) + retry_after(response.header("retry-after")), response.status);
  throw RegistryError(with_detail(text, response), response.status);
}

}  // namespace mini::registry
