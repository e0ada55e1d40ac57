#include "registry/credentials.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fs_util.h"
#include "support/temp_dir.h"

namespace mini::registry {
namespace {

namespace fs = std::filesystem;

TEST(Credentials, AuthFieldRoundTrips) {
  EXPECT_EQ(encode_auth({"user", "pass"}), "dXNlcjpwYXNz");
  Credentials c = decode_auth("dXNlcjpwYXNz");
  EXPECT_EQ(c.username, "user");
  EXPECT_EQ(c.password, "pass");
  // Padding of every length, and a colon inside the password.
  for (std::string password : {"p", "pa", "pas", "a:b:c"}) {
    Credentials back = decode_auth(encode_auth({"u", password}));
    EXPECT_EQ(back.username, "u");
    EXPECT_EQ(back.password, password);
  }
  EXPECT_THROW(decode_auth("not base64!"), Error);
  EXPECT_THROW(decode_auth(encode_auth({"nocolon", ""}).substr(0, 4)), Error);
}

TEST(Credentials, FindsDockerKeySpellings) {
  auto config = nlohmann::json::parse(R"({
    "auths": {
      "https://index.docker.io/v1/": {"auth": "aHViOmh1YnBhc3M="},
      "http://127.0.0.1:5000/v2/": {"auth": "bG9jYWw6bG9jYWxwYXNz"},
      "registry.example.com": {"username": "plain", "password": "pw"},
      "empty.example.com": {}
    },
    "credsStore": "desktop"
  })");
  auto hub = find_credentials(config, "docker.io");
  ASSERT_TRUE(hub);
  EXPECT_EQ(hub->username, "hub");
  EXPECT_EQ(hub->password, "hubpass");
  auto local = find_credentials(config, "127.0.0.1:5000");
  ASSERT_TRUE(local);
  EXPECT_EQ(local->username, "local");
  EXPECT_EQ(find_credentials(config, "registry.example.com")->password, "pw");
  EXPECT_FALSE(find_credentials(config, "empty.example.com"));
  EXPECT_FALSE(find_credentials(config, "127.0.0.1:5001"));
  EXPECT_FALSE(find_credentials(nlohmann::json::object(), "docker.io"));
}

TEST(Credentials, SetAndEraseKeepOtherKeys) {
  auto config = nlohmann::json::parse(R"({"auths": {"http://127.0.0.1:5000": {"auth": "eDp5"}}, "psFormat": "x"})");
  set_credentials(config, "127.0.0.1:5000", {"a", "b"});
  EXPECT_EQ(config["auths"].size(), 1u);
  EXPECT_EQ(config["auths"]["127.0.0.1:5000"]["auth"], "YTpi");
  set_credentials(config, "docker.io", {"h", "p"});
  EXPECT_TRUE(config["auths"].contains("https://index.docker.io/v1/"));
  EXPECT_EQ(config["psFormat"], "x");
  EXPECT_TRUE(erase_credentials(config, "127.0.0.1:5000"));
  EXPECT_FALSE(erase_credentials(config, "127.0.0.1:5000"));
  EXPECT_EQ(config["auths"].size(), 1u);
}

// Found by fuzz_docker_config: "auths" that is not an object made login
// crash with a JSON type error instead of saying what to fix.
TEST(Credentials, AuthsThatIsNotAnObjectIsRefused) {
  auto config = nlohmann::json::parse(R"({"auths": 8, "psFormat": "x"})");
  EXPECT_THROW(set_credentials(config, "docker.io", {"h", "p"}), mini::Error);
  EXPECT_EQ(config["auths"], 8) << "left as it was";
  auto empty = nlohmann::json::parse(R"({"auths": null})");
  set_credentials(empty, "docker.io", {"h", "p"});
  EXPECT_TRUE(empty["auths"].contains("https://index.docker.io/v1/"));
  auto array = nlohmann::json::parse("[]");
  EXPECT_THROW(set_credentials(array, "docker.io", {"h", "p"}), mini::Error);
}

TEST(Credentials, LoginServerNormalization) {
  EXPECT_EQ(normalize_login_server("https://index.docker.io/v1/"), "docker.io");
  EXPECT_EQ(normalize_login_server("registry-1.docker.io"), "docker.io");
  EXPECT_EQ(normalize_login_server("https://127.0.0.1:5000/"), "127.0.0.1:5000");
  EXPECT_EQ(auths_key("docker.io"), "https://index.docker.io/v1/");
  EXPECT_EQ(auths_key("127.0.0.1:5000"), "127.0.0.1:5000");
}

TEST(Credentials, FileWrittenPrivatelyAndReadBack) {
  test::TempDir temp("mini-creds");
  const fs::path& dir = temp.path();
  fs::path file = dir / "sub" / "config.json";
  EXPECT_TRUE(read_docker_config(file).empty());
  nlohmann::json config = nlohmann::json::object();
  set_credentials(config, "127.0.0.1:5000", {"u", "p"});
  write_docker_config(file, config);
  struct stat st {};
  ASSERT_EQ(stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(find_credentials(read_docker_config(file), "127.0.0.1:5000")->password, "p");
  fsutil::write_file_atomic(file, "{not json");
  EXPECT_THROW(read_docker_config(file), Error);
}

TEST(Credentials, ConfigPathFollowsDockerConfig) {
  setenv("DOCKER_CONFIG", "/somewhere", 1);
  EXPECT_EQ(docker_config_path(), fs::path("/somewhere/config.json"));
  unsetenv("DOCKER_CONFIG");
  setenv("HOME", "/home/x", 1);
  EXPECT_EQ(docker_config_path(), fs::path("/home/x/.docker/config.json"));
}

}  // namespace
}  // namespace mini::registry
