// import, images and rmi as a user drives them.
#include <fstream>

#include <nlohmann/json.hpp>

#include "lib/harness.h"

namespace mini::test {
namespace {

using ::testing::HasSubstr;

class StoreCliTest : public MiniTest {};

TEST_F(StoreCliTest, ImportListRemove) {
  if (skipped_) return;
  import_busybox();
  Result images = mini({"images"});
  ASSERT_EQ(images.exit_code, 0) << images.err;
  EXPECT_THAT(images.out, HasSubstr("REPOSITORY"));
  EXPECT_THAT(images.out, HasSubstr("bb "));
  EXPECT_THAT(images.out, HasSubstr("latest"));

  Result rmi = mini({"rmi", "bb"});
  ASSERT_EQ(rmi.exit_code, 0) << rmi.err;
  EXPECT_THAT(rmi.out, HasSubstr("Untagged: bb:latest"));
  EXPECT_EQ(files_under(root_ / "blobs"), std::vector<fs::path>{}) << "rmi of the only image frees its blobs";
  EXPECT_TRUE(fs::is_empty(root_ / "layers"));
  EXPECT_NE(mini({"rmi", "bb"}).exit_code, 0);
}

TEST_F(StoreCliTest, BadImportChangesNothing) {
  if (skipped_) return;
  import_busybox();
  auto before = files_under(root_);
  Result missing = mini({"import", "/nonexistent", "x:y"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_EQ(std::count(missing.err.begin(), missing.err.end(), '\n'), 1) << missing.err;
  EXPECT_THAT(missing.err, HasSubstr("/nonexistent"));

  fs::path garbage = root_.parent_path() / ("mini-garbage-" + std::to_string(getpid()));
  { std::ofstream(garbage) << std::string(4096, 'x'); }
  Result bad = mini({"import", garbage.string(), "x:y"});
  fs::remove(garbage);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;

  EXPECT_NE(mini({"import", busybox_rootfs_tar().string(), "Bad:Name"}).exit_code, 0);
  EXPECT_EQ(files_under(root_), before);
}

TEST_F(StoreCliTest, ImportFromStdinWithChanges) {
  if (skipped_) return;
  Result r = run_process({"sh", "-c",
                          std::string("gzip -c ") + busybox_rootfs_tar().string() + " | " + MINI_BINARY + " --root " +
                              root_.string() + " import - piped:1 --change 'ENV GREETING=hello' " +
                              "--change 'CMD [\"sh\", \"-c\", \"echo $GREETING\"]' --change 'WORKDIR /tmp'"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Result run = mini({"run", "--rm", "piped:1"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "hello\n");
  EXPECT_EQ(mini({"run", "--rm", "piped:1", "pwd"}).out, "/tmp\n");
}

TEST_F(StoreCliTest, RealImagesImportWithTheirCompression) {
  if (skipped_) return;
  fs::path images = shared_images();
  if (images.empty()) {
    if (in_ci()) FAIL() << "../shared/images is required under CI=true";
    GTEST_SKIP() << "../shared/images is not here";
  }
  // Docker Hub's busybox layer straight out of the OCI layout.
  std::ifstream index(images / "busybox-1.38.0-musl-amd64" / "index.json");
  auto doc = nlohmann::json::parse(index);
  std::string manifest_digest = doc["manifests"][0]["digest"];
  std::ifstream manifest_file(images / "busybox-1.38.0-musl-amd64" / "blobs" / "sha256" / manifest_digest.substr(7));
  auto manifest = nlohmann::json::parse(manifest_file);
  std::string layer = manifest["layers"][0]["digest"];
  fs::path layer_path = images / "busybox-1.38.0-musl-amd64" / "blobs" / "sha256" / layer.substr(7);
  ASSERT_EQ(mini({"import", layer_path.string(), "busybox:musl"}).exit_code, 0);
  Result r = mini({"run", "--rm", "busybox:musl", "busybox", "echo", "from docker hub"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "from docker hub\n");
}

}  // namespace
}  // namespace mini::test
