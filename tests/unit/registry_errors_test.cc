#include "registry/errors.h"

#include <gtest/gtest.h>

namespace mini::registry {
namespace {

std::string thrown(long status, std::map<std::string, std::string> headers = {}, std::string body = "") {
  HttpResponse response;
  response.status = status;
  response.headers = std::move(headers);
  response.body = std::move(body);
  try {
    throw_status("127.0.0.1:5000", "manifest for library/busybox:1", response);
  } catch (const RegistryError& e) {
    EXPECT_EQ(e.status(), status);
    return e.what();
  }
  return "";
}

TEST(RegistryErrors, DistributionErrorBodies) {
  EXPECT_EQ(registry_error_message(R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]})"),
            "manifest_unknown: manifest unknown");
  EXPECT_EQ(registry_error_message(R"({"errors":[{"code":"DENIED","message":"denied"}]})"), "denied");
  EXPECT_EQ(registry_error_message(R"({"details":"incorrect username or password"})"),
            "incorrect username or password");
  EXPECT_EQ(registry_error_message("<html>oops</html>"), "");
  EXPECT_EQ(registry_error_message(""), "");
}

TEST(RegistryErrors, RateLimitNamesRetryAfterAndLogin) {
  std::string seconds = thrown(429, {{"retry-after", "42"}});
  EXPECT_NE(seconds.find("429 Too Many Requests"), std::string::npos) << seconds;
  EXPECT_NE(seconds.find("in 42 seconds"), std::string::npos) << seconds;
  EXPECT_NE(seconds.find("`mini login 127.0.0.1:5000`"), std::string::npos) << seconds;
  std::string date = thrown(429, {{"retry-after", "Wed, 21 Oct 2026 07:28:00 GMT"}});
  EXPECT_NE(date.find("after Wed, 21 Oct 2026 07:28:00 GMT"), std::string::npos) << date;
}

TEST(RegistryErrors, UnauthorizedHintsLogin) {
  std::string text = thrown(401);
  EXPECT_EQ(text, "registry 127.0.0.1:5000 answered 401 Unauthorized; log in with `mini login 127.0.0.1:5000`");
  EXPECT_EQ(login_hint("docker.io"), "`mini login`");
  std::string server = thrown(503, {}, R"({"errors":[{"code":"UNAVAILABLE","message":"try later"}]})");
  EXPECT_NE(server.find("503 Service Unavailable to manifest for library/busybox:1 (unavailable: try later)"),
            std::string::npos)
      << server;
}

}  // namespace
}  // namespace mini::registry
