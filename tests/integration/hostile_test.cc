// `mini import` against the hostile layer corpus that
// tests/corpus/make_hostile_tars.py writes at test time. Every case is either
// refused with a one-line error, leaving the store empty, or imported with
// its files inside the layer directory; either way a canary tree next to the
// store (the target of every attack) and the host's /etc are unchanged.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "lib/harness.h"

namespace mini::test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// lstat of `rel` below `root`, one component at a time: layer paths may be
// longer than PATH_MAX.
bool exists_below(const fs::path& root, const std::string& rel) {
  int dir = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  fs::path path = rel;
  std::vector<std::string> parts;
  for (const auto& part : path) parts.push_back(part.string());
  bool found = dir >= 0;
  for (size_t i = 0; found && i < parts.size(); ++i) {
    struct stat st {};
    if (i + 1 == parts.size()) {
      found = ::fstatat(dir, parts[i].c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
      break;
    }
    int next = ::openat(dir, parts[i].c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    ::close(dir);
    dir = next;
    found = dir >= 0;
  }
  if (dir >= 0) ::close(dir);
  return found;
}

fs::path python3() { return fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3"; }

class HostileTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) return;
    char tmpl[] = "/tmp/mini-hostile-XXXXXX";
    sandbox_ = ::mkdtemp(tmpl);
    // The canary: what the attacks aim at, by absolute path and by ../.
    fs::path canary = sandbox_ / "canary";
    fs::create_directories(canary / "sub" / "nested");
    std::ofstream(canary / "secret") << "secret\n";
    std::ofstream(canary / "passwd") << "root:x:0:0:root:/root:/bin/sh\n";
    std::ofstream(canary / "sub" / "nested" / "file") << "nested\n";
    fs::create_symlink("secret", canary / "link");
    fs::create_directories(sandbox_ / "corpus");
    Result made = run_process({python3().string(), fs::path(MINI_SOURCE_DIR) / "tests/corpus/make_hostile_tars.py",
                               (sandbox_ / "corpus").string(), canary.string()});
    generator_error_ = made.exit_code == 0 ? "" : "make_hostile_tars.py failed: " + made.err;
  }

  static void TearDownTestSuite() {
    if (sandbox_.empty()) return;
    std::error_code ec;
    fs::remove_all(sandbox_, ec);
  }

  void SetUp() override {
    if (!require_root()) {
      skipped_ = true;
      return;
    }
    ASSERT_EQ(generator_error_, "");
    cases_ = json::parse(read_text(sandbox_ / "corpus" / "cases.json"));
    ASSERT_GT(cases_.size(), 40u);
  }

  fs::path store() const { return sandbox_ / "store"; }

  // With only 256 file descriptors: walking a layer must not hold one per
  // level of nesting.
  Result mini(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
    std::vector<std::string> argv = {"sh", "-c", "ulimit -n 256 && exec \"$@\"", "sh", MINI_BINARY, "--root",
                                     store().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, "", env);
  }

  // The store holds no trace of a refused import.
  void expect_store_empty() {
    EXPECT_EQ(names_in(store() / "blobs" / "sha256"), std::vector<std::string>{}) << "a blob was committed";
    EXPECT_EQ(names_in(store() / "layers"), std::vector<std::string>{}) << "a layer (or its debris) is left";
    EXPECT_EQ(names_in(store() / "ingest"), std::vector<std::string>{}) << "an ingest is left";
    EXPECT_EQ(names_in(store() / "containers"), std::vector<std::string>{});
    if (fs::exists(store() / "images.json")) {
      EXPECT_EQ(json::parse(read_text(store() / "images.json")), json::object());
    }
  }

  // The one unpacked layer of an accepted import.
  fs::path only_layer() {
    std::vector<std::string> layers = names_in(store() / "layers");
    EXPECT_EQ(layers.size(), 1u) << "expected exactly one layer directory";
    if (layers.size() != 1) return {};
    EXPECT_EQ(layers[0].size(), 64u) << "debris in layers/: " << layers[0];
    fs::path layer = store() / "layers" / layers[0];
    EXPECT_TRUE(fs::exists(layer / "complete"));
    EXPECT_EQ(names_in(layer), (std::vector<std::string>{"complete", "fs"}));
    return layer / "fs";
  }

  void run_case(const json& c) {
    const std::string name = c["name"];
    std::map<std::string, std::string> env;
    for (const auto& [k, v] : c["env"].items()) env[k] = v.get<std::string>();
    fs::path config = sandbox_ / "config.json";
    std::ofstream(config) << (c["config"].is_null() ? json::object() : c["config"]).dump();
    env["MINI_CONFIG"] = config.string();
    const std::string tag = "hostile/" + name + ":latest";

    Result r = mini({"import", (sandbox_ / "corpus" / c["file"].get<std::string>()).string(), tag}, env);
    const std::string expect = c["expect"];
    if (r.exit_code != 0) {
      EXPECT_NE(expect, "accept") << "refused: " << r.err;
      EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "not one line: " << r.err;
      EXPECT_THAT(r.err, StartsWith("mini: "));
      EXPECT_EQ(r.out, "");
      expect_store_empty();
      return;
    }
    EXPECT_NE(expect, "refuse") << "accepted; stderr: " << r.err;
    EXPECT_THAT(r.out, StartsWith("sha256:"));
    EXPECT_EQ(names_in(store() / "ingest"), std::vector<std::string>{});
    fs::path fs_dir = only_layer();
    if (fs_dir.empty()) return;
    for (const auto& path : c["present"])
      EXPECT_TRUE(exists_below(fs_dir, path)) << "missing in the layer: " << path.get<std::string>().substr(0, 200);
    for (const auto& path : c["absent"])
      EXPECT_FALSE(exists_below(fs_dir, path)) << "present in the layer: " << path.get<std::string>().substr(0, 200);
    // Whatever was unpacked can be removed again, deep trees and odd modes included.
    Result rmi = mini({"rmi", tag}, env);
    EXPECT_EQ(rmi.exit_code, 0) << rmi.err;
    EXPECT_EQ(names_in(store() / "layers"), std::vector<std::string>{}) << "rmi left the layer behind";
  }

  static fs::path sandbox_;
  static std::string generator_error_;
  json cases_;
  bool skipped_ = false;
};

fs::path HostileTest::sandbox_;
std::string HostileTest::generator_error_;

TEST_F(HostileTest, EveryCaseIsRefusedOrContained) {
  if (skipped_) return;
  const auto canary_before = snapshot(sandbox_ / "canary");
  const auto etc_before = names_in("/etc");
  const std::string passwd_before = read_text("/etc/passwd");
  struct stat passwd_stat {};
  ASSERT_EQ(::lstat("/etc/passwd", &passwd_stat), 0);

  for (const auto& c : cases_) {
    SCOPED_TRACE("case " + c["name"].get<std::string>() + ": " + c["why"].get<std::string>());
    std::error_code ec;
    fs::remove_all(store(), ec);
    run_case(c);
    // Nothing outside the layer directory changed.
    EXPECT_EQ(snapshot(sandbox_ / "canary"), canary_before);
    EXPECT_EQ(names_in(sandbox_), (std::vector<std::string>{"canary", "config.json", "corpus", "store"}));
    EXPECT_EQ(names_in("/etc"), etc_before);
    EXPECT_EQ(read_text("/etc/passwd"), passwd_before);
    struct stat st {};
    EXPECT_EQ(::lstat("/etc/passwd", &st), 0);
    EXPECT_EQ(st.st_mtim.tv_sec, passwd_stat.st_mtim.tv_sec);
    EXPECT_EQ(st.st_ino, passwd_stat.st_ino);
    EXPECT_EQ(mounts_under(sandbox_), std::vector<std::string>{});
  }
}

// The limit's three sources, and what the error says to do.
TEST_F(HostileTest, LayerSizeLimitIsConfigurable) {
  if (skipped_) return;
  const fs::path bomb = sandbox_ / "corpus" / "sparse-bomb-env.tar";  // 256 MiB, sparse
  fs::path config = sandbox_ / "config.json";
  auto import = [&](const std::map<std::string, std::string>& env, const std::string& config_text) {
    std::error_code ec;
    fs::remove_all(store(), ec);
    std::ofstream(config) << config_text;
    auto all = env;
    all["MINI_CONFIG"] = config.string();
    return mini({"import", bomb.string(), "bomb:1"}, all);
  };

  Result by_env = import({{"MINI_MAX_LAYER_BYTES", "100MB"}}, "{}");
  EXPECT_NE(by_env.exit_code, 0);
  EXPECT_THAT(by_env.err, HasSubstr("more than 100.0 MiB"));
  EXPECT_THAT(by_env.err, HasSubstr("MINI_MAX_LAYER_BYTES"));
  expect_store_empty();

  Result by_config = import({}, R"({"max-layer-size": "128m"})");
  EXPECT_NE(by_config.exit_code, 0);
  EXPECT_THAT(by_config.err, HasSubstr("more than 128.0 MiB"));
  EXPECT_THAT(by_config.err, HasSubstr("max-layer-size"));

  // The environment wins over the file; 0 lifts the limit.
  EXPECT_EQ(import({{"MINI_MAX_LAYER_BYTES", "1g"}}, R"({"max-layer-size": 1024})").exit_code, 0);
  EXPECT_EQ(import({{"MINI_MAX_LAYER_BYTES", "0"}}, "{}").exit_code, 0);
  Result bytes = import({}, R"({"max-layer-size": 268435456})");
  EXPECT_EQ(bytes.exit_code, 0) << "exactly the file's size is allowed: " << bytes.err;

  Result bad = import({{"MINI_MAX_LAYER_BYTES", "lots"}}, "{}");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("MINI_MAX_LAYER_BYTES must be a size"));
  expect_store_empty();
  Result bad_config = import({}, R"({"max-layer-size": true})");
  EXPECT_NE(bad_config.exit_code, 0);
  EXPECT_THAT(bad_config.err, HasSubstr("\"max-layer-size\" must be a size"));

  // --config names the file as well.
  std::error_code ec;
  fs::remove_all(store(), ec);
  std::ofstream(sandbox_ / "other.json") << R"({"max-layer-size": "10MB"})";
  Result flag = run_process({MINI_BINARY, "--root", store().string(), "--config", (sandbox_ / "other.json").string(),
                             "import", bomb.string(), "bomb:1"});
  fs::remove(sandbox_ / "other.json");
  EXPECT_NE(flag.exit_code, 0);
  EXPECT_THAT(flag.err, HasSubstr("more than 10.0 MiB"));
}

}  // namespace
}  // namespace mini::test
