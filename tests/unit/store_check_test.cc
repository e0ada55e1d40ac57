// store/check: each kind of debris a crash leaves is found, repaired when
// asked, and what is in use is left alone.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "common/error.h"
#include "common/fs_util.h"
#include "store/check.h"
#include "store/container_store.h"
#include "store/content_store.h"
#include "store/fs_tree.h"
#include "store/image_index.h"
#include "store/layer_store.h"
#include "store/scratch.h"
#include "support/temp_dir.h"

namespace mini::store {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Sets the mtime of `path` a minute back: past the time a container is
// given to settle.
void age(const fs::path& path) {
  timespec times[2] = {{0, UTIME_OMIT}, {::time(nullptr) - 60, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), 0) << path;
}

class StoreCheck : public test::TempDirTest {
 protected:
  void SetUp() override {
    layout_.root = dir_;
    layout_.create();
  }

  CheckReport check(bool repair, std::function<bool(const ContainerRecord&)> alive = {}) {
    CheckOptions options;
    options.repair = repair;
    options.probe.alive = alive ? alive : [](const ContainerRecord&) { return false; };
    options.probe.has_cgroups = [](const std::string&) { return false; };
    options.probe.remove_cgroups = [this](const std::string& id) { removed_cgroups_.push_back(id); };
    return check_store(layout_, options);
  }

  static std::string all(const CheckReport& report) {
    std::string out;
    for (const auto& p : report.problems) out += p.what + " => " + p.fix + (p.repaired ? " [repaired]" : "") + "\n";
    return out;
  }

  // An image whose manifest, config and layer blob are all present.
  std::string put_image(const std::string& name) {
    ContentStore blobs(layout_);
    std::string layer = blobs.put("layer bytes of " + name);
    std::string diff_id = "sha256:" + std::string(64, 'd');
    std::string config = blobs.put(R"({"rootfs":{"type":"layers","diff_ids":[")" + diff_id + R"("]}})");
    std::string manifest = blobs.put(R"({"schemaVersion":2,"config":{"digest":")" + config +
                                     R"(","size":1},"layers":[{"digest":")" + layer + R"(","size":1}]})");
    ImageIndex(layout_).set(name, {manifest, "", "now"});
    return manifest;
  }

  Layout layout_;
  std::vector<std::string> removed_cgroups_;
};

TEST_F(StoreCheck, ACleanStoreIsClean) {
  put_image("docker.io/library/a:1");
  CheckReport report = check(false);
  EXPECT_EQ(report.problems.size(), 0u) << all(report);
  EXPECT_TRUE(report.clean());
  EXPECT_EQ(report.blobs, 3u);
  EXPECT_EQ(report.images, 1u);
}

TEST_F(StoreCheck, CorruptBlobsAndStrayFilesAreRemoved) {
  put_image("docker.io/library/a:1");
  ContentStore blobs(layout_);
  std::string victim = blobs.put("will be corrupted");
  fs::path path = blobs.blob_path(victim);
  ::chmod(path.c_str(), 0644);
  std::ofstream(path) << "something else";
  std::ofstream(layout_.blobs() / "not-a-digest") << "x";

  CheckReport found = check(false);
  EXPECT_EQ(found.problems.size(), 2u) << all(found);
  EXPECT_THAT(all(found), HasSubstr("blob " + victim + " is corrupt"));
  EXPECT_THAT(all(found), HasSubstr("blobs/sha256/not-a-digest is not a blob"));
  EXPECT_FALSE(found.clean());
  EXPECT_TRUE(fs::exists(path)) << "no --repair, no change";

  CheckReport repaired = check(true);
  EXPECT_TRUE(repaired.clean()) << all(repaired);
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(check(false).problems.empty());
}

TEST_F(StoreCheck, DebrisOfKilledWritersGoesWorkInProgressStays) {
  ContentStore blobs(layout_);
  auto live = blobs.begin_ingest();  // a download in progress
  live->write("partial");
  fs::create_directories(layout_.ingest() / "deadbeef" );  // a download whose process died
  std::ofstream(layout_.ingest() / "deadbeef" / "data") << "half";
  const std::string hex(64, 'e');
  fs::create_directories(layout_.layers() / (hex + ".tmp-0a1b2c") / "fs" / "usr");
  fs::create_directories(layout_.layers() / "import-00112233.tmp" / "fs");
  fs::create_directories(layout_.layers() / hex / "fs");  // renamed into place, marker never written
  fsutil::UniqueFd unpacking = make_scratch_dir(layout_, layout_.layers() / "import-live.tmp");
  std::ofstream(layout_.root / "images.json.tmp-abcdef") << "{";

  CheckReport found = check(false);
  std::string text = all(found);
  EXPECT_EQ(found.problems.size(), 5u) << text;
  EXPECT_THAT(text, HasSubstr("ingest/deadbeef is left from an interrupted"));
  EXPECT_THAT(text, HasSubstr("layers/" + hex + ".tmp-0a1b2c is left"));
  EXPECT_THAT(text, HasSubstr("layers/import-00112233.tmp is left"));
  EXPECT_THAT(text, HasSubstr("layer sha256:" + hex + " is incomplete"));
  EXPECT_THAT(text, HasSubstr("images.json.tmp-abcdef is left"));

  CheckReport repaired = check(true);
  EXPECT_TRUE(repaired.clean()) << all(repaired);
  EXPECT_TRUE(fs::exists(live->path())) << "a live ingest was removed";
  EXPECT_TRUE(fs::exists(layout_.layers() / "import-live.tmp")) << "a live unpack was removed";
  EXPECT_FALSE(fs::exists(layout_.ingest() / "deadbeef"));
  EXPECT_FALSE(fs::exists(layout_.layers() / hex));
  EXPECT_FALSE(fs::exists(layout_.root / "images.json.tmp-abcdef"));
  EXPECT_TRUE(check(false).problems.empty()) << all(check(false));

  // Once their owners are gone, they are debris too.
  live.reset();
  unpacking.reset();
  EXPECT_EQ(check(false).problems.size(), 1u) << "the unpack directory (the ingest removed itself)";
}

TEST_F(StoreCheck, ImagesWithMissingPartsAreReported) {
  std::string manifest = put_image("docker.io/library/a:1");
  ImageIndex(layout_).set("docker.io/library/gone:1", {"sha256:" + std::string(64, '0'), "", "now"});
  ContentStore blobs(layout_);
  std::string layer = nlohmann::json::parse(blobs.read(manifest))["layers"][0]["digest"];
  blobs.remove(layer);

  CheckReport found = check(true);
  std::string text = all(found);
  EXPECT_THAT(text, HasSubstr("image docker.io/library/gone:1 names manifest"));
  EXPECT_THAT(text, HasSubstr("untagged"));
  EXPECT_THAT(text, HasSubstr("image docker.io/library/a:1 has lost layer"));
  EXPECT_THAT(text, HasSubstr("pull or import docker.io/library/a:1 again"));
  EXPECT_FALSE(found.clean()) << "a lost layer is the user's to fix";
  EXPECT_FALSE(ImageIndex(layout_).find("docker.io/library/gone:1"));
  EXPECT_TRUE(ImageIndex(layout_).find("docker.io/library/a:1"));
}

TEST_F(StoreCheck, CorruptImagesJsonIsMovedAside) {
  std::ofstream(layout_.images_file()) << "{ not json";
  CheckReport found = check(true);
  ASSERT_EQ(found.problems.size(), 1u) << all(found);
  EXPECT_TRUE(found.problems[0].repaired);
  EXPECT_FALSE(fs::exists(layout_.images_file()));
  EXPECT_TRUE(check(false).problems.empty());
}

TEST_F(StoreCheck, DeadContainersAreReleased) {
  ContainerStore containers(layout_);
  ContainerRecord running;
  running.id = std::string(63, 'a') + "1";
  running.name = "killed";
  running.status = "running";
  running.pid = 999999;
  containers.create(running);
  ContainerRecord removable = running;
  removable.id = std::string(63, 'a') + "2";
  removable.name = "killed-rm";
  removable.auto_remove = true;
  containers.create(removable);
  ContainerRecord alive = running;
  alive.id = std::string(63, 'a') + "3";
  alive.name = "alive";
  containers.create(alive);
  ContainerRecord fresh = running;
  fresh.id = std::string(63, 'a') + "4";
  fresh.name = "starting";
  containers.create(fresh);
  fs::create_directories(layout_.containers() / (std::string(63, 'a') + "5"));  // creation cut short
  ContainerRecord never_ran = running;  // `mini run --rm` killed before the container started
  never_ran.id = std::string(63, 'a') + "6";
  never_ran.name = "never-ran";
  never_ran.status = "created";
  never_ran.pid = 0;
  never_ran.auto_remove = true;
  containers.create(never_ran);
  ContainerRecord kept = never_ran;  // plain `mini run`, killed before it started: `mini start` may still run it
  kept.id = std::string(63, 'a') + "7";
  kept.name = "kept";
  kept.auto_remove = false;
  containers.create(kept);
  for (const char* n : {"1", "2", "3", "6", "7"}) age(layout_.containers() / (std::string(63, 'a') + n) / "state.json");
  age(layout_.containers() / (std::string(63, 'a') + "5"));

  auto probe = [](const ContainerRecord& r) { return r.name == "alive"; };
  CheckReport found = check(false, probe);
  std::string text = all(found);
  EXPECT_EQ(found.problems.size(), 4u) << text;
  EXPECT_THAT(text, HasSubstr("(never-ran) was run with --rm, but the mini running it was killed (it is created)"));
  EXPECT_THAT(text, Not(HasSubstr("(kept)")));
  EXPECT_THAT(text, HasSubstr("(killed) is recorded as running, but its processes are gone"));
  EXPECT_THAT(text, HasSubstr("(killed-rm) is recorded as running"));
  EXPECT_THAT(text, HasSubstr("has no readable state.json"));
  EXPECT_THAT(text, Not(HasSubstr("(alive)")));
  EXPECT_THAT(text, Not(HasSubstr("(starting)"))) << "a container that just changed state is left to settle";

  CheckReport repaired = check(true, probe);
  EXPECT_TRUE(repaired.clean()) << all(repaired);
  auto killed = containers.load(running.id);
  ASSERT_TRUE(killed);
  EXPECT_EQ(killed->status, "exited");
  EXPECT_EQ(killed->exit_code, 137);
  EXPECT_FALSE(containers.load(removable.id)) << "--rm containers go entirely";
  EXPECT_FALSE(containers.load(never_ran.id));
  EXPECT_TRUE(containers.load(kept.id));
  EXPECT_FALSE(fs::exists(layout_.containers() / (std::string(63, 'a') + "5")));
  EXPECT_TRUE(containers.load(alive.id));
  EXPECT_EQ(removed_cgroups_.size(), 4u);
}

TEST_F(StoreCheck, YoungDebrisOfAnInterruptedCreateIsRemoved) {
  // A full disk stops creation between the directory and state.json; the
  // check that follows at once must not take it for a container starting.
  const fs::path debris = layout_.containers() / (std::string(63, 'b') + "1");
  fs::create_directories(debris / "rootfs");
  ContainerStore containers(layout_);
  ContainerRecord record;
  record.id = std::string(63, 'b') + "2";
  record.name = "exited";
  record.status = "exited";
  containers.create(record);
  const fs::path torn = layout_.containers() / record.id / "state.json.tmp-0a1b2c";
  std::ofstream(torn) << "{\"id\":";
  age(torn);
  age(layout_.containers() / record.id / "state.json");

  CheckReport found = check(false);
  std::string text = all(found);
  EXPECT_EQ(found.problems.size(), 2u) << text;
  EXPECT_THAT(text, HasSubstr("has no readable state.json"));
  EXPECT_THAT(text, HasSubstr("half-written file state.json.tmp-0a1b2c"));
  CheckReport repaired = check(true);
  EXPECT_TRUE(repaired.clean()) << all(repaired);
  EXPECT_FALSE(fs::exists(debris));
  EXPECT_FALSE(fs::exists(torn));
  EXPECT_TRUE(containers.load(record.id)) << "the container itself stays";
  EXPECT_TRUE(check(false).problems.empty());
}

TEST_F(StoreCheck, PullsAndImportsSweepAbandonedIngests) {
  // One ingest whose owner died (its lock went with it), one still held.
  const fs::path abandoned = layout_.ingest() / "0123456789abcdef";
  { fsutil::UniqueFd gone = make_scratch_dir(layout_, abandoned); }
  std::ofstream(abandoned / "data") << "half a blob";
  const fs::path live = layout_.ingest() / "fedcba9876543210";
  fsutil::UniqueFd held = make_scratch_dir(layout_, live);
  EXPECT_EQ(check(false).problems.size(), 1u) << all(check(false));
  sweep_abandoned_ingests(layout_);
  EXPECT_FALSE(fs::exists(abandoned));
  EXPECT_TRUE(fs::exists(live)) << "work in progress stays";
  EXPECT_TRUE(check(false).problems.empty()) << all(check(false));
}

TEST(ContainerExitSlot, OutranksAStateJsonThatCouldNotBeRewritten) {
  test::TempDir temp("mini-exit");
  Layout layout;
  layout.root = temp.path();
  layout.create();
  ContainerStore containers(layout);
  ContainerRecord record;
  record.id = std::string(64, 'c');
  record.name = "full-disk";
  containers.create(record);
  EXPECT_FALSE(containers.recorded_exit(record.id));
  containers.update(record.id, [](ContainerRecord& r) {
    r.status = "running";
    r.pid = 4242;
  });
  // What a full disk leaves: the slot written, state.json still running.
  containers.record_exit(record.id, ExitRecord{3, true, "2026-12-02T00:00:00.000000000Z"});
  auto loaded = containers.load(record.id);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->status, "exited");
  EXPECT_EQ(loaded->exit_code, 3);
  EXPECT_TRUE(loaded->oom_killed);
  EXPECT_EQ(loaded->finished, "2026-12-02T00:00:00.000000000Z");
  ASSERT_EQ(containers.list().size(), 1u);
  EXPECT_EQ(containers.list()[0].exit_code, 3);
  // The slot is rewritten in place: its size never changes.
  EXPECT_EQ(fs::file_size(containers.dir(record.id) / "exit-status"), 128u);
  // A new start clears it, and a running record stays running.
  containers.clear_exit(record.id);
  containers.update(record.id, [](ContainerRecord& r) { r.status = "running"; });
  EXPECT_EQ(containers.load(record.id)->status, "running");
}

}  // namespace
}  // namespace mini::store
