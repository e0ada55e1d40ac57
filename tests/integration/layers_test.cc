// How mini stacks an image's layers: up to 128 as one overlay mount, a
// layer listed twice without ELOOP, and a copy only when overlayfs can't,
// saying why. Images are built here (tests/corpus/make_layered_image.py)
// on the busybox-static rootfs and pulled from a fake registry.
#include <fstream>

#include <nlohmann/json.hpp>

#include "lib/harness.h"
#include "lib/registry_fixture.h"

namespace mini::test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

class LayersTest : public MiniTest {
 protected:
  void SetUp() override {
    MiniTest::SetUp();
    if (skipped_) return;
    work_ = fs::path(root_.string() + "-layers");
    fs::create_directories(work_);
    env_["MINI_CONFIG"] = (work_ / "config.json").string();
    env_["DOCKER_CONFIG"] = work_.string();
    std::ofstream(work_ / "config.json") << json::object().dump();
  }
  void TearDown() override {
    MiniTest::TearDown();
    std::error_code ec;
    if (!work_.empty()) fs::remove_all(work_, ec);
  }

  Result mini_env(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {MINI_BINARY, "--root", root_.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, "", env_);
  }

  // Builds the layout described by `spec`, serves it and pulls it; returns
  // the image's name.
  std::string pull(const json& spec) {
    std::string name = serve(spec);
    Result pulled = mini_env({"pull", name});
    EXPECT_EQ(pulled.exit_code, 0) << pulled.err;
    return name;
  }
  std::string serve(const json& spec, const json& config = {{"Cmd", {"/bin/sh"}}}) {
    fs::path layout = work_ / ("layout" + std::to_string(++layouts_));
    Result made = run_process({"python3", std::string(MINI_SOURCE_DIR) + "/tests/corpus/make_layered_image.py",
                               busybox_rootfs_tar().string(), layout.string(), spec.dump(), config.dump()});
    EXPECT_EQ(made.exit_code, 0) << made.err;
    registry_ = std::make_unique<FakeRegistry>(layout, "test/layers", "v1");
    return registry_->host() + "/test/layers:v1";
  }

  // The script's output, and whether the rootfs was an overlay.
  Result run(const std::string& image, const std::string& script) {
    return mini_env({"run", "--rm", "--network", "none", image, "sh", "-c",
                     script + "; mini-probe | grep -c '^mount=/ overlay '"});
  }

  void expect_store_clean() {
    Result check = mini_env({"system", "check"});
    EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  }

  fs::path work_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<FakeRegistry> registry_;
  int layouts_ = 0;
};

TEST_F(LayersTest, OneHundredTwentyEightLayersMountAsOneOverlay) {
  if (skipped_) return;
  // Docker's pull limit is 127; overlay must still stack one more.
  std::ofstream(work_ / "config.json") << json{{"max-image-layers", 128}}.dump();
  json spec = json::array({"base"});
  for (int i = 1; i < 128; ++i)
    spec.push_back({{"files", {{"layers/" + std::to_string(i), "x"}, {"layers/top", std::to_string(i)}}}});
  std::string image = pull(spec);
  Result r = run(image, "ls /layers | wc -l; cat /layers/top; echo");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "128\n127\n1\n") << "127 numbered files plus top, the top layer's top, and an overlay root";
  EXPECT_THAT(r.err, Not(HasSubstr("copy"))) << r.err;
  expect_store_clean();
}

TEST_F(LayersTest, RepeatedLayersMountWithoutELOOP) {
  if (skipped_) return;
  // A, then B deleting A's file, then A again: A's file is back.
  json spec = json::array({"base", {{"files", {{"dup/a", "from A"}}}},
                           {{"files", {{"dup/b", "from B"}}}, {"whiteouts", {"dup/a"}}}, {{"same_as", 1}}});
  std::string image = pull(spec);
  Result r = run(image, "cat /dup/a /dup/b; echo");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "from Afrom B\n1\n");
  EXPECT_THAT(r.err, Not(HasSubstr("copy"))) << r.err;

  // The base twice, and a layer twice in a row.
  json twice = json::array({"base", {{"files", {{"x/y", "y"}}}}, {{"same_as", 1}}, {{"same_as", 0}}});
  image = pull(twice);
  r = run(image, "cat /x/y; echo");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "y\n1\n");
  EXPECT_THAT(r.err, Not(HasSubstr("copy"))) << r.err;

  // The copy driver reads the same stack the same way.
  r = mini_env({"run", "--rm", "--network", "none", "--storage-driver", "copy", image, "cat", "/x/y"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "y");
  expect_store_clean();
}

// Not layers but the document beside them: a config whose fields have the
// wrong type or hide a NUL is refused at pull, naming the field, and
// nothing of the image stays.
TEST_F(LayersTest, HostileImageConfigIsRefusedNamingTheField) {
  if (skipped_) return;
  const std::vector<std::pair<json, std::string>> cases = {
      {{{"Env", {"PATH=/bin", 42}}}, "config.Env[1]: expected a string, got a number"},
      {{{"WorkingDir", std::string("/tmp\0/../etc", 13)}}, "config.WorkingDir: contains a NUL byte"},
      {{{"Cmd", {"sh", {{"x", 1}}}}}, "config.Cmd[1]: expected a string, got an object"},
      {{{"Labels", {{"a", true}}}}, "config.Labels[\"a\"]: expected a string"},
  };
  for (const auto& [config, message] : cases) {
    std::string name = serve(json::array({"base"}), config);
    Result r = mini_env({"pull", name});
    EXPECT_NE(r.exit_code, 0) << config.dump();
    EXPECT_THAT(r.err, HasSubstr(message));
    EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
    Result run = mini_env({"run", "--rm", name, "true"});
    EXPECT_EQ(run.exit_code, 125);
    EXPECT_THAT(run.err, HasSubstr(message));
    EXPECT_THAT(mini_env({"images"}).out, Not(HasSubstr("test/layers")));
  }
  expect_store_clean();
}

}  // namespace
}  // namespace mini::test
