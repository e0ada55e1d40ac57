#include <archive.h>
#include <archive_entry.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <sstream>

#include "common/error.h"
#include "store/container_store.h"
#include "store/fs_tree.h"
#include "store/image.h"
#include "store/import.h"
#include "store/rootfs.h"
#include "support/temp_dir.h"

namespace mini::store {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

enum class Filter { None, Gzip, Xz, Zstd };

// A small rootfs tar: (path, content) files, directories for paths ending in "/".
void write_tar(const fs::path& out, const std::vector<std::pair<std::string, std::string>>& entries,
               Filter filter = Filter::None) {
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (filter == Filter::Gzip) archive_write_add_filter_gzip(a);
  if (filter == Filter::Xz) archive_write_add_filter_xz(a);
  if (filter == Filter::Zstd) archive_write_add_filter_zstd(a);
  ASSERT_EQ(archive_write_open_filename(a, out.c_str()), ARCHIVE_OK) << archive_error_string(a);
  for (const auto& [path, data] : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, path.c_str());
    bool is_dir = path.back() == '/';
    archive_entry_set_filetype(e, is_dir ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(e, is_dir ? 0755 : 0644);
    archive_entry_set_size(e, is_dir ? 0 : static_cast<la_int64_t>(data.size()));
    archive_entry_set_mtime(e, 1000000000, 0);
    ASSERT_EQ(archive_write_header(a, e), ARCHIVE_OK) << archive_error_string(a);
    if (!data.empty()) archive_write_data(a, data.data(), data.size());
    archive_entry_free(e);
  }
  ASSERT_EQ(archive_write_close(a), ARCHIVE_OK);
  archive_write_free(a);
}

const std::vector<std::pair<std::string, std::string>> kRootfs = {
    {"bin/", ""}, {"bin/sh", "#!fake shell\n"}, {"etc/", ""}, {"etc/os-release", "ID=test\n"}};

class StoreImport : public test::TempDirTest {
 protected:
  void SetUp() override {
    layout_.root = dir_ / "root";
    layout_.create();
  }

  ImportResult import(const fs::path& source, const std::string& name, std::vector<std::string> changes = {}) {
    ContentStore blobs(layout_);
    LayerStore layers(layout_);
    ImageIndex images(layout_);
    ImportRequest request{source, name, std::move(changes), "amd64"};
    return import_tarball(blobs, layers, images, request);
  }

  void expect_store_empty() {
    EXPECT_TRUE(fs::is_empty(layout_.blobs()));
    EXPECT_TRUE(fs::is_empty(layout_.ingest()));
    EXPECT_TRUE(fs::is_empty(layout_.layers()));
    EXPECT_FALSE(fs::exists(layout_.images_file()));
  }

  Layout layout_;
};

TEST_F(StoreImport, GzipTarballBecomesAnImage) {
  fs::path plain = dir_ / "rootfs.tar", gz = dir_ / "rootfs.tar.gz";
  write_tar(plain, kRootfs);
  write_tar(gz, kRootfs, Filter::Gzip);
  const std::string diff_id = sha256_digest(slurp(plain));

  ImportResult result = import(gz, "docker.io/library/test:1", {"CMD [\"/bin/sh\"]", "ENV A=1"});
  ContentStore blobs(layout_);
  Image image = load_image(blobs, result.manifest_digest);
  EXPECT_EQ(image.config_digest, result.config_digest);
  EXPECT_EQ(image.manifest["schemaVersion"], 2);
  EXPECT_EQ(image.manifest["mediaType"], "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(image.manifest["config"]["mediaType"], "application/vnd.oci.image.config.v1+json");
  ASSERT_EQ(image.layers.size(), 1u);
  EXPECT_EQ(image.layers[0].media_type, "application/vnd.oci.image.layer.v1.tar+gzip");
  EXPECT_EQ(image.layers[0].digest, sha256_digest(slurp(gz)));
  EXPECT_EQ(image.layers[0].size, fs::file_size(gz));
  EXPECT_EQ(image.layers[0].diff_id, diff_id);
  EXPECT_EQ(image.config["rootfs"], (json{{"type", "layers"}, {"diff_ids", json::array({diff_id})}}));
  EXPECT_EQ(image.config["architecture"], "amd64");
  EXPECT_EQ(image.config["os"], "linux");
  EXPECT_EQ(image.config["config"]["Cmd"], json::array({"/bin/sh"}));
  EXPECT_EQ(image.config["config"]["Env"], json::array({"A=1"}));
  EXPECT_EQ(image.config["history"][0]["created_by"], "mini import");
  EXPECT_FALSE(image.config.value("created", "").empty());

  auto record = ImageIndex(layout_).find("docker.io/library/test:1");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->manifest_digest, result.manifest_digest);
  EXPECT_EQ(record->repo_digest, "");

  LayerStore layers(layout_);
  EXPECT_TRUE(layers.has(diff_id));
  EXPECT_EQ(slurp(layers.fs_path(diff_id) / "etc/os-release"), "ID=test\n");
  // Already unpacked: ensure() finds it without unpacking again.
  EXPECT_EQ(layers.ensure(blobs, image.layers[0].digest, diff_id), layers.fs_path(diff_id));
  EXPECT_TRUE(fs::is_empty(layout_.ingest()));

  // The same tarball again: same layer, one layer directory.
  import(gz, "docker.io/library/test:2");
  size_t layer_dirs = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(layout_.layers())) ++layer_dirs;
  EXPECT_EQ(layer_dirs, 1u);
}

TEST_F(StoreImport, PlainAndZstdAreKeptXzIsStoredPlain) {
  fs::path plain = dir_ / "rootfs.tar", xz = dir_ / "rootfs.tar.xz", zst = dir_ / "rootfs.tar.zst";
  write_tar(plain, kRootfs);
  write_tar(xz, kRootfs, Filter::Xz);
  write_tar(zst, kRootfs, Filter::Zstd);
  const std::string diff_id = sha256_digest(slurp(plain));
  ContentStore blobs(layout_);

  Image p = load_image(blobs, import(plain, "example.com/plain:1").manifest_digest);
  EXPECT_EQ(p.layers[0].media_type, "application/vnd.oci.image.layer.v1.tar");
  EXPECT_EQ(p.layers[0].digest, diff_id);

  Image x = load_image(blobs, import(xz, "example.com/xz:1").manifest_digest);
  EXPECT_EQ(x.layers[0].media_type, "application/vnd.oci.image.layer.v1.tar");
  EXPECT_EQ(x.layers[0].digest, diff_id);
  EXPECT_EQ(x.layers[0].diff_id, diff_id);

  Image z = load_image(blobs, import(zst, "example.com/zstd:1").manifest_digest);
  EXPECT_EQ(z.layers[0].media_type, "application/vnd.oci.image.layer.v1.tar+zstd");
  EXPECT_EQ(z.layers[0].digest, sha256_digest(slurp(zst)));
  EXPECT_EQ(z.layers[0].diff_id, diff_id);
}

TEST_F(StoreImport, NonTarLeavesTheStoreEmpty) {
  fs::path garbage = dir_ / "garbage";
  std::ofstream(garbage) << std::string(4096, 'x');
  try {
    import(garbage, "example.com/bad:1");
    FAIL() << "garbage imported";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), garbage.string() + " is not a tar archive (plain, gzip, xz or zstd)");
  }
  expect_store_empty();

  // gzip around garbage is still not a tar.
  {
    archive* a = archive_write_new();
    archive_write_add_filter_gzip(a);
    archive_write_set_format_raw(a);
    archive_write_open_filename(a, garbage.c_str());
    archive_entry* e = archive_entry_new();
    archive_entry_set_filetype(e, AE_IFREG);
    archive_write_header(a, e);
    std::string junk(4096, 'y');
    archive_write_data(a, junk.data(), junk.size());
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
  }
  EXPECT_THROW(import(garbage, "example.com/bad:1"), Error);
  expect_store_empty();

  std::ofstream(dir_ / "empty");
  EXPECT_THROW(import(dir_ / "empty", "example.com/bad:1"), Error);
  expect_store_empty();
}

TEST_F(StoreImport, MissingSourceIsReportedFirst) {
  try {
    import(dir_ / "nope.tar", "example.com/bad:1");
    FAIL() << "a missing file imported";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot read " + (dir_ / "nope.tar").string() + ": No such file or directory");
  }
  expect_store_empty();
}

TEST_F(StoreImport, HostileTarLeavesTheStoreEmpty) {
  fs::path tar = dir_ / "evil.tar";
  write_tar(tar, {{"ok", "fine"}, {"../escape", "bad"}});
  try {
    import(tar, "example.com/evil:1");
    FAIL() << "an escaping tar imported";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("escapes the layer directory"));
    EXPECT_THAT(e.what(), HasSubstr(tar.string()));
  }
  expect_store_empty();
  EXPECT_FALSE(fs::exists(dir_ / "escape"));
  EXPECT_FALSE(fs::exists(layout_.root / "escape"));
}

TEST_F(StoreImport, BadChangeIsRefusedBeforeAnythingIsStored) {
  fs::path tar = dir_ / "rootfs.tar";
  write_tar(tar, kRootfs);
  try {
    import(tar, "example.com/x:1", {"EXPOSE 80"});
    FAIL() << "EXPOSE accepted";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "unsupported --change instruction EXPOSE: use CMD, ENTRYPOINT, ENV, WORKDIR or USER");
  }
  expect_store_empty();
}

TEST_F(StoreImport, CorruptLayerDoesNotMatchItsDiffId) {
  fs::path tar = dir_ / "rootfs.tar";
  write_tar(tar, kRootfs);
  ContentStore blobs(layout_);
  std::string blob = blobs.put(slurp(tar));
  LayerStore layers(layout_);
  const std::string wrong = "sha256:" + std::string(64, '0');
  try {
    layers.ensure(blobs, blob, wrong);
    FAIL() << "a layer with the wrong diff_id unpacked";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "layer " + blob + " does not match its diff_id: expected " + wrong + ", got " +
                                         sha256_digest(slurp(tar)));
  }
  EXPECT_TRUE(fs::is_empty(layout_.layers()));
  EXPECT_FALSE(layers.has(wrong));

  fs::path dir = layers.ensure(blobs, blob, sha256_digest(slurp(tar)));
  EXPECT_EQ(slurp(dir / "bin/sh"), "#!fake shell\n");
  layers.remove(sha256_digest(slurp(tar)));
  EXPECT_TRUE(fs::is_empty(layout_.layers()));
}

TEST_F(StoreImport, CopyRootfsMountsAndUnmounts) {
  fs::path tar = dir_ / "rootfs.tar";
  write_tar(tar, kRootfs);
  ContentStore blobs(layout_);
  LayerStore layers(layout_);
  std::string diff_id = sha256_digest(slurp(tar));
  fs::path layer = layers.ensure(blobs, blobs.put(slurp(tar)), diff_id);
  fs::path container = layout_.containers() / "c1";
  fs::create_directories(container);
  RootfsPlan plan = plan_rootfs(StorageDriver::Copy, {layer}, container);
  EXPECT_EQ(plan.target, container / "rootfs");
  EXPECT_EQ(mount_rootfs(plan), StorageDriver::Copy);
  EXPECT_EQ(slurp(container / "rootfs/etc/os-release"), "ID=test\n");
  unmount_rootfs(plan);
  EXPECT_TRUE(fs::is_empty(container));
  EXPECT_EQ(slurp(layer / "etc/os-release"), "ID=test\n");
}

// Overlay where the kernel allows it (root), else the copy fallback: either
// way the rootfs shows the layers and unmount_rootfs leaves nothing.
TEST_F(StoreImport, OverlayRootfsOrItsFallback) {
  fs::path tar = dir_ / "rootfs.tar";
  ContentStore blobs(layout_);
  LayerStore layers(layout_);
  write_tar(tar, kRootfs);
  fs::path bottom = layers.ensure(blobs, blobs.put(slurp(tar)), sha256_digest(slurp(tar)));
  write_tar(tar, {{"etc/", ""}, {"etc/os-release", "ID=top\n"}, {"top", "t"}});
  fs::path top = layers.ensure(blobs, blobs.put(slurp(tar)), sha256_digest(slurp(tar)));
  fs::path container = layout_.containers() / "c2";
  fs::create_directories(container);
  RootfsPlan plan = plan_rootfs(StorageDriver::Overlay, {bottom, top}, container);
  ::testing::internal::CaptureStderr();
  StorageDriver used = mount_rootfs(plan);
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(used, plan.driver);
  if (used == StorageDriver::Copy) {
    EXPECT_THAT(err, ::testing::StartsWith("mini: overlay mount failed ("));
    EXPECT_THAT(err, ::testing::EndsWith("; using a copy of the image instead (--storage-driver copy)\n"));
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1);
  } else {
    EXPECT_EQ(err, "");
  }
  EXPECT_EQ(slurp(container / "rootfs/etc/os-release"), "ID=top\n");
  EXPECT_EQ(slurp(container / "rootfs/bin/sh"), "#!fake shell\n");
  EXPECT_EQ(slurp(container / "rootfs/top"), "t");
  std::ofstream(container / "rootfs/written") << "by the container";
  unmount_rootfs(plan);
  EXPECT_TRUE(fs::is_empty(container));
  EXPECT_FALSE(fs::exists(top / "written"));
  EXPECT_EQ(slurp(bottom / "etc/os-release"), "ID=test\n");
}

// An --rm container's overlay is volatile: no syncs of the store's
// filesystem for it, and it goes away just the same.
TEST_F(StoreImport, VolatileOverlayRootfs) {
  fs::path tar = dir_ / "rootfs.tar";
  ContentStore blobs(layout_);
  LayerStore layers(layout_);
  write_tar(tar, kRootfs);
  fs::path bottom = layers.ensure(blobs, blobs.put(slurp(tar)), sha256_digest(slurp(tar)));
  fs::path container = layout_.containers() / "v";
  fs::create_directories(container);
  RootfsPlan plan = plan_rootfs(StorageDriver::Overlay, {bottom}, container);
  plan.volatile_upper = true;
  ::testing::internal::CaptureStderr();
  StorageDriver used = mount_rootfs(plan);
  ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(slurp(container / "rootfs/etc/os-release"), "ID=test\n");
  if (used == StorageDriver::Overlay && plan.volatile_upper) {
    std::string mounts = slurp("/proc/self/mountinfo");
    EXPECT_NE(mounts.find((container / "rootfs").string()), std::string::npos);
    EXPECT_NE(mounts.find("volatile"), std::string::npos);
  }
  std::ofstream(container / "rootfs/written") << "by the container";
  unmount_rootfs(plan);
  EXPECT_TRUE(fs::is_empty(container));
  EXPECT_FALSE(fs::exists(bottom / "written"));
}

TEST(StoreRootfs, OverlayOptionsListTheTopLayerFirst) {
  RootfsPlan plan = plan_rootfs(StorageDriver::Overlay, {"/s/layers/a/fs", "/s/layers/b/fs"}, "/s/containers/c");
  EXPECT_EQ(plan.upper, "/s/containers/c/upper");
  EXPECT_EQ(plan.work, "/s/containers/c/work");
  EXPECT_EQ(plan.target, "/s/containers/c/rootfs");
  EXPECT_EQ(plan.overlay_options(),
            "lowerdir=/s/layers/b/fs:/s/layers/a/fs,upperdir=/s/containers/c/upper,workdir=/s/containers/c/work");
  plan.volatile_upper = true;
  EXPECT_EQ(plan.overlay_options(),
            "lowerdir=/s/layers/b/fs:/s/layers/a/fs,upperdir=/s/containers/c/upper,workdir=/s/containers/c/work,"
            "volatile");
  RootfsPlan copy = plan_rootfs(StorageDriver::Copy, {"/s/layers/a/fs"}, "/s/containers/c");
  EXPECT_EQ(copy.target, "/s/containers/c/rootfs");
  EXPECT_TRUE(copy.upper.empty());
}

TEST(StoreChanges, CommandForms) {
  json config = json::object();
  apply_changes(config, {"CMD [\"sh\", \"-c\", \"echo $X\"]"});
  EXPECT_EQ(config["Cmd"], json::array({"sh", "-c", "echo $X"}));
  apply_changes(config, {"CMD echo hello world"});
  EXPECT_EQ(config["Cmd"], json::array({"/bin/sh", "-c", "echo hello world"}));
  apply_changes(config, {"cmd [not json"});
  EXPECT_EQ(config["Cmd"], json::array({"/bin/sh", "-c", "[not json"}));
  apply_changes(config, {"ENTRYPOINT [\"/entry\"]"});
  EXPECT_EQ(config["Entrypoint"], json::array({"/entry"}));
  EXPECT_FALSE(config.contains("Cmd")) << "a new ENTRYPOINT drops the inherited CMD";
  apply_changes(config, {"ENTRYPOINT /entry.sh --flag", "CMD [\"arg\"]"});
  EXPECT_EQ(config["Entrypoint"], json::array({"/bin/sh", "-c", "/entry.sh --flag"}));
  EXPECT_EQ(config["Cmd"], json::array({"arg"}));
  json both = json::object();
  apply_changes(both, {"CMD [\"a\"]", "ENTRYPOINT [\"e\"]"});
  EXPECT_EQ(both["Cmd"], json::array({"a"}));
}

TEST(StoreChanges, EnvWorkdirUser) {
  json config = {{"Env", {"PATH=/bin", "A=old"}}};
  apply_changes(config,
                {"ENV A=new B=\"two words\" C=x\\ y", "ENV LEGACY value with spaces", "ENV PATH=/usr/bin:/bin"});
  EXPECT_EQ(config["Env"],
            json::array({"PATH=/usr/bin:/bin", "A=new", "B=two words", "C=x y", "LEGACY=value with spaces"}));
  apply_changes(config, {"WORKDIR /app", "WORKDIR sub", "USER nobody:nogroup"});
  EXPECT_EQ(config["WorkingDir"], "/app/sub");
  EXPECT_EQ(config["User"], "nobody:nogroup");
  apply_changes(config, {"  workdir   /srv/  "});
  EXPECT_EQ(config["WorkingDir"], "/srv");
}

TEST(StoreChanges, BadInstructionsAreErrors) {
  json config = json::object();
  try {
    apply_changes(config, {"LABEL a=b"});
    FAIL() << "LABEL accepted";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "unsupported --change instruction LABEL: use CMD, ENTRYPOINT, ENV, WORKDIR or USER");
  }
  EXPECT_THROW(apply_changes(config, {"CMD"}), Error);
  EXPECT_THROW(apply_changes(config, {""}), Error);
  EXPECT_THROW(apply_changes(config, {"ENV =x"}), Error);
  EXPECT_THROW(apply_changes(config, {"ENV A=\"unterminated"}), Error);
  EXPECT_THROW(apply_changes(config, {"ENV ONLYKEY"}), Error);
}

}  // namespace
}  // namespace mini::store
