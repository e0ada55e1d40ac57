// Images and flags built to attack how mini resolves users, reads /etc
// files host-side, names containers and remaps ids (issue 11). Each case
// is refused with one line and leaves nothing behind, or runs with the
// identity it asked for, as the process inside really has it; mini never
// hangs, and a canary outside the store stays as it was.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "lib/harness.h"
#include "lib/registry_fixture.h"

namespace mini::test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string sh(const std::string& command) {
  Result r = run_process({"sh", "-c", command});
  EXPECT_EQ(r.exit_code, 0) << command << ": " << r.err;
  return r.out;
}

std::string lstat_line(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return "missing";
  std::ostringstream s;
  s << std::oct << st.st_mode << std::dec << " " << st.st_uid << ":" << st.st_gid << " " << st.st_size << " m"
    << st.st_mtim.tv_sec << "." << st.st_mtim.tv_nsec << " c" << st.st_ctim.tv_sec << "." << st.st_ctim.tv_nsec;
  return s.str();
}

class HostileUsersTest : public MiniTest {
 protected:
  void SetUp() override {
    MiniTest::SetUp();
    if (skipped_) return;
    work_ = fs::path(root_.string() + "-users");
    fs::create_directories(work_ / "docker");
    std::ofstream(work_ / "config.json") << "{}";
    // The canary: a host file every symlink in these images aims at.
    canary_ = work_ / "canary-passwd";
    std::ofstream(canary_) << "canary:x:0:0:host file:/:/bin/sh\n";
    canary_before_ = lstat_line(canary_);
  }
  void TearDown() override {
    if (!skipped_) {
      for (const auto& id : lines_of(mini({"ps", "-aq"}).out)) mini({"rm", "-f", id});
      EXPECT_EQ(lstat_line(canary_), canary_before_) << "the canary outside the store changed";
    }
    MiniTest::TearDown();
    std::error_code ec;
    if (!work_.empty()) fs::remove_all(work_, ec);
  }

  // mini, killed after `seconds`: a hang shows as exit 124, not a stuck suite.
  Result timed(const std::vector<std::string>& args, int seconds = 20) {
    std::vector<std::string> argv = {"timeout", "-k", "5", std::to_string(seconds), MINI_BINARY, "--root",
                                     root_.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, "", {{"DOCKER_CONFIG", (work_ / "docker").string()},
                                  {"MINI_CONFIG", (work_ / "config.json").string()}});
  }

  // The harness's busybox rootfs, changed by `edit` (as root: FIFOs,
  // devices, owners), imported as `name`.
  void import_edited(const std::string& name, const std::function<void(const fs::path&)>& edit,
                     const std::vector<std::string>& changes = {}) {
    fs::path dir = work_ / ("img-" + std::to_string(images_++));
    fs::create_directories(dir / "rootfs");
    sh("tar -C " + shell_quote((dir / "rootfs").string()) + " -xpf " + shell_quote(busybox_rootfs_tar().string()));
    edit(dir / "rootfs");
    sh("tar -C " + shell_quote((dir / "rootfs").string()) + " -cf " + shell_quote((dir / "rootfs.tar").string()) +
       " .");
    std::vector<std::string> args = {"import", (dir / "rootfs.tar").string(), name};
    for (const auto& change : changes) args.insert(args.end(), {"--change", change});
    Result r = timed(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  // A refusal: the exit code, one line on stderr holding `text`, no
  // container left, and a clean store.
  void expect_refused(const Result& r, const std::string& text, int code = 125) {
    EXPECT_EQ(r.exit_code, code) << r.out << r.err;
    EXPECT_THAT(r.err, HasSubstr(text));
    EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
    EXPECT_EQ(lines_of(mini({"ps", "-aq"}).out), std::vector<std::string>{});
    expect_clean();
  }
  void expect_clean() {
    Result check = mini({"system", "check"});
    EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
    EXPECT_THAT(check.out, HasSubstr("no problems"));
  }

  // What the process inside is: real and effective ids, groups, caps.
  std::map<std::string, std::string> identity(const std::vector<std::string>& flags, const std::string& image,
                                              const std::string& probe = "mini-probe") {
    std::vector<std::string> args = {"run", "--rm"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {image, "sh", "-c", probe + "; echo groups=$(id -G)"});
    Result r = timed(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return probe_values(r.out);
  }

  // Pushes a layered image to a FakeRegistry through an OCI layout: the
  // harness's busybox rootfs at the bottom, then one layer per directory
  // in `layers` (bottom first), each as `tar` wrote it.
  std::string pull_layered(const std::vector<std::function<void(const fs::path&)>>& layers) {
    fs::path layout = work_ / ("layout-" + std::to_string(images_++));
    fs::path blobs = layout / "blobs" / "sha256";
    fs::create_directories(blobs);
    auto add_blob = [&](const fs::path& file) {
      std::string digest = sh("sha256sum " + shell_quote(file.string()) + " | cut -d' ' -f1");
      digest.erase(digest.find_last_not_of("\n") + 1);
      fs::rename(file, blobs / digest);
      return std::make_pair("sha256:" + digest, fs::file_size(blobs / digest));
    };
    json layer_descriptors = json::array(), diff_ids = json::array();
    std::vector<fs::path> tars = {busybox_rootfs_tar()};
    for (size_t i = 0; i < layers.size(); ++i) {
      fs::path dir = layout / ("layer" + std::to_string(i));
      fs::create_directories(dir);
      layers[i](dir);
      fs::path tar = layout / ("layer" + std::to_string(i) + ".tar");
      sh("tar -C " + shell_quote(dir.string()) + " -cf " + shell_quote(tar.string()) + " .");
      tars.push_back(tar);
    }
    for (const auto& tar : tars) {
      fs::path copy = layout / "blob.tmp";
      fs::copy_file(tar, copy, fs::copy_options::overwrite_existing);
      auto [digest, size] = add_blob(copy);
      diff_ids.push_back(digest);  // uncompressed: the digest is the diff_id
      layer_descriptors.push_back(
          {{"mediaType", "application/vnd.oci.image.layer.v1.tar"}, {"digest", digest}, {"size", size}});
    }
    json config = {{"architecture", "amd64"},
                   {"os", "linux"},
                   {"config", {{"Cmd", {"/bin/sh"}}}},
                   {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}};
    std::ofstream(layout / "blob.tmp") << config.dump();
    auto [config_digest, config_size] = add_blob(layout / "blob.tmp");
    json manifest = {{"schemaVersion", 2},
                     {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                     {"config",
                      {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                       {"digest", config_digest},
                       {"size", config_size}}},
                     {"layers", layer_descriptors}};
    std::ofstream(layout / "blob.tmp") << manifest.dump();
    auto [manifest_digest, manifest_size] = add_blob(layout / "blob.tmp");
    json index = {{"schemaVersion", 2},
                  {"manifests",
                   {{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                     {"digest", manifest_digest},
                     {"size", manifest_size}}}}};
    std::ofstream(layout / "index.json") << index.dump();
    std::ofstream(layout / "oci-layout") << R"({"imageLayoutVersion":"1.0.0"})";
    registries_.push_back(std::make_unique<FakeRegistry>(layout, "hostile/users", "1"));
    std::string name = registries_.back()->host() + "/hostile/users:1";
    Result pull = timed({"pull", name}, 60);
    EXPECT_EQ(pull.exit_code, 0) << pull.err;
    return name;
  }

  json inspect(const std::string& name) {
    Result r = timed({"inspect", name});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    json doc = json::parse(r.out, nullptr, false);
    return doc.is_array() && !doc.empty() ? doc.at(0) : json::object();
  }

  fs::path work_, canary_;
  std::string canary_before_;
  int images_ = 0;
  std::vector<std::unique_ptr<FakeRegistry>> registries_;
};

// ---- special files where mini reads /etc/passwd and /etc/group ----

TEST_F(HostileUsersTest, FifoAtEtcPasswdIsRefusedFast) {
  if (skipped_) return;
  import_edited("fifo:passwd", [](const fs::path& r) {
    fs::remove(r / "etc" / "passwd");
    ASSERT_EQ(::mkfifo((r / "etc" / "passwd").c_str(), 0644), 0);
  });
  import_edited("fifo:group", [](const fs::path& r) {
    fs::remove(r / "etc" / "group");
    ASSERT_EQ(::mkfifo((r / "etc" / "group").c_str(), 0644), 0);
  });
  for (const char* image : {"fifo:passwd", "fifo:group"}) {
    auto start = std::chrono::steady_clock::now();
    Result r = timed({"run", "--rm", "-u", "nobody", image, "true"});
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10)) << image;
    expect_refused(r, "is a FIFO, not a regular file");
  }
  // Numeric users read them too (home, supplementary groups): refused alike.
  expect_refused(timed({"run", "--rm", "fifo:passwd", "true"}), "the image's /etc/passwd is a FIFO");
}

TEST_F(HostileUsersTest, DeviceNodeAtEtcGroupIsNeverOpened) {
  if (skipped_) return;
  // A tty would become mini's controlling terminal if opened; /dev/zero would
  // be read forever.
  import_edited("dev:group", [](const fs::path& r) {
    fs::remove(r / "etc" / "group");
    ASSERT_EQ(::mknod((r / "etc" / "group").c_str(), S_IFCHR | 0666, makedev(5, 0)), 0);
  });
  import_edited("dev:passwd", [](const fs::path& r) {
    fs::remove(r / "etc" / "passwd");
    ASSERT_EQ(::mknod((r / "etc" / "passwd").c_str(), S_IFCHR | 0666, makedev(1, 5)), 0);
  });
  expect_refused(timed({"run", "--rm", "-u", "0:nogroup", "dev:group", "true"}),
                 "the image's /etc/group is a character device, not a regular file");
  expect_refused(timed({"run", "--rm", "dev:passwd", "true"}), "the image's /etc/passwd is a character device");
}

TEST_F(HostileUsersTest, SymlinkedPasswdNeverReadsTheHost) {
  if (skipped_) return;
  fs::path canary = canary_;
  import_edited("link:abs", [&](const fs::path& r) {
    fs::remove(r / "etc" / "passwd");
    fs::create_symlink(canary, r / "etc" / "passwd");
  });
  import_edited("link:rel", [&](const fs::path& r) {
    fs::remove(r / "etc" / "passwd");
    fs::create_symlink("../../../../../../../../.." + canary.string(), r / "etc" / "passwd");
  });
  for (const char* image : {"link:abs", "link:rel"}) {
    // The host file names "canary"; inside the image the link leads nowhere.
    Result r = timed({"run", "--rm", "-u", "canary", image, "true"});
    expect_refused(r, "unable to find user canary");
    auto id = identity({}, image);
    EXPECT_EQ(id["uid"], "0") << image;
  }
}

TEST_F(HostileUsersTest, ExecIntoAContainerThatPlantedAFifo) {
  if (skipped_) return;
  import_busybox();
  Result run = timed({"run", "-d", "--name", "planter", "bb", "sh", "-c",
                      "rm /etc/passwd /etc/group && mkfifo /etc/passwd && mknod /etc/group c 1 5 && sleep 60"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // Let the container replace its files.
  for (int i = 0; i < 50; ++i) {
    Result ls = timed({"exec", "planter", "sh", "-c", "test -p /etc/passwd && test -c /etc/group"});
    if (ls.exit_code == 0) break;
    ::usleep(100 * 1000);
  }
  auto start = std::chrono::steady_clock::now();
  Result exec = timed({"exec", "-u", "nobody", "planter", "id"});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_NE(exec.exit_code, 0);
  EXPECT_NE(exec.exit_code, 124) << "mini exec hung on the container's FIFO";
  EXPECT_THAT(exec.err, HasSubstr("the container's /etc/passwd is a FIFO"));
  EXPECT_EQ(lines_of(exec.err).size(), 1u) << exec.err;
  Result rm = timed({"rm", "-f", "planter"});
  EXPECT_EQ(rm.exit_code, 0) << rm.err;
  expect_clean();
}

// ---- the merged view of the layers ----

TEST_F(HostileUsersTest, UsersComeFromTheMergedLayers) {
  if (skipped_) return;
  // Middle layer: the real files; top layer: /etc/passwd and /etc/group as
  // symlinks to them, the way distroless and some base images ship them.
  std::string image = pull_layered({
      [](const fs::path& d) {
        fs::create_directories(d / "usr" / "share" / "accounts");
        std::ofstream(d / "usr" / "share" / "accounts" / "passwd")
            << "root:x:0:0:root:/root:/bin/sh\napp:x:1234:1235:app:/home/app:/bin/sh\n";
        std::ofstream(d / "usr" / "share" / "accounts" / "group") << "root:x:0:\napp:x:1235:\nstaff:x:50:app\n";
      },
      [](const fs::path& d) {
        fs::create_directories(d / "etc");
        fs::create_symlink("../usr/share/accounts/passwd", d / "etc" / "passwd");
        fs::create_symlink("/usr/share/accounts/group", d / "etc" / "group");
      },
  });
  auto id = identity({"-u", "app"}, image);
  EXPECT_EQ(id["uid"], "1234");
  EXPECT_EQ(id["gid"], "1235");
  EXPECT_EQ(id["groups"], "1235 50") << "supplementary groups from the lower layer's group file";
  auto staff = identity({"-u", "app:staff"}, image);
  EXPECT_EQ(staff["gid"], "50");
}

TEST_F(HostileUsersTest, WhiteoutsAndOpaqueDirectoriesHideLowerAccounts) {
  if (skipped_) return;
  std::string image = pull_layered({
      [](const fs::path& d) {
        fs::create_directories(d / "etc");
        std::ofstream(d / "etc" / "passwd") << "root:x:0:0:root:/root:/bin/sh\nghost:x:0:0:deleted:/:/bin/sh\n";
        std::ofstream(d / "etc" / "group") << "root:x:0:\nghosts:x:0:\n";
      },
      [](const fs::path& d) {
        // /etc made opaque: the lower passwd and group are gone...
        fs::create_directories(d / "etc");
        std::ofstream(d / "etc" / ".wh..wh..opq");
        std::ofstream(d / "etc" / "passwd") << "root:x:0:0:root:/root:/bin/sh\napp:x:1234:1234::/:/bin/sh\n";
      },
      [](const fs::path& d) {
        // ...and the new passwd whited out again by the top layer.
        fs::create_directories(d / "etc");
        std::ofstream(d / "etc" / ".wh.passwd");
      },
  });
  expect_refused(timed({"run", "--rm", "-u", "ghost", image, "true"}), "unable to find user ghost");
  expect_refused(timed({"run", "--rm", "-u", "app", image, "true"}), "unable to find user app");
  expect_refused(timed({"run", "--rm", "-u", "0:ghosts", image, "true"}), "unable to find group ghosts");
  // What the container sees agrees.
  Result inside = timed({"run", "--rm", image, "sh", "-c", "ls /etc/passwd /etc/group 2>&1; true"});
  EXPECT_THAT(inside.out, HasSubstr("No such file"));
}

// ---- runc's rules for user specs ----

TEST_F(HostileUsersTest, NumericNamesNeverMakeANumberRoot) {
  if (skipped_) return;
  import_edited("numeric:names", [](const fs::path& r) {
    std::ofstream(r / "etc" / "passwd", std::ios::app) << "1000:x:0:0:impostor:/root:/bin/sh\n"
                                                          "4242:x:0:0:impostor:/root:/bin/sh\n";
    std::ofstream(r / "etc" / "group", std::ios::app) << "1000:x:0:\n2000:x:0:1000,4242\n";
  });
  auto user = identity({"-u", "1000"}, "numeric:names");
  EXPECT_EQ(user["uid"], "1000");
  EXPECT_EQ(user["euid"], "1000");
  EXPECT_EQ(user["gid"], "0") << "no passwd entry has uid 1000: runc's default group";
  EXPECT_EQ(user["cap_eff"], "0000000000000000") << "not root: no effective capabilities";
  auto both = identity({"-u", "4242:1000"}, "numeric:names");
  EXPECT_EQ(both["uid"], "4242");
  EXPECT_EQ(both["gid"], "1000") << "gid 1000, not the group named 1000 (gid 0)";
  auto added = identity({"-u", "4242:4242", "--group-add", "2000"}, "numeric:names");
  EXPECT_EQ(added["groups"], "4242 2000");
  // From the image's USER too.
  import_edited("numeric:user", [](const fs::path& r) {
    std::ofstream(r / "etc" / "passwd", std::ios::app) << "1000:x:0:0:impostor:/root:/bin/sh\n";
  }, {"USER 1000"});
  auto from_config = identity({}, "numeric:user");
  EXPECT_EQ(from_config["uid"], "1000");
  EXPECT_EQ(from_config["cap_eff"], "0000000000000000");
}

TEST_F(HostileUsersTest, IdsPastTheSignedRangeAreRefused) {
  if (skipped_) return;
  import_busybox();
  for (const std::vector<std::string>& flags :
       {std::vector<std::string>{"-u", "4294967295"}, {"-u", "2147483648"}, {"-u", "0:4294967295"},
        {"-u", "nobody:99999999999999999999"}, {"--group-add", "4294967295"}, {"-u", "-1"}}) {
    std::vector<std::string> args = {"run", "--rm"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {"bb", "id"});
    expect_refused(timed(args), "0-2147483647");
  }
  import_edited("wrapped:user", [](const fs::path&) {}, {"USER 4294967295"});
  expect_refused(timed({"run", "--rm", "wrapped:user", "id"}), "0-2147483647");
  import_edited("wrapped:entry", [](const fs::path& r) {
    std::ofstream(r / "etc" / "passwd", std::ios::app) << "wrap:x:4294967295:4294967295::/:/bin/sh\n"
                                                          "junk:x:abc:0::/:/bin/sh\n";
  });
  expect_refused(timed({"run", "--rm", "-u", "wrap", "wrapped:entry", "id"}), "0-2147483647");
  expect_refused(timed({"run", "--rm", "-u", "junk", "wrapped:entry", "id"}), "0-2147483647");
  // The largest id still runs, as itself.
  auto top = identity({"-u", "2147483647"}, "bb");
  EXPECT_EQ(top["uid"], "2147483647");
  EXPECT_EQ(top["cap_eff"], "0000000000000000");
}

// ---- names that reach /etc/hosts ----

TEST_F(HostileUsersTest, NamesAndHostnamesThatCouldInjectHostsLines) {
  if (skipped_) return;
  import_busybox();
  for (const std::string& name :
       {std::string("web\n10.6.6.6 bank.example"), std::string("a/b"), std::string(".."), std::string("-rm"),
        std::string("../../x"), std::string("sp ace"), std::string("tab\there")}) {
    Result r = timed({"run", "--rm", "--name=" + name, "bb", "true"});
    expect_refused(r, "Invalid container name (");
    EXPECT_THAT(r.err, HasSubstr("only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"));
  }
  for (const std::string& host : {std::string("box\n10.6.6.6 bank.example"), std::string("-x"),
                                  std::string("a b"), std::string(65, 'h')}) {
    expect_refused(timed({"run", "--rm", "--hostname=" + host, "bb", "true"}), "invalid hostname");
  }
  // A good name and hostname reach /etc/hosts as themselves.
  Result ok = timed({"run", "--rm", "--name", "web.1_a-b", "-h", "box-1", "bb", "cat", "/etc/hosts"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("box-1"));
  EXPECT_THAT(ok.out, Not(HasSubstr("bank.example")));
}

// ---- --userns=remap ----

class RemapTest : public HostileUsersTest {
 protected:
  // An image with a hardlink farm, a setuid-root probe, a file owned
  // outside the range, a symlink at the canary and device nodes; with
  // `setid_outside`, also a setuid and setgid probe owned outside the range.
  void import_farm(const std::string& name, bool setid_outside) {
    fs::path canary = canary_;
    import_edited(name, [&](const fs::path& r) {
      fs::create_directories(r / "data");
      fs::path f = r / "data" / "f";
      std::ofstream(f) << "x";
      ASSERT_EQ(::chown(f.c_str(), 1000, 1000), 0);
      for (int i = 0; i < 405; ++i) fs::create_hard_link(f, r / "data" / ("link" + std::to_string(i)));
      fs::path high = r / "data" / "high";
      std::ofstream(high) << "x";
      ASSERT_EQ(::chown(high.c_str(), 4000000, 4000000), 0);
      fs::path root_probe = r / "bin" / "suid-root";
      fs::copy_file(r / "bin" / "mini-probe", root_probe);
      ASSERT_EQ(::chmod(root_probe.c_str(), 04755), 0);
      fs::create_symlink(canary, r / "data" / "to-canary");
      ASSERT_EQ(::lchown((r / "data" / "to-canary").c_str(), 7, 7), 0);
      ASSERT_EQ(::mkfifo((r / "data" / "fifo").c_str(), 0644), 0);
      ASSERT_EQ(::mknod((r / "data" / "tty").c_str(), S_IFCHR | 0666, makedev(5, 0)), 0);
      ASSERT_EQ(::chmod((r / "data" / "tty").c_str(), 0666), 0);
      if (!setid_outside) return;
      fs::path suid = r / "bin" / "suid-high";
      fs::copy_file(r / "bin" / "mini-probe", suid);
      ASSERT_EQ(::chown(suid.c_str(), 4000000, 4000000), 0);
      ASSERT_EQ(::chmod(suid.c_str(), 06755), 0);
      for (int i = 0; i < 3; ++i) fs::create_hard_link(suid, r / "bin" / ("suid-high" + std::to_string(i)));
    });
  }

  Result remapped(const std::string& image, const std::vector<std::string>& flags, const std::string& script) {
    std::vector<std::string> args = {"run", "--rm", "--userns=remap"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {image, "sh", "-c", script});
    return timed(args, 60);
  }

  // What the container sees of the farm, and what its setuid files do.
  void expect_remapped_view(const std::string& image, const std::vector<std::string>& flags) {
    Result r = remapped(image, flags,
                        "stat -c '%n %u %g %a' /data/f /data/link404 /data/high /data/fifo /data/tty /bin/suid-root; "
                        "stat -c '%n %u' /data/to-canary; echo map=$(cat /proc/self/uid_map)");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("/data/f 1000 1000 644\n")) << "shifted once, not once per link";
    EXPECT_THAT(r.out, HasSubstr("/data/link404 1000 1000 644\n"));
    EXPECT_THAT(r.out, HasSubstr("/data/high 65534 65534 644\n")) << "an owner outside the range is nobody";
    EXPECT_THAT(r.out, HasSubstr("/data/fifo 0 0 644\n"));
    EXPECT_THAT(r.out, HasSubstr("/data/tty 0 0 666\n"));
    EXPECT_THAT(r.out, HasSubstr("/bin/suid-root 0 0 4755\n"));
    EXPECT_THAT(r.out, HasSubstr("/data/to-canary 7\n"));
    std::istringstream map(probe_values(r.out)["map"]);
    unsigned inside = 1, outside = 0;
    map >> inside >> outside;
    EXPECT_EQ(inside, 0u);
    EXPECT_GT(outside, 0u) << "container root is not host root";
    // A setuid-root file of the image still works, as the container's root.
    std::vector<std::string> as_user = {"run", "--rm", "--userns=remap", "-u", "1000"};
    as_user.insert(as_user.end(), flags.begin(), flags.end());
    as_user.insert(as_user.end(), {image, "/bin/suid-root"});
    auto view = probe_values(timed(as_user, 60).out);
    EXPECT_EQ(view["uid"], "1000");
    EXPECT_EQ(view["euid"], "0") << "setuid to the container's root";
  }
};

TEST_F(RemapTest, IdmappedLayers) {
  if (skipped_) return;
  import_farm("farm", false);
  expect_remapped_view("farm", {});
  // No copy was made: the rootfs of a kept container is an overlay.
  Result run = timed({"run", "--userns=remap", "--name", "kept", "farm", "sh", "-c", "echo x > /new; chown 1000 /data/f"},
                     60);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "") << "this kernel has idmapped mounts: no fallback";
  json kept = inspect("kept");
  EXPECT_EQ(kept.value("Driver", ""), "overlay");
  EXPECT_EQ(mounts_under(root_), std::vector<std::string>{}) << "no idmapped layer left attached";
  // What the container wrote belongs to its root on the host, and the
  // copied-up file keeps its mapped owner; the shared layer is untouched.
  fs::path upper = root_ / "containers" / kept.value("Id", "") / "upper";
  struct stat st {};
  ASSERT_EQ(::lstat((upper / "new").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 100000u);
  ASSERT_EQ(::lstat((upper / "data" / "f").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 101000u);
  Result layer = run_process({"sh", "-c", "stat -c %u " + root_.string() + "/layers/*/fs/data/f"});
  EXPECT_EQ(layer.out, "1000\n") << "the layer itself keeps the image's owners";
  expect_clean();
}

TEST_F(RemapTest, ChownedCopyFallback) {
  if (skipped_) return;
  import_farm("farm", false);
  expect_remapped_view("farm", {"--storage-driver", "copy"});
  Result run = timed({"run", "--userns=remap", "--storage-driver", "copy", "--name", "kept", "farm", "true"}, 60);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.err, HasSubstr("1 files of the image are owned by ids outside the container's range"));
  json kept = inspect("kept");
  EXPECT_EQ(kept.value("Driver", ""), "copy");
  fs::path rootfs = root_ / "containers" / kept.value("Id", "") / "rootfs";
  struct stat st {};
  ASSERT_EQ(::lstat((rootfs / "data" / "f").c_str(), &st), 0) << rootfs;
  EXPECT_EQ(st.st_uid, 101000u) << "host uid: 100000 + 1000, once";
  ASSERT_EQ(::lstat((rootfs / "data" / "high").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 165534u);
  ASSERT_EQ(::lstat((rootfs / "data" / "to-canary").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 100007u) << "the link itself, not the canary it points at";
  expect_clean();
}

TEST_F(RemapTest, ManyIdmappedLayersPastOnePageOfMountOptions) {
  if (skipped_) return;
  // 45 layers: their idmapped mount points overflow a page of overlay
  // options, so they are stacked through the short names too.
  std::vector<std::function<void(const fs::path&)>> layers;
  for (int i = 0; i < 45; ++i)
    layers.push_back([i](const fs::path& d) {
      fs::create_directories(d / "layers");
      std::ofstream(d / "layers" / std::to_string(i)) << i;
      ASSERT_EQ(::chown((d / "layers" / std::to_string(i)).c_str(), static_cast<uid_t>(i), 0), 0);
    });
  std::string image = pull_layered(layers);
  Result r = timed({"run", "--rm", "--userns=remap", image, "sh", "-c", "ls /layers | wc -l; stat -c %u /layers/44"}, 60);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "45\n44\n");
  EXPECT_EQ(r.err, "") << "idmapped, no fallback";
  EXPECT_EQ(mounts_under(root_), std::vector<std::string>{});
  expect_clean();
}

TEST_F(RemapTest, SetidFilesOwnedOutsideTheRangeLoseTheirBits) {
  if (skipped_) return;
  import_farm("evil", true);
  for (const std::vector<std::string>& flags : {std::vector<std::string>{}, {"--storage-driver", "copy"}}) {
    Result r = remapped("evil", flags, "stat -c '%n %u %g %a' /bin/suid-high /bin/suid-high2");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("/bin/suid-high 65534 65534 755\n")) << "clamped, setuid and setgid cleared";
    EXPECT_THAT(r.out, HasSubstr("/bin/suid-high2 65534 65534 755\n"));
    EXPECT_THAT(r.err, HasSubstr("now belong to its nobody, without setuid or setgid"));
    if (flags.empty()) {
      EXPECT_THAT(r.err, HasSubstr("setuid or setgid files owned by ids outside the container's range"));
    }
    std::vector<std::string> as_user = {"run", "--rm", "--userns=remap", "-u", "1000"};
    as_user.insert(as_user.end(), flags.begin(), flags.end());
    as_user.insert(as_user.end(), {"evil", "/bin/suid-high"});
    auto view = probe_values(timed(as_user, 60).out);
    EXPECT_EQ(view["euid"], "1000");
    EXPECT_EQ(view["egid"], "0");
  }
  expect_clean();
}

}  // namespace
}  // namespace mini::test
