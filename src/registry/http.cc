#include "registry/http.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <exception>
#include <mutex>

namespace mini::registry {

namespace {

constexpr int kMaxRedirects = 10;
constexpr size_t kMaxBufferedBody = 1 << 20;

CURL* as_curl(void* handle) { return static_cast<CURL*>(handle); }

// curl_global_init is not thread-safe; the first client of the process runs it.
void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
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

// Per-transfer state the libcurl callbacks fill in.
struct Transfer {
  const HttpRequest& request;
  HttpResponse response;
  bool headers_delivered = false;
  std::exception_ptr error;
  std::chrono::steady_clock::duration stall_limit;
  std::chrono::steady_clock::time_point last_activity = std::chrono::steady_clock::now();
  curl_off_t last_received = 0;
  bool stalled = false;

  bool streaming() const { return request.on_body && is_success(response.status); }

  void deliver_headers() {
    if (headers_delivered) return;
    headers_delivered = true;
    if (request.on_headers && is_success(response.status)) request.on_headers(response);
  }
};

// libcurl's own low-speed check averages over several seconds, so a burst
// followed by silence goes unnoticed for a while; this counts the silence.
int on_transfer_info(void* user, curl_off_t, curl_off_t received, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  auto now = std::chrono::steady_clock::now();
  if (received != t->last_received) {
    t->last_received = received;
    t->last_activity = now;
  } else if (now - t->last_activity > t->stall_limit) {
    t->stalled = true;
    return 1;  // aborts the transfer
  }
  return 0;
}

size_t on_header_line(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  t->last_activity = std::chrono::steady_clock::now();
  std::string_view line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    // Each response (a 100 Continue, then the real one) starts afresh.
    t->response.headers.clear();
    auto space = line.find(' ');
    t->response.status =
        space == std::string_view::npos ? 0 : std::atol(std::string(line.substr(space + 1, 3)).c_str());
    return line.size();
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return line.size();
  std::string name = lower(trim(line.substr(0, colon)));
  std::string value(trim(line.substr(colon + 1)));
  auto [it, inserted] = t->response.headers.try_emplace(name, value);
  if (!inserted) it->second += ", " + value;
  return line.size();
}

size_t on_body_data(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view chunk(data, size * count);
  try {
    t->deliver_headers();
    if (t->streaming()) {
      t->request.on_body(chunk);
    } else {
      size_t room = kMaxBufferedBody - std::min(kMaxBufferedBody, t->response.body.size());
      t->response.body.append(chunk.substr(0, std::min(chunk.size(), room)));
    }
  } catch (...) {
    t->error = std::current_exception();
    return 0;  // makes libcurl abort with CURLE_WRITE_ERROR
  }
  return chunk.size();
}

}  // namespace

std::string HttpResponse::header(const std::string& lower_case_name) const {
  auto it = headers.find(lower_case_name);
  return it == headers.end() ? std::string() : it->second;
}

HttpClient::HttpClient(Timeouts timeouts) : timeouts_(timeouts) {
  init_curl_once();
  curl_ = curl_easy_init();
  if (!curl_) throw Error("libcurl failed to initialize");
}

HttpClient::~HttpClient() { curl_easy_cleanup(as_curl(curl_)); }

HttpResponse HttpClient::get(const HttpRequest& request) {
  std::string url = request.url;
  const std::string origin = url_origin(request.url);
  for (int hop = 0; hop <= kMaxRedirects; ++hop) {
    HttpResponse response = get_once(request, url, url_origin(url) == origin);
    if (!is_redirect(response.status)) return response;
    char* location = nullptr;
    curl_easy_getinfo(as_curl(curl_), CURLINFO_REDIRECT_URL, &location);
    if (!location) return response;
    url = location;
  }
  throw TransportError("more than " + std::to_string(kMaxRedirects) + " redirects from " + request.url, false);
}

HttpResponse HttpClient::get_once(const HttpRequest& request, const std::string& url, bool send_authorization) {
  CURL* curl = as_curl(curl_);
  curl_easy_reset(curl);  // keeps the connection and DNS caches
  Transfer transfer{request, {}, false, nullptr, std::chrono::seconds(timeouts_.stall_seconds)};

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
  if (transfer.stalled)
    throw TransportError("no data for " + std::to_string(timeouts_.stall_seconds) + " seconds (GET " + url + ")", true);
  if (code != CURLE_OK) {
    std::string detail = error_text[0] ? error_text : curl_easy_strerror(code);
    throw TransportError(detail + " (GET " + url + ")", retryable(code));
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &transfer.response.status);
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
    if (scheme && host) origin = lower(scheme) + "://" + lower(host) + ":" + (port ? port : "");
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
