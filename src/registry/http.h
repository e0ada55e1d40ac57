#pragma once
// A small blocking HTTP GET client on libcurl, shaped for registries:
// bodies stream into a callback, redirects are followed here rather than by
// libcurl so that the Authorization header only ever goes to the host it was
// issued for, and no answer can hold mini or its memory for long: every
// request has a total deadline, a stall and minimum-speed check, and a
// budget for what is held in memory (see limits.h).
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "registry/limits.h"

namespace mini::registry {

struct Timeouts {
  long connect_seconds = 30;
  // A transfer that receives nothing for this long is cut (and resumed).
  long stall_seconds = 60;
  // The most one answer read into memory (token, manifest, config, error
  // body) may take, redirects included; also the most any answer may take
  // to deliver its headers. A streamed body is bounded by the deadline its
  // caller sets from its size and min_bytes_per_second instead.
  long request_seconds = 60;
  // A transfer that averages less than this over a stall_seconds window is
  // cut too, so a server can't reset the stall timer with a byte at a time.
  // 0: only silence counts.
  uint64_t min_bytes_per_second = 1024;
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
  // other than 2xx). A non-success body is read only as far as
  // budget::kErrorBody; body_truncated says it went on.
  std::string body;
  bool body_truncated = false;
  // The URL that gave this answer, after redirects.
  std::string url;

  std::string header(const std::string& lower_case_name) const;
};

struct HttpRequest {
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  // Full header value ("Bearer ...", "Basic ..."); dropped on redirects that
  // leave the scheme, host and port of `url`.
  std::string authorization;
  bool verify_tls = true;
  // For a 2xx answer held in memory (no on_body): the most it may be; a
  // longer one throws BudgetError.
  uint64_t max_body_bytes = budget::kErrorBody;
  // The whole request, redirects included, must be done within this;
  // 0: Timeouts::request_seconds when the body is held in memory, only the
  // header deadline and speed checks when it is streamed.
  std::chrono::seconds deadline{0};
  // For 2xx answers: called once the headers are in, then with each piece of
  // the body. Either may throw to abort the transfer; the exception reaches
  // the caller of get().
  std::function<void(const HttpResponse&)> on_headers;
  std::function<void(std::string_view)> on_body;
};

class HttpClient {
 public:
  // Every byte received (headers included) counts against `budget`, when given.
  explicit HttpClient(Timeouts timeouts = {}, PullBudget* budget = nullptr);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Throws TransportError when no final answer arrives in time; any HTTP
  // status is returned, not thrown. Throws mini::Error for a header value
  // with control characters, BudgetError for an answer past its budget.
  HttpResponse get(const HttpRequest& request);

  const Timeouts& timeouts() const { return timeouts_; }

 private:
  HttpResponse get_once(const HttpRequest& request, const std::string& url, bool send_authorization,
                        std::chrono::steady_clock::time_point deadline, std::chrono::seconds total);

  void* curl_;
  Timeouts timeouts_;
  PullBudget* budget_;
};

// "https://host:port" of a URL, lower-cased, with the default port made
// explicit; what decides whether two URLs talk to the same server.
std::string url_origin(std::string_view url);
// Percent-encodes a query parameter value.
std::string url_encode(std::string_view value);

}  // namespace mini::registry
