#pragma once
// Registry authentication as Docker does it: a 401 to GET /v2/ carries a
// WWW-Authenticate challenge; Basic means sending the credentials with every
// request, Bearer means trading them (or nothing, for anonymous pulls) at the
// realm for a token per scope ("repository:library/busybox:pull").
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "registry/credentials.h"
#include "registry/http.h"

namespace mini::registry {

struct Challenge {
  std::string scheme;                         // lower case: "bearer", "basic"
  std::map<std::string, std::string> params;  // lower-case names: realm, service, scope, error
};

// Parses a WWW-Authenticate value (RFC 9110 §11.6.1), which may hold several
// challenges separated by commas and quoted values containing commas.
std::vector<Challenge> parse_www_authenticate(std::string_view header);

// Whether `value` may go into a header as a token: visible ASCII only.
bool is_header_safe(std::string_view value);
// Throws mini::Error unless `realm` is an http(s) URL with nothing a header
// or URL must not hold; with `secure`, https only (credentials go there).
void check_realm(const std::string& realm, bool secure);

// A bearer token answer from a realm. expires_in defaults to 60 seconds,
// and is never taken as shorter than that (as Docker does).
struct Token {
  std::string value;
  std::chrono::seconds expires_in{60};
};
// Throws mini::Error when the JSON has neither "token" nor "access_token".
Token parse_token_response(std::string_view body);

// The authenticated side of one registry endpoint, shared by the threads of
// a pull; tokens are cached per scope until they expire.
class Authenticator {
 public:
  Authenticator(std::string host, std::optional<Credentials> credentials, bool verify_tls);

  // What GET /v2/ (or a later 401) asked for, from the registry's own host
  // only (never from a redirect target). Unsupported schemes are ignored;
  // a bearer realm that check_realm refuses throws.
  void set_challenges(const std::vector<Challenge>& challenges);
  bool has_challenge() const;
  bool has_credentials() const { return credentials_.has_value(); }

  // The Authorization header value for `scope`, or "" when the registry
  // asked for none. Fetches a token when needed, with `http`.
  std::string authorization(HttpClient& http, const std::string& scope);
  // Forgets the token for `scope`, after a 401 showed it is no good.
  void invalidate(const std::string& scope);

 private:
  Token fetch_token(HttpClient& http, const Challenge& bearer, const std::string& scope);

  std::string host_;
  std::optional<Credentials> credentials_;
  bool verify_tls_;
  mutable std::mutex mutex_;
  std::optional<Challenge> challenge_;
  struct CachedToken {
    std::string value;
    std::chrono::steady_clock::time_point expires;
  };
  std::map<std::string, CachedToken> tokens_;
};

}  // namespace mini::registry
