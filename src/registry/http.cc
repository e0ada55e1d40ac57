#include "registry/http.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <chrono>
#include <exception>
#include <mutex>

#include "common/text.h"
#include "registry/display.h"

namespace mini::registry {

namespace {

constexpr int kMaxRedirects = 10;

CURL* as_curl(void* handle) { return static_cast<CURL*>(handle); }

// curl_global_init is not thread-safe; the first client of the process runs it.
void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool is_redirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

bool is_success(long status) { return status >= 200 && status < 300; }

// Trying again can't fix a name that doesn't resolve or a certificate that
// doesn't verify; it can fix a refused, reset or stalled connection.
bool retryable(CURLcode code) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_TOO_MANY_REDIRECTS: return false;
    default: return true;
  }
}

using Clock = std::chrono::steady_clock;

// Why a transfer was cut by mini rather than by the server or network.
enum class Cut { None, Stalled, TooSlow, Deadline, HeaderDeadline, HeadersTooLarge, ErrorBodyRead };

// Per-transfer state the libcurl callbacks fill in.
struct Transfer {
  const HttpRequest& request;
  const Timeouts& timeouts;
  PullBudget* budget;
  Clock::time_point deadline;         // Clock::time_point::max() for none
  Clock::time_point header_deadline;  // the headers must be in by then
  HttpResponse response;
  bool headers_delivered = false;
  bool headers_complete = false;
  std::exception_ptr error;
  Cut cut = Cut::None;
  uint64_t header_bytes = 0;
  // Everything received, headers and body; the stall and speed checks
  // count it rather than libcurl's body counter, so a server can't hold a
  // request in its headers (libcurl hands those over a line at a time).
  uint64_t received = 0;
  uint64_t last_received = 0;
  Clock::time_point last_activity = Clock::now();
  Clock::time_point window_start = last_activity;
  uint64_t window_received = 0;

  bool streaming() const { return request.on_body && is_success(response.status); }

  void deliver_headers() {
    if (headers_delivered) return;
    headers_delivered = true;
    if (request.on_headers && is_success(response.status)) request.on_headers(response);
  }

  void count(size_t bytes) {
    received += bytes;
    if (budget) budget->charge(bytes);
  }
};

// libcurl's own low-speed check averages over several seconds, so a burst
// followed by silence goes unnoticed for a while; this counts the silence,
// the average over each stall window, and the deadlines.
int on_transfer_info(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  auto now = Clock::now();
  const auto stall_limit = std::chrono::seconds(t->timeouts.stall_seconds);
  if (now >= t->deadline) {
    t->cut = Cut::Deadline;
    return 1;  // aborts the transfer
  }
  if (!t->headers_complete && now >= t->header_deadline) {
    t->cut = Cut::HeaderDeadline;
    return 1;
  }
  if (t->received != t->last_received) {
    t->last_received = t->received;
    t->last_activity = now;
  } else if (now - t->last_activity > stall_limit) {
    t->cut = Cut::Stalled;
    return 1;
  }
  // A window that saw too little while bytes still trickle in is too slow;
  // one gone silent is left to the stall check, which says so.
  if (now - t->window_start >= stall_limit &&
      now - t->last_activity < std::chrono::duration_cast<std::chrono::milliseconds>(stall_limit) / 2) {
    uint64_t needed = t->timeouts.min_bytes_per_second * static_cast<uint64_t>(t->timeouts.stall_seconds);
    if (t->received - t->window_received < needed) {
      t->cut = Cut::TooSlow;
      return 1;
    }
    t->window_start = now;
    t->window_received = t->received;
  }
  return 0;
}

size_t on_header_line(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  try {
    t->count(line.size());
  } catch (...) {
    t->error = std::current_exception();
    return 0;
  }
  t->header_bytes += line.size();
  if (t->header_bytes > budget::kHeaders) {
    t->cut = Cut::HeadersTooLarge;
    return 0;  // aborts the transfer
  }
  if (line.rfind("HTTP/", 0) == 0) {
    // Each response (a 100 Continue, then the real one) starts afresh.
    t->response.headers.clear();
    t->headers_complete = false;
    auto space = line.find(' ');
    t->response.status =
        space == std::string_view::npos ? 0 : std::atol(std::string(line.substr(space + 1, 3)).c_str());
    return line.size();
  }
  if (trim(line).empty()) {
    // The end of a head; an interim 1xx answer is followed by another.
    if (t->response.status >= 200) t->headers_complete = true;
    return line.size();
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return line.size();
  std::string name = ascii_lower(trim(line.substr(0, colon)));
  std::string value(trim(line.substr(colon + 1)));
  auto [it, inserted] = t->response.headers.try_emplace(name, value);
  if (!inserted) it->second += ", " + value;
  return line.size();
}

size_t on_body_data(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view chunk(data, size * count);
  try {
    t->count(chunk.size());
    t->headers_complete = true;
    t->deliver_headers();
    if (t->streaming()) {
      t->request.on_body(chunk);
    } else if (is_success(t->response.status)) {
      if (t->response.body.size() + chunk.size() > t->request.max_body_bytes)
        throw BudgetError("the answer to GET " + shown(t->response.url) + " is larger than " +
                          std::to_string(t->request.max_body_bytes) + " bytes; refusing it");
      t->response.body.append(chunk);
    } else if (is_redirect(t->response.status)) {
      // Only the Location matters; a body that never ends must not hold it.
      t->cut = Cut::ErrorBodyRead;
      return 0;
    } else {
      size_t room = budget::kErrorBody - std::min<size_t>(budget::kErrorBody, t->response.body.size());
      t->response.body.append(chunk.substr(0, std::min(chunk.size(), room)));
      if (chunk.size() > room) {
        // The start says all a message shows; the rest is not worth waiting for.
        t->response.body_truncated = true;
        t->cut = Cut::ErrorBodyRead;
        return 0;
      }
    }
  } catch (...) {
    t->error = std::current_exception();
    return 0;  // makes libcurl abort with CURLE_WRITE_ERROR
  }
  return chunk.size();
}

// The absolute URL a Location header names, relative to `base`; "" when
// it names none.
std::string resolve_location(const std::string& base, const std::string& location) {
  CURLU* parsed = curl_url();
  std::string out;
  char* resolved = nullptr;
  if (curl_url_set(parsed, CURLUPART_URL, base.c_str(), 0) == CURLUE_OK &&
      curl_url_set(parsed, CURLUPART_URL, location.c_str(), 0) == CURLUE_OK &&
      curl_url_get(parsed, CURLUPART_URL, &resolved, 0) == CURLUE_OK)
    out = resolved;
  curl_free(resolved);
  curl_url_cleanup(parsed);
  return out;
}

std::string seconds_text(long seconds) { return std::to_string(seconds) + " seconds"; }

}  // namespace

std::string HttpResponse::header(const std::string& lower_case_name) const {
  auto it = headers.find(lower_case_name);
  return it == headers.end() ? std::string() : it->second;
}

HttpClient::HttpClient(Timeouts timeouts, PullBudget* budget) : timeouts_(timeouts), budget_(budget) {
  init_curl_once();
  curl_ = curl_easy_init();
  if (!curl_) throw Error("libcurl failed to initialize");
}

HttpClient::~HttpClient() { curl_easy_cleanup(as_curl(curl_)); }

HttpResponse HttpClient::get(const HttpRequest& request) {
  // Whatever goes into a header may have come from a server (a token, a
  // realm's parameters); a CR or LF in it would add headers of its choosing.
  for (const auto& h : request.headers)
    if (has_control_characters(h)) throw Error("refusing to send a header with control characters: " + shown(h, 80));
  if (has_control_characters(request.authorization))
    throw Error("refusing to send credentials or a token that hold control characters");
  if (has_control_characters(request.url)) throw Error("refusing a URL with control characters: " + shown(request.url));

  std::chrono::seconds total = request.deadline;
  if (total.count() <= 0 && !request.on_body) total = std::chrono::seconds(timeouts_.request_seconds);
  const Clock::time_point deadline = total.count() > 0 ? Clock::now() + total : Clock::time_point::max();

  std::string url = request.url;
  const std::string origin = url_origin(request.url);
  for (int hop = 0; hop <= kMaxRedirects; ++hop) {
    HttpResponse response = get_once(request, url, url_origin(url) == origin, deadline, total);
    if (!is_redirect(response.status)) return response;
    std::string location = response.header("location");
    if (location.empty()) return response;
    if (has_control_characters(location)) throw TransportError("a redirect to a URL with control characters", false);
    url = resolve_location(url, location);
    if (url.empty()) throw TransportError("a redirect to an unusable URL \"" + shown(location, 120) + "\"", false);
  }
  throw TransportError("more than " + std::to_string(kMaxRedirects) + " redirects from " + shown(request.url), false);
}

HttpResponse HttpClient::get_once(const HttpRequest& request, const std::string& url, bool send_authorization,
                                  Clock::time_point deadline, std::chrono::seconds total) {
  CURL* curl = as_curl(curl_);
  curl_easy_reset(curl);  // keeps the connection and DNS caches
  const auto now = Clock::now();
  Transfer transfer{request, timeouts_, budget_, deadline, now + std::chrono::seconds(timeouts_.request_seconds), {}, false,
                    false, nullptr};
  transfer.response.url = url;
  if (deadline <= now)
    throw TransportError("no complete answer within " + seconds_text(total.count()) + " (GET " + shown(url) + ")", true);

  curl_slist* headers = nullptr;
  for (const auto& h : request.headers) headers = curl_slist_append(headers, h.c_str());
  std::string authorization = "Authorization: " + request.authorization;
  if (send_authorization && !request.authorization.empty()) headers = curl_slist_append(headers, authorization.c_str());

  char error_text[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "mini");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, timeouts_.connect_seconds);
  if (deadline != Clock::time_point::max()) {
    // A backstop for the check in on_transfer_info, a little later than it.
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(std::min<long long>(left + 2000, LONG_MAX)));
  }
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_transfer_info);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, request.verify_tls ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, request.verify_tls ? 2L : 0L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header_line);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body_data);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);

  CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (transfer.error) std::rethrow_exception(transfer.error);
  const std::string get = " (GET " + shown(url) + ")";
  const long stall = timeouts_.stall_seconds;
  switch (transfer.cut) {
    case Cut::None:
    case Cut::ErrorBodyRead: break;
    case Cut::Stalled: throw TransportError("no data for " + seconds_text(stall) + get, true);
    case Cut::TooSlow:
      throw TransportError("less than " + std::to_string(timeouts_.min_bytes_per_second) + " bytes per second for " +
                               seconds_text(stall) + get,
                           true);
    case Cut::Deadline: throw TransportError("no complete answer within " + seconds_text(total.count()) + get, true);
    case Cut::HeaderDeadline:
      throw TransportError("no complete headers within " + seconds_text(timeouts_.request_seconds) + get, true);
    case Cut::HeadersTooLarge:
      throw TransportError("the answer's headers are larger than " + std::to_string(budget::kHeaders) + " bytes" + get,
                           false);
  }
  if (code == CURLE_OPERATION_TIMEDOUT)
    throw TransportError("no complete answer within " + seconds_text(total.count()) + get, true);
  if (code != CURLE_OK && transfer.cut != Cut::ErrorBodyRead) {
    std::string detail = error_text[0] ? error_text : curl_easy_strerror(code);
    throw TransportError(shown(detail) + get, retryable(code));
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (status != 0) transfer.response.status = status;
  transfer.deliver_headers();  // an empty body never reached on_body_data
  return std::move(transfer.response);
}

std::string url_origin(std::string_view url) {
  CURLU* parsed = curl_url();
  std::string origin;
  if (curl_url_set(parsed, CURLUPART_URL, std::string(url).c_str(), 0) == CURLUE_OK) {
    char *scheme = nullptr, *host = nullptr, *port = nullptr;
    curl_url_get(parsed, CURLUPART_SCHEME, &scheme, 0);
    curl_url_get(parsed, CURLUPART_HOST, &host, 0);
    curl_url_get(parsed, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
    if (scheme && host) origin = ascii_lower(scheme) + "://" + ascii_lower(host) + ":" + (port ? port : "");
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
  }
  curl_url_cleanup(parsed);
  return origin;
}

std::string url_encode(std::string_view value) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

}  // namespace mini::registry
