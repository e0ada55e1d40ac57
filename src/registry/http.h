#pragma once
// A small blocking HTTP GET client on libcurl, shaped for registries:
// bodies stream into a callback, redirects are followed here rather than by
// libcurl so that the Authorization header only ever goes to the host it was
// issued for, and a stalled transfer is cut after a configurable time.
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace mini::registry {

struct Timeouts {
  long connect_seconds = 30;
  // A transfer that receives nothing for this long is cut (and resumed).
  long stall_seconds = 60;
};

// The connection failed, dropped or stalled: no HTTP answer to judge.
class TransportError : public Error {
 public:
  TransportError(const std::string& what, bool retryable) : Error(what), retryable_(retryable) {}
  // False when trying again can't help (unknown host, bad certificate).
  bool retryable() const { return retryable_; }

 private:
  bool retryable_;
};

struct HttpResponse {
  long status = 0;
  // Lower-case names; repeated headers joined with ", " as RFC 9110 allows.
  std::map<std::string, std::string> headers;
  // The body when it was not streamed to on_body (no on_body, or a status
  // other than 2xx), cut at 1 MiB: only tokens and error messages come here.
  std::string body;

  std::string header(const std::string& lower_case_name) const;
};

struct HttpRequest {
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  // Full header value ("Bearer ...", "Basic ..."); dropped on redirects that
  // leave the scheme, host and port of `url`.
  std::string authorization;
  bool verify_tls = true;
  // For 2xx answers: called once the headers are in, then with each piece of
  // the body. Either may throw to abort the transfer; the exception reaches
  // the caller of get().
  std::function<void(const HttpResponse&)> on_headers;
  std::function<void(std::string_view)> on_body;
};

class HttpClient {
 public:
  explicit HttpClient(Timeouts timeouts = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Throws TransportError when no final answer arrives; any HTTP status is
  // returned, not thrown.
  HttpResponse get(const HttpRequest& request);

 private:
  HttpResponse get_once(const HttpRequest& request, const std::string& url, bool send_authorization);

  void* curl_;
  Timeouts timeouts_;
};

// "https://host:port" of a URL, lower-cased, with the default port made
// explicit; what decides whether two URLs talk to the same server.
std::string url_origin(std::string_view url);
// Percent-encodes a query parameter value.
std::string url_encode(std::string_view value);

}  // namespace mini::registry
