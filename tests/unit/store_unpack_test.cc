#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "common/fs_util.h"
#include "store/digest.h"
#include "store/fs_tree.h"
#include "store/layer_copy.h"
#include "store/unpack.h"
#include "support/temp_dir.h"

namespace mini::store {
namespace {

using ::testing::HasSubstr;

struct TarEntry {
  std::string path;
  mode_t type = AE_IFREG;
  mode_t perm = 0644;
  std::string data;
  std::string link;  // symlink target, or hardlink target when `hardlink`
  bool hardlink = false;
  int64_t uid = 0, gid = 0;
  time_t mtime = 1000000000;
  std::vector<std::pair<std::string, std::string>> xattrs;
};

TarEntry file(std::string path, std::string data, mode_t perm = 0644) {
  TarEntry e;
  e.path = std::move(path);
  e.data = std::move(data);
  e.perm = perm;
  return e;
}
TarEntry dir(std::string path, mode_t perm = 0755) {
  TarEntry e;
  e.path = std::move(path);
  e.type = AE_IFDIR;
  e.perm = perm;
  return e;
}
TarEntry symlink(std::string path, std::string target) {
  TarEntry e;
  e.path = std::move(path);
  e.type = AE_IFLNK;
  e.perm = 0777;
  e.link = std::move(target);
  return e;
}
TarEntry hardlink(std::string path, std::string target) {
  TarEntry e;
  e.path = std::move(path);
  e.link = std::move(target);
  e.hardlink = true;
  return e;
}

enum class Compression { None, Gzip };

// Names are written as the raw bytes given, UTF-8 or not.
void write_tar(const fs::path& out, const std::vector<TarEntry>& entries, Compression compression = Compression::None) {
  archive* a = archive_write_new();
  archive_write_set_format_pax(a);
  archive_write_set_options(a, "hdrcharset=BINARY");
  if (compression == Compression::Gzip) archive_write_add_filter_gzip(a);
  ASSERT_EQ(archive_write_open_filename(a, out.c_str()), ARCHIVE_OK) << archive_error_string(a);
  for (const auto& t : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, t.path.c_str());
    archive_entry_set_filetype(e, t.type);
    archive_entry_set_perm(e, t.perm);
    archive_entry_set_uid(e, t.uid);
    archive_entry_set_gid(e, t.gid);
    archive_entry_set_mtime(e, t.mtime, 0);
    for (const auto& [k, v] : t.xattrs) archive_entry_xattr_add_entry(e, k.c_str(), v.data(), v.size());
    if (t.type == AE_IFLNK) archive_entry_set_symlink(e, t.link.c_str());
    if (t.hardlink) {
      archive_entry_set_hardlink(e, t.link.c_str());
      archive_entry_set_size(e, 0);
    } else {
      archive_entry_set_size(e, t.type == AE_IFREG ? static_cast<la_int64_t>(t.data.size()) : 0);
    }
    ASSERT_EQ(archive_write_header(a, e), ARCHIVE_OK) << archive_error_string(a);
    if (!t.hardlink && t.type == AE_IFREG && !t.data.empty()) {
      ASSERT_EQ(archive_write_data(a, t.data.data(), t.data.size()), static_cast<la_ssize_t>(t.data.size()));
    }
    archive_entry_free(e);
  }
  ASSERT_EQ(archive_write_close(a), ARCHIVE_OK);
  archive_write_free(a);
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct stat lstat_of(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st;
}

bool is_root() { return ::geteuid() == 0; }

// Root can always mknod a whiteout; since Linux 5.8 anyone can, outside
// restrictive sandboxes.
bool can_make_whiteouts(const fs::path& dir) {
  fs::path probe = dir / "whiteout-probe";
  bool ok = ::mknod(probe.c_str(), S_IFCHR | 0600, makedev(0, 0)) == 0;
  ::unlink(probe.c_str());
  return ok;
}
const char* opaque_xattr() { return is_root() ? "trusted.overlay.opaque" : "user.overlay.opaque"; }

std::string get_xattr(const fs::path& path, const char* name) {
  char buf[256];
  ssize_t n = ::lgetxattr(path.c_str(), name, buf, sizeof buf);
  return n < 0 ? std::string() : std::string(buf, static_cast<size_t>(n));
}

// Every test works in its own sandbox: dest/ is unpacked into, outside/ must
// never change, and nothing else may appear.
class StoreUnpack : public test::TempDirTest {
 protected:
  void SetUp() override {
    sandbox_ = dir_;
    dest_ = sandbox_ / "dest";
    outside_ = sandbox_ / "outside";
    fs::create_directories(dest_);
    fs::create_directories(outside_);
    std::ofstream(outside_ / "secret") << "secret";
    tar_ = sandbox_ / "layer.tar";
  }

  // As the store asks for them: a rootless store's layers take user.* xattrs.
  UnpackResult unpack(const std::vector<TarEntry>& entries, UnpackOptions options = {0, !is_root()}) {
    write_tar(tar_, entries);
    return unpack_layer(tar_, dest_, options);
  }

  void expect_outside_untouched() {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(outside_)) names.push_back(entry.path().filename().string());
    EXPECT_EQ(names, std::vector<std::string>{"secret"});
    EXPECT_EQ(slurp(outside_ / "secret"), "secret");
    EXPECT_EQ(lstat_of(outside_ / "secret").st_nlink, 1u);
    std::vector<std::string> top;
    for (const auto& entry : fs::directory_iterator(sandbox_)) top.push_back(entry.path().filename().string());
    std::sort(top.begin(), top.end());
    EXPECT_EQ(top, (std::vector<std::string>{"dest", "layer.tar", "outside"}));
  }

  void expect_error(const std::vector<TarEntry>& entries, const std::string& fragment) {
    try {
      unpack(entries);
      ADD_FAILURE() << "unpack accepted the layer; expected an error with \"" << fragment << "\"";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr(fragment));
    }
    expect_outside_untouched();
  }

  fs::path sandbox_, dest_, outside_, tar_;
};

TEST_F(StoreUnpack, FilesDirectoriesLinksAndModes) {
  TarEntry exe = file("a/run", "#!/bin/sh\n", 04755);
  TarEntry owned = file("a/owned", "x", 0600);
  owned.uid = ::geteuid() == 0 ? 1234 : ::geteuid();
  owned.gid = ::geteuid() == 0 ? 5678 : ::getegid();
  UnpackResult result = unpack({
      dir("a", 0750),
      file("a/f", "hello", 0640),
      exe,
      owned,
      symlink("a/l", "f"),
      hardlink("a/h", "a/f"),
      file("implicit/parents/file", "deep"),
      dir("ro", 0555),
      file("ro/inside", "still written"),
  });
  EXPECT_EQ(result.diff_id, sha256_digest(slurp(tar_)));
  EXPECT_EQ(result.bytes, 5u + 10u + 1u + 4u + 13u);

  EXPECT_EQ(slurp(dest_ / "a/f"), "hello");
  EXPECT_EQ(lstat_of(dest_ / "a/f").st_mode & 07777, 0640u);
  EXPECT_EQ(lstat_of(dest_ / "a/f").st_mtime, 1000000000);
  EXPECT_EQ(lstat_of(dest_ / "a/run").st_mode & 07777, 04755u);
  EXPECT_EQ(lstat_of(dest_ / "a").st_mode & 07777, 0750u);
  EXPECT_TRUE(S_ISDIR(lstat_of(dest_ / "a").st_mode));
  EXPECT_EQ(lstat_of(dest_ / "a").st_mtime, 1000000000) << "directory times are set after their contents";
  EXPECT_EQ(lstat_of(dest_ / "a/owned").st_uid, static_cast<uid_t>(owned.uid));
  EXPECT_EQ(lstat_of(dest_ / "a/owned").st_gid, static_cast<gid_t>(owned.gid));
  EXPECT_TRUE(S_ISLNK(lstat_of(dest_ / "a/l").st_mode));
  EXPECT_EQ(fs::read_symlink(dest_ / "a/l"), "f");
  EXPECT_EQ(lstat_of(dest_ / "a/h").st_ino, lstat_of(dest_ / "a/f").st_ino);
  EXPECT_EQ(slurp(dest_ / "implicit/parents/file"), "deep");
  EXPECT_EQ(lstat_of(dest_ / "implicit").st_mode & 07777, 0755u);
  EXPECT_EQ(slurp(dest_ / "ro/inside"), "still written");
  EXPECT_EQ(lstat_of(dest_ / "ro").st_mode & 07777, 0555u);
  expect_outside_untouched();
}

TEST_F(StoreUnpack, GzipDiffIdIsTheUncompressedStream) {
  std::vector<TarEntry> entries = {dir("etc"), file("etc/hostname", "box\n"), file("big", std::string(100000, 'z'))};
  write_tar(tar_, entries);
  const std::string plain_digest = sha256_digest(slurp(tar_));
  fs::path gz = sandbox_ / "layer.tar.gz";
  write_tar(gz, entries, Compression::Gzip);
  ASSERT_NE(slurp(gz).substr(0, 2), slurp(tar_).substr(0, 2));
  UnpackResult result = unpack_layer(gz, dest_);
  fs::remove(gz);
  EXPECT_EQ(result.diff_id, plain_digest);
  EXPECT_EQ(slurp(dest_ / "etc/hostname"), "box\n");
  EXPECT_EQ(fs::file_size(dest_ / "big"), 100000u);
}

TEST_F(StoreUnpack, LaterEntriesReplaceEarlierOnes) {
  unpack({
      dir("x"),
      file("x/child", "1"),
      file("x", "now a file"),
      file("y", "file first"),
      dir("y", 0700),
      file("y/z", "in the dir"),
      symlink("s", "x"),
      file("s", "replaces the symlink, not its target"),
      file("x2", "old"),
      file("x2", "new"),
  });
  EXPECT_EQ(slurp(dest_ / "x"), "now a file");
  EXPECT_TRUE(fs::is_directory(dest_ / "y"));
  EXPECT_EQ(slurp(dest_ / "y/z"), "in the dir");
  EXPECT_FALSE(fs::is_symlink(dest_ / "s"));
  EXPECT_EQ(slurp(dest_ / "s"), "replaces the symlink, not its target");
  EXPECT_EQ(slurp(dest_ / "x"), "now a file");
  EXPECT_EQ(slurp(dest_ / "x2"), "new");
}

// The unpacker reuses the last parent directory; a directory replaced by a
// later entry (by a symlink out of the layer, or a file) must not be.
TEST_F(StoreUnpack, AReplacedParentIsNotReused) {
  expect_error({dir("a"), dir("a/b"), file("a/b/one", "1"), symlink("a/b", outside_.string()),
                file("a/b/two", "pwned?")},
               "does not lead to a directory inside the layer");
  EXPECT_TRUE(fs::is_symlink(dest_ / "a/b"));

  remove_tree(dest_);
  fs::create_directories(dest_);
  unpack({dir("a"), dir("a/b"), file("a/b/one", "1"), dir("real"), symlink("a/b", "/real"), file("a/b/two", "2")});
  EXPECT_EQ(slurp(dest_ / "real/two"), "2") << "followed as if dest were /";
  EXPECT_FALSE(fs::exists(dest_ / "real/one"));

  remove_tree(dest_);
  fs::create_directories(dest_);
  expect_error({dir("d"), file("d/x", "1"), file("d", "a file now"), file("d/y", "2")}, "not a directory");
}

TEST_F(StoreUnpack, WhiteoutBecomesACharDevice) {
  std::vector<TarEntry> entries = {dir("d"), file("d/gone", "from this layer"), file("d/.wh.gone", ""),
                                   file("d/kept", "k")};
  if (!can_make_whiteouts(sandbox_)) {
    EXPECT_THROW(unpack(entries), Error);
    GTEST_SKIP() << "whiteouts are 0:0 character devices, and mknod of one needs root here";
  }
  unpack(entries);
  struct stat st = lstat_of(dest_ / "d/gone");
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(0, 0));
  EXPECT_FALSE(fs::exists(dest_ / "d/.wh.gone"));
  EXPECT_EQ(slurp(dest_ / "d/kept"), "k");
}

TEST_F(StoreUnpack, OpaqueDirectoryGetsTheOverlayXattr) {
  unpack({dir("d"), file("d/.wh..wh..opq", ""), file("d/new", "n"), file("top/.wh..wh..opq", "")});
  EXPECT_EQ(get_xattr(dest_ / "d", opaque_xattr()), "y");
  EXPECT_EQ(get_xattr(dest_ / "top", opaque_xattr()), "y");
  EXPECT_FALSE(fs::exists(dest_ / "d/.wh..wh..opq"));
  EXPECT_EQ(slurp(dest_ / "d/new"), "n");
}

// A rootless store (Layout::user_xattrs) takes the user xattr that
// overlayfs reads with userxattr, whoever unpacks into it.
TEST_F(StoreUnpack, ARootlessStoresOpaqueDirectoriesTakeTheUserXattr) {
  unpack({dir("d"), file("d/.wh..wh..opq", "")}, {0, true});
  EXPECT_EQ(get_xattr(dest_ / "d", "user.overlay.opaque"), "y");
  EXPECT_EQ(get_xattr(dest_ / "d", "trusted.overlay.opaque"), "");
}

TEST_F(StoreUnpack, ArchiveOverlayXattrsAreDropped) {
  TarEntry d = dir("d");
  d.xattrs = {{"user.overlay.opaque", "y"}, {"trusted.overlay.opaque", "y"}};
  unpack({d});
  EXPECT_EQ(get_xattr(dest_ / "d", "user.overlay.opaque"), "");
  EXPECT_EQ(get_xattr(dest_ / "d", "trusted.overlay.opaque"), "");
}

TEST_F(StoreUnpack, BadWhiteoutsAreRefused) {
  expect_error({file(".wh..wh..opqX", "")}, ".wh..wh..opqX");
  expect_error({file("d/.wh..wh.plnk", "")}, "whiteout");
  expect_error({file("d/.wh..", "")}, "whiteout");
  expect_error({file("d/.wh.", "")}, "whiteout");
}

TEST_F(StoreUnpack, DotDotIsRefused) {
  expect_error({file("../x", "escape")}, "layer entry ../x escapes the layer directory");
  expect_error({file("a/../../outside/secret", "escape")}, "escapes the layer directory");
  expect_error({file("ok", "1"), dir("a/.."), file("b", "2")}, "escapes the layer directory");
  EXPECT_FALSE(fs::exists(sandbox_ / "x"));
}

TEST_F(StoreUnpack, AbsolutePathsLandInside) {
  unpack({file("/abs", "a"), file("./dot/file", "b"), file("//double//slash", "c")});
  EXPECT_EQ(slurp(dest_ / "abs"), "a");
  EXPECT_EQ(slurp(dest_ / "dot/file"), "b");
  EXPECT_EQ(slurp(dest_ / "double/slash"), "c");
  expect_outside_untouched();
}

TEST_F(StoreUnpack, WritesThroughSymlinksNeverLeave) {
  // Absolute, relative and chained symlinks that point out of the layer.
  std::vector<std::vector<TarEntry>> attacks = {
      {symlink("etc", outside_.string()), file("etc/secret", "pwned")},
      {symlink("etc", outside_.string()), file("etc/new", "pwned")},
      {symlink("up", "../outside"), file("up/secret", "pwned")},
      {symlink("a", "b"), symlink("b", "../../outside"), file("a/new", "pwned")},
      {symlink("etc", "/etc"), file("etc/passwd", "pwned")},
      {symlink("etc", outside_.string()), dir("etc/sub")},
  };
  for (const auto& attack : attacks) {
    remove_tree(dest_);
    fs::create_directories(dest_);
    try {
      unpack(attack);
      // Accepted: then it must have landed inside dest.
    } catch (const Error&) {
    }
    expect_outside_untouched();
  }
  // A symlink that stays inside the layer is followed as if dest were "/".
  remove_tree(dest_);
  fs::create_directories(dest_);
  unpack({dir("real"), symlink("alias", "/real"), file("alias/file", "inside")});
  EXPECT_EQ(slurp(dest_ / "real/file"), "inside");
}

TEST_F(StoreUnpack, HardlinksMustPointIntoTheLayer) {
  expect_error({hardlink("h", "../outside/secret")}, "h");
  expect_error({hardlink("h", (outside_ / "secret").string())}, "h");
  expect_error({symlink("esc", outside_.string()), hardlink("h", "esc/secret")}, "h");
  expect_error({hardlink("h", "not-yet")}, "not-yet");
  EXPECT_FALSE(fs::exists(dest_ / "h"));
}

TEST_F(StoreUnpack, MaxBytesIsEnforced) {
  try {
    unpack({file("small", std::string(100, 'a')), file("big", std::string(1000, 'b'))}, {500});
    FAIL() << "max_bytes was ignored";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("500"));
  }
  remove_tree(dest_);
  fs::create_directories(dest_);
  EXPECT_EQ(unpack({file("small", std::string(100, 'a'))}, {500}).bytes, 100u);
}

TEST_F(StoreUnpack, GarbageIsAnError) {
  std::ofstream(tar_) << std::string(4096, 'x');
  EXPECT_THROW(unpack_layer(tar_, dest_), Error);
  EXPECT_THROW(unpack_layer(sandbox_ / "missing.tar", dest_), Error);
}

TEST_F(StoreUnpack, SparseFilesCountInFull) {
  // The declared size counts, not the few bytes of data the archive carries.
  archive* a = archive_write_new();
  archive_write_set_format_pax(a);
  ASSERT_EQ(archive_write_open_filename(a, tar_.c_str()), ARCHIVE_OK);
  archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, "sparse");
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, 1 << 20);
  archive_entry_sparse_add_entry(e, (1 << 20) - 4, 4);
  ASSERT_EQ(archive_write_header(a, e), ARCHIVE_OK) << archive_error_string(a);
  archive_write_data(a, "tail", 4);
  archive_entry_free(e);
  archive_write_close(a);
  archive_write_free(a);
  try {
    unpack_layer(tar_, dest_, {512 << 10});
    FAIL() << "the sparse file fit a limit half its size";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("more than 512.0 KiB (at sparse)"));
  }
  remove_tree(dest_);
  fs::create_directories(dest_);
  unpack_layer(tar_, dest_, {1 << 20});
  EXPECT_EQ(fs::file_size(dest_ / "sparse"), 1u << 20);
}

TEST_F(StoreUnpack, NamesLinuxCantHoldAreRefused) {
  expect_error({file(std::string(256, 'n'), "")}, "longer than the 255 bytes");
  std::string deep;
  for (int i = 0; i < 2100; ++i) deep += "d/";
  expect_error({file(deep + "f", "")}, "longer than the 4096 bytes");
  unpack({file(std::string(255, 'n'), "ok")});
  EXPECT_EQ(slurp(dest_ / std::string(255, 'n')), "ok");
}

TEST_F(StoreUnpack, HostileNamesArePrintedEscapedAndShort) {
  std::string name = "evil\nname\x1b[31m\xff\xc2\x9b" + std::string(500, 'x');
  try {
    unpack({hardlink(name, "missing")});
    FAIL();
  } catch (const Error& e) {
    std::string what = e.what();
    EXPECT_EQ(what.find('\n'), std::string::npos);
    EXPECT_EQ(what.find('\x1b'), std::string::npos);
    EXPECT_THAT(what, HasSubstr("evil\\x0aname\\x1b[31m\\xff\\xc2\\x9b"));
    EXPECT_LT(what.size(), 400u);
  }
}

// Unpacking, copying and removing a layer nested far deeper than the file
// descriptors a process may hold.
TEST_F(StoreUnpack, DeepNestingNeedsFewFileDescriptors) {
  std::string deep;
  for (int i = 0; i < 700; ++i) deep += "d/";
  write_tar(tar_, {file(deep + "file", "bottom")});
  rlimit saved {};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit low = saved;
  low.rlim_cur = 128;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  fs::path copy = sandbox_ / "copy";
  fs::create_directories(copy);
  std::string failure;
  try {
    unpack_layer(tar_, dest_);
    apply_layer_copy(dest_, copy);
    apply_layer_copy(dest_, copy);  // again, over itself
    remove_tree(dest_);
  } catch (const Error& e) {
    failure = e.what();
  }
  ::setrlimit(RLIMIT_NOFILE, &saved);
  EXPECT_EQ(failure, "");
  EXPECT_EQ(slurp(copy / deep / "file"), "bottom");
  EXPECT_FALSE(fs::exists(dest_));
  remove_tree(copy);
  fs::create_directories(dest_);
}

// apply_layer_copy works on layers in the store's overlay format.
class StoreLayerCopy : public test::TempDirTest {
 protected:
  void SetUp() override {
    lower_ = dir_ / "lower";
    upper_ = dir_ / "upper";
    target_ = dir_ / "rootfs";
    for (const auto& d : {lower_, upper_, target_}) fs::create_directories(d);
  }

  fs::path lower_, upper_, target_;
};

TEST_F(StoreLayerCopy, WhiteoutsOpaqueDirsAndLinks) {
  fs::create_directories(lower_ / "opq/sub");
  fs::create_directories(lower_ / "merge");
  std::ofstream(lower_ / "opq/old") << "old";
  std::ofstream(lower_ / "opq/sub/deep") << "deep";
  std::ofstream(lower_ / "merge/a") << "a";
  std::ofstream(lower_ / "gone") << "gone";
  std::ofstream(lower_ / "keep") << "keep";
  fs::create_directories(lower_ / "dir-becomes-file");
  fs::create_symlink("keep", lower_ / "link-becomes-dir");

  fs::create_directories(upper_ / "opq");
  ASSERT_EQ(::setxattr((upper_ / "opq").c_str(), opaque_xattr(), "y", 1, 0), 0) << std::strerror(errno);
  std::ofstream(upper_ / "opq/new") << "new";
  fs::create_directories(upper_ / "merge");
  std::ofstream(upper_ / "merge/b") << "b";
  std::ofstream(upper_ / "h1") << "linked";
  fs::create_hard_link(upper_ / "h1", upper_ / "h2");
  fs::create_symlink("/keep", upper_ / "abs-link");
  std::ofstream(upper_ / "dir-becomes-file") << "file";
  fs::create_directories(upper_ / "link-becomes-dir");
  ::chmod((upper_ / "h1").c_str(), 04750);
  const bool whiteouts = can_make_whiteouts(dir_);
  if (whiteouts) {
    ASSERT_EQ(::mknod((upper_ / "gone").c_str(), S_IFCHR | 0600, makedev(0, 0)), 0);
  }

  apply_layer_copy(lower_, target_);
  apply_layer_copy(upper_, target_);

  EXPECT_FALSE(fs::exists(target_ / "opq/old"));
  EXPECT_FALSE(fs::exists(target_ / "opq/sub"));
  EXPECT_EQ(slurp(target_ / "opq/new"), "new");
  EXPECT_EQ(get_xattr(target_ / "opq", opaque_xattr()), "");
  EXPECT_EQ(slurp(target_ / "merge/a"), "a");
  EXPECT_EQ(slurp(target_ / "merge/b"), "b");
  EXPECT_EQ(slurp(target_ / "keep"), "keep");
  if (whiteouts) {
    EXPECT_FALSE(fs::exists(fs::symlink_status(target_ / "gone")));
  }
  EXPECT_EQ(lstat_of(target_ / "h1").st_ino, lstat_of(target_ / "h2").st_ino);
  EXPECT_EQ(lstat_of(target_ / "h1").st_mode & 07777, 04750u);
  EXPECT_EQ(fs::read_symlink(target_ / "abs-link"), "/keep");
  EXPECT_EQ(slurp(target_ / "dir-becomes-file"), "file");
  EXPECT_TRUE(fs::is_directory(fs::symlink_status(target_ / "link-becomes-dir")));
}

TEST_F(StoreLayerCopy, PreservesModesTimesAndContent) {
  fs::create_directories(lower_ / "bin");
  std::ofstream(lower_ / "bin/tool") << std::string(300000, 't');
  ::chmod((lower_ / "bin/tool").c_str(), 0751);
  ::chmod((lower_ / "bin").c_str(), 0711);
  timespec times[2] = {{1200000000, 0}, {1200000000, 0}};
  ::utimensat(AT_FDCWD, (lower_ / "bin/tool").c_str(), times, 0);
  ::utimensat(AT_FDCWD, (lower_ / "bin").c_str(), times, 0);
  ::mkfifo((lower_ / "fifo").c_str(), 0640);

  apply_layer_copy(lower_, target_);
  EXPECT_EQ(fs::file_size(target_ / "bin/tool"), 300000u);
  EXPECT_EQ(lstat_of(target_ / "bin/tool").st_mode & 07777, 0751u);
  EXPECT_EQ(lstat_of(target_ / "bin").st_mode & 07777, 0711u);
  EXPECT_EQ(lstat_of(target_ / "bin/tool").st_mtime, 1200000000);
  EXPECT_EQ(lstat_of(target_ / "bin").st_mtime, 1200000000);
  EXPECT_TRUE(S_ISFIFO(lstat_of(target_ / "fifo").st_mode));
}

TEST_F(StoreLayerCopy, UnpackedLayersStackLikeOverlay) {
  if (!can_make_whiteouts(dir_))
    GTEST_SKIP() << "whiteouts are 0:0 character devices, and mknod of one needs root here";
  fs::path tar = dir_ / "l.tar";
  write_tar(tar, {dir("etc"), file("etc/a", "1"), file("etc/b", "2"), dir("var"), file("var/x", "x")});
  unpack_layer(tar, lower_);
  write_tar(tar, {file("etc/.wh.a", ""), file("var/.wh..wh..opq", ""), file("var/y", "y"), file("etc/c", "3")});
  unpack_layer(tar, upper_);
  apply_layer_copy(lower_, target_);
  apply_layer_copy(upper_, target_);
  EXPECT_FALSE(fs::exists(target_ / "etc/a"));
  EXPECT_EQ(slurp(target_ / "etc/b"), "2");
  EXPECT_EQ(slurp(target_ / "etc/c"), "3");
  EXPECT_FALSE(fs::exists(target_ / "var/x"));
  EXPECT_EQ(slurp(target_ / "var/y"), "y");
}

}  // namespace
}  // namespace mini::store
