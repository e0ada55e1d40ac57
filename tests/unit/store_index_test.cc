#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <thread>
#include <vector>

#include "common/error.h"
#include "common/fs_util.h"
#include "store/fs_tree.h"
#include "store/image_index.h"
#include "support/temp_dir.h"

namespace mini::store {
namespace {

using ::testing::HasSubstr;

class StoreIndex : public test::TempDirTest {
 protected:
  void SetUp() override {
    layout_.root = dir_ / "root";
    layout_.create();
  }

  Layout layout_;
};

const std::string kDigestA = "sha256:" + std::string(64, 'a');
const std::string kDigestB = "sha256:" + std::string(64, 'b');

TEST_F(StoreIndex, SetFindRemove) {
  ImageIndex index(layout_);
  EXPECT_TRUE(index.load().empty());
  EXPECT_FALSE(index.find("docker.io/library/alpine:3.20"));

  index.set("docker.io/library/alpine:3.20", {kDigestA, kDigestB, "2024-01-01T00:00:00Z"});
  auto found = index.find("docker.io/library/alpine:3.20");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->manifest_digest, kDigestA);
  EXPECT_EQ(found->repo_digest, kDigestB);
  EXPECT_EQ(found->created, "2024-01-01T00:00:00Z");

  index.set("docker.io/library/alpine:3.20", {kDigestB, "", "2024-01-02T00:00:00Z"});
  EXPECT_EQ(index.find("docker.io/library/alpine:3.20")->manifest_digest, kDigestB);
  EXPECT_EQ(index.load().size(), 1u);

  // Another ImageIndex on the same store sees the file, not a cache.
  EXPECT_TRUE(ImageIndex(layout_).find("docker.io/library/alpine:3.20"));

  EXPECT_TRUE(index.remove("docker.io/library/alpine:3.20"));
  EXPECT_FALSE(index.remove("docker.io/library/alpine:3.20"));
  EXPECT_TRUE(index.load().empty());
}

TEST_F(StoreIndex, CorruptFileNamesItselfAndTheWayOut) {
  fsutil::write_file_atomic(layout_.images_file(), "{\"x\": ");
  ImageIndex index(layout_);
  try {
    index.load();
    FAIL() << "a corrupt images.json loaded";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr(layout_.images_file().string()));
    EXPECT_THAT(e.what(), HasSubstr("corrupt"));
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  }
  EXPECT_THROW(index.set("a:b", {kDigestA, "", ""}), Error);
  fsutil::write_file_atomic(layout_.images_file(), "[1, 2]");
  EXPECT_THROW(index.load(), Error);
  fsutil::write_file_atomic(layout_.images_file(), "{\"a:b\": {\"repo_digest\": \"\"}}");
  EXPECT_THROW(index.load(), Error);
}

TEST_F(StoreIndex, ConcurrentUpdatesAllLand) {
  constexpr int kThreads = 6;
  constexpr int kEach = 15;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      ImageIndex index(layout_);
      for (int i = 0; i < kEach; ++i)
        index.set("example.com/t" + std::to_string(t) + ":" + std::to_string(i), {kDigestA, "", "now"});
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ImageIndex(layout_).load().size(), static_cast<size_t>(kThreads * kEach));
  // No temp files left beside images.json.
  for (const auto& entry : fs::directory_iterator(layout_.root))
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
}

TEST_F(StoreIndex, UpdateSeesCurrentContent) {
  ImageIndex index(layout_);
  index.set("a:1", {kDigestA, "", ""});
  index.set("b:1", {kDigestB, "", ""});
  index.update([](std::map<std::string, ImageRecord>& images) {
    EXPECT_EQ(images.size(), 2u);
    images.erase("a:1");
    images["c:1"] = images["b:1"];
  });
  auto images = index.load();
  EXPECT_EQ(images.count("a:1"), 0u);
  EXPECT_EQ(images.at("c:1").manifest_digest, kDigestB);
}

}  // namespace
}  // namespace mini::store
