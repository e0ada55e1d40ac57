// What a token server or registry puts into headers mini sends, and the
// config keys that bound a hostile registry.
#include <gtest/gtest.h>

#include "common/error.h"
#include "registry/auth.h"
#include "registry/http.h"

namespace mini::registry {
namespace {

TEST(HostileToken, ControlCharactersAndSpacesAreRefused) {
  for (const char* body :
       {R"({"token":"abc\r\nX-Injected: 1"})", R"({"token":"abc\ndef"})", R"({"access_token":"a b"})",
        R"({"token":"tab\there"})", R"({"token":"nul\u0000"})", R"({"token":"caf\u00e9"})"})
    EXPECT_THROW(parse_token_response(body), Error) << body;
  EXPECT_EQ(parse_token_response(R"({"token":"eyJhbGciOi.J9-_~+/=.x"})").value, "eyJhbGciOi.J9-_~+/=.x");
}

TEST(HostileToken, AHugeExpiryIsCapped) {
  Token token = parse_token_response(R"({"token":"t","expires_in":9223372036854775807})");
  EXPECT_LE(token.expires_in, std::chrono::hours(24));
}

TEST(HostileRealm, OnlyCleanHttpUrls) {
  EXPECT_NO_THROW(check_realm("https://auth.docker.io/token", true));
  EXPECT_NO_THROW(check_realm("http://127.0.0.1:5000/token", false));
  EXPECT_THROW(check_realm("https://auth.example/token\r\nX: 1", false), Error);
  EXPECT_THROW(check_realm("file:///etc/passwd", false), Error);
  EXPECT_THROW(check_realm("ftp://example/token", false), Error);
  EXPECT_THROW(check_realm("https://auth.example/t oken", false), Error);
  EXPECT_THROW(check_realm("", false), Error);
  // Credentials for a registry reached over HTTPS don't go over plain HTTP.
  EXPECT_THROW(check_realm("http://auth.example/token", true), Error);
}

TEST(HostileRealm, AChallengeWithABadRealmIsRefused) {
  Authenticator auth("registry.example", std::nullopt, true);
  EXPECT_THROW(auth.set_challenges(parse_www_authenticate("Bearer realm=\"https://a.example/\x01token\"")), Error);
  EXPECT_FALSE(auth.has_challenge());
}

TEST(HostileHeaders, NothingWithControlCharactersIsSent) {
  // Refused before any connection is made: the URL leads nowhere.
  HttpClient http;
  HttpRequest request;
  request.url = "http://127.0.0.1:1/v2/";
  request.authorization = "Bearer abc\r\nX-Injected: 1";
  EXPECT_THROW(http.get(request), Error);
  request.authorization.clear();
  request.headers = {"Accept: a\nX-Injected: 1"};
  EXPECT_THROW(http.get(request), Error);
  request.headers.clear();
  request.url = "http://127.0.0.1:1/v2/\r\nX: 1";
  EXPECT_THROW(http.get(request), Error);
}

}  // namespace
}  // namespace mini::registry
