#include "registry/auth.h"

#include <gtest/gtest.h>

namespace mini::registry {
namespace {

TEST(WwwAuthenticate, BearerWithQuotedCommas) {
  auto challenges = parse_www_authenticate(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull,push")");
  ASSERT_EQ(challenges.size(), 1u);
  EXPECT_EQ(challenges[0].scheme, "bearer");
  EXPECT_EQ(challenges[0].params.at("realm"), "https://auth.docker.io/token");
  EXPECT_EQ(challenges[0].params.at("service"), "registry.docker.io");
  EXPECT_EQ(challenges[0].params.at("scope"), "repository:library/busybox:pull,push");
}

TEST(WwwAuthenticate, ParamNamesAreCaseInsensitiveAndSpacesAllowed) {
  auto challenges =
      parse_www_authenticate(R"(bearer Realm = "http://127.0.0.1:9/token" , Service=reg, error="insufficient_scope")");
  ASSERT_EQ(challenges.size(), 1u);
  EXPECT_EQ(challenges[0].params.at("realm"), "http://127.0.0.1:9/token");
  EXPECT_EQ(challenges[0].params.at("service"), "reg");
  EXPECT_EQ(challenges[0].params.at("error"), "insufficient_scope");
}

TEST(WwwAuthenticate, Basic) {
  auto challenges = parse_www_authenticate(R"(Basic realm="Registry Realm")");
  ASSERT_EQ(challenges.size(), 1u);
  EXPECT_EQ(challenges[0].scheme, "basic");
  EXPECT_EQ(challenges[0].params.at("realm"), "Registry Realm");
}

TEST(WwwAuthenticate, SeveralChallengesInOneHeader) {
  auto challenges =
      parse_www_authenticate(R"(Basic realm="a, b", Bearer realm="https://t/x",service="s", Negotiate abc==)");
  ASSERT_EQ(challenges.size(), 3u);
  EXPECT_EQ(challenges[0].scheme, "basic");
  EXPECT_EQ(challenges[0].params.at("realm"), "a, b");
  EXPECT_EQ(challenges[1].scheme, "bearer");
  EXPECT_EQ(challenges[1].params.at("service"), "s");
  EXPECT_EQ(challenges[2].scheme, "negotiate");
  EXPECT_TRUE(challenges[2].params.empty());
}

TEST(WwwAuthenticate, EscapedQuotesAndEmptyHeader) {
  auto challenges = parse_www_authenticate(R"(Bearer realm="say \"hi\"")");
  ASSERT_EQ(challenges.size(), 1u);
  EXPECT_EQ(challenges[0].params.at("realm"), "say \"hi\"");
  EXPECT_TRUE(parse_www_authenticate("").empty());
}

TEST(TokenResponse, TokenOrAccessToken) {
  EXPECT_EQ(parse_token_response(R"({"token":"abc","expires_in":300})").value, "abc");
  EXPECT_EQ(parse_token_response(R"({"token":"abc","expires_in":300})").expires_in, std::chrono::seconds(300));
  EXPECT_EQ(parse_token_response(R"({"access_token":"xyz"})").value, "xyz");
  EXPECT_EQ(parse_token_response(R"({"access_token":"xyz"})").expires_in, std::chrono::seconds(60));
  EXPECT_EQ(parse_token_response(R"({"token":"t","expires_in":5})").expires_in, std::chrono::seconds(60));
  EXPECT_THROW(parse_token_response(R"({"nothing":1})"), Error);
  EXPECT_THROW(parse_token_response("<html>"), Error);
}

TEST(Authenticator, BasicChallengeSendsCredentials) {
  Authenticator auth("127.0.0.1:5000", Credentials{"user", "pass"}, true);
  auth.set_challenges(parse_www_authenticate(R"(Basic realm="r")"));
  HttpClient http;
  EXPECT_EQ(auth.authorization(http, "repository:x:pull"), "Basic dXNlcjpwYXNz");
}

TEST(Authenticator, NoChallengeNoHeader) {
  Authenticator auth("127.0.0.1:5000", std::nullopt, true);
  HttpClient http;
  EXPECT_EQ(auth.authorization(http, "repository:x:pull"), "");
}

}  // namespace
}  // namespace mini::registry
