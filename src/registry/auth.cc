#include "registry/auth.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "common/text.h"
#include "registry/display.h"
#include "registry/errors.h"

namespace mini::registry {

namespace {

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// A cursor over the header value; the grammar is
//   challenge = scheme [ 1*SP ( token68 / #( name "=" ( token / quoted ) ) ) ]
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}
  bool done() const { return pos_ >= text_.size(); }
  char peek() const { return done() ? '\0' : text_[pos_]; }
  void skip_space() {
    while (!done() && (peek() == ' ' || peek() == '\t')) ++pos_;
  }
  void skip_commas_and_space() {
    while (!done() && (peek() == ' ' || peek() == '\t' || peek() == ',')) ++pos_;
  }
  std::string token() {
    size_t start = pos_;
    while (!done() && is_token_char(peek())) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }
  std::string quoted() {
    std::string out;
    ++pos_;  // opening quote
    while (!done() && peek() != '"') {
      if (peek() == '\\' && pos_ + 1 < text_.size()) ++pos_;
      out.push_back(text_[pos_++]);
    }
    if (!done()) ++pos_;  // closing quote
    return out;
  }
  // True when "name =" follows, i.e. an auth-param rather than a new scheme.
  bool at_param() const {
    size_t p = pos_;
    while (p < text_.size() && is_token_char(text_[p])) ++p;
    if (p == pos_) return false;
    while (p < text_.size() && (text_[p] == ' ' || text_[p] == '\t')) ++p;
    return p < text_.size() && text_[p] == '=' && (p + 1 >= text_.size() || text_[p + 1] != '=');
  }
  void expect_equals() {
    skip_space();
    if (peek() == '=') ++pos_;
    skip_space();
  }
  void skip_token68() {
    while (!done() && peek() != ',' && peek() != ' ') ++pos_;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

bool is_header_safe(std::string_view value) {
  return !value.empty() && std::all_of(value.begin(), value.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

void check_realm(const std::string& realm, bool secure) {
  std::string scheme = ascii_lower(realm.substr(0, realm.find("://") == std::string::npos ? 0 : realm.find("://")));
  if (!is_header_safe(realm) || (scheme != "https" && scheme != "http") || url_origin(realm).empty())
    throw Error("the registry names a token realm that is not an http(s) URL (\"" + shown(realm, 120) +
                "\"); refusing it");
  if (secure && scheme != "https")
    throw Error("the registry names a plain-HTTP token realm (" + shown(realm, 120) +
                "); mini trades credentials for tokens over HTTPS only");
}

std::vector<Challenge> parse_www_authenticate(std::string_view header) {
  std::vector<Challenge> challenges;
  Scanner in(header);
  for (;;) {
    in.skip_commas_and_space();
    if (in.done()) break;
    std::string scheme = in.token();
    if (scheme.empty()) {
      in.skip_token68();  // not a challenge; resynchronize at the next comma
      continue;
    }
    Challenge challenge{ascii_lower(scheme), {}};
    in.skip_space();
    if (!in.at_param()) in.skip_token68();
    while (true) {
      in.skip_commas_and_space();
      if (!in.at_param()) break;
      std::string name = ascii_lower(in.token());
      in.expect_equals();
      challenge.params[name] = in.peek() == '"' ? in.quoted() : in.token();
    }
    challenges.push_back(std::move(challenge));
  }
  return challenges;
}

Token parse_token_response(std::string_view body) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (!doc.is_object()) throw Error("the token server's answer is not JSON");
  Token token;
  for (const char* field : {"token", "access_token"}) {
    if (auto it = doc.find(field); it != doc.end() && it->is_string() && !it->get<std::string>().empty()) {
      token.value = it->get<std::string>();
      break;
    }
  }
  if (token.value.empty()) throw Error("the token server's answer holds no token");
  // It goes into an Authorization header as it is: a CR or LF would add
  // headers of the server's choosing to every later request.
  if (!is_header_safe(token.value))
    throw Error("the token server's answer holds a token with spaces or control characters; refusing it");
  // A day at most: the cache must never see an expiry that overflows.
  constexpr long long kMaxExpiry = 24 * 3600;
  if (auto it = doc.find("expires_in"); it != doc.end() && it->is_number_integer())
    token.expires_in = std::max(token.expires_in, std::chrono::seconds(std::min(it->get<long long>(), kMaxExpiry)));
  return token;
}

Authenticator::Authenticator(std::string host, std::optional<Credentials> credentials, bool verify_tls)
    : host_(std::move(host)), credentials_(std::move(credentials)), verify_tls_(verify_tls) {}

void Authenticator::set_challenges(const std::vector<Challenge>& challenges) {
  std::lock_guard lock(mutex_);
  // Bearer first: it works anonymously, Basic does not.
  for (const char* scheme : {"bearer", "basic"}) {
    for (const auto& c : challenges) {
      if (c.scheme == scheme && (c.scheme == "basic" || c.params.count("realm"))) {
        if (c.scheme == "bearer") check_realm(c.params.at("realm"), verify_tls_ && credentials_.has_value());
        challenge_ = c;
        return;
      }
    }
  }
}

bool Authenticator::has_challenge() const {
  std::lock_guard lock(mutex_);
  return challenge_.has_value();
}

std::string Authenticator::authorization(HttpClient& http, const std::string& scope) {
  std::unique_lock lock(mutex_);
  if (!challenge_) return "";
  if (challenge_->scheme == "basic") {
    if (!credentials_) return "";
    return "Basic " + encode_auth(*credentials_);
  }
  auto now = std::chrono::steady_clock::now();
  if (auto it = tokens_.find(scope); it != tokens_.end() && it->second.expires > now)
    return "Bearer " + it->second.value;
  Challenge bearer = *challenge_;
  // Fetching outside the lock lets other scopes proceed; two threads may
  // fetch the same scope once each, which is harmless.
  lock.unlock();
  Token token = fetch_token(http, bearer, scope);
  lock.lock();
  // Refresh a little early so a token never expires in flight.
  tokens_[scope] = {token.value, now + token.expires_in - std::chrono::seconds(5)};
  return "Bearer " + token.value;
}

void Authenticator::invalidate(const std::string& scope) {
  std::lock_guard lock(mutex_);
  tokens_.erase(scope);
}

Token Authenticator::fetch_token(HttpClient& http, const Challenge& bearer, const std::string& scope) {
  const std::string& realm = bearer.params.at("realm");
  std::string url = realm + (realm.find('?') == std::string::npos ? "?" : "&");
  std::vector<std::string> query;
  if (auto it = bearer.params.find("service"); it != bearer.params.end())
    query.push_back("service=" + url_encode(it->second));
  if (!scope.empty()) query.push_back("scope=" + url_encode(scope));
  if (credentials_) query.push_back("account=" + url_encode(credentials_->username));
  for (size_t i = 0; i < query.size(); ++i) url += (i ? "&" : "") + query[i];

  HttpRequest request;
  request.url = url;
  request.verify_tls = verify_tls_;
  request.max_body_bytes = budget::kToken;
  if (credentials_) request.authorization = "Basic " + encode_auth(*credentials_);
  HttpResponse response;
  try {
    response = http.get(request);
  } catch (const BudgetError&) {
    throw BudgetError("the token server " + shown(url_origin(realm), 120) + " sent a token answer larger than " +
                      std::to_string(budget::kToken) + " bytes; refusing it");
  }
  if (response.status == 401 || response.status == 403) throw_unauthorized(host_, credentials_.has_value(), response);
  if (response.status != 200) throw_status(host_, "the token request to " + shown(realm, 120), response);
  try {
    return parse_token_response(response.body);
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + " (" + shown(realm, 120) + ")");
  }
}

}  // namespace mini::registry
