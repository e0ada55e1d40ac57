// Images and flags that try to get a filesystem mounted somewhere other
// than where the masks look (procfs through a symlink, a volume over
// /proc/sys), or a volume onto the container's root. Every image is built
// here from the busybox rootfs plus hostile entries (multi-layer ones are
// pulled from a registry the test serves). Each case is either refused with
// a one-line error and exit 125, or runs with the masks and read-only paths
// on the real procfs and sysfs, as mini-probe sees from inside; either way
// the canary next to the store is untouched and `system check` is clean.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "lib/harness.h"
#include "lib/registry_fixture.h"
#include "store/digest.h"

namespace mini::test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr const char* kDockerRoot = "invalid specification: destination can't be '/'";

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

class HostileMountsTest : public MiniTest {
 protected:
  void SetUp() override {
    MiniTest::SetUp();
    if (skipped_) return;
    work_ = fs::path(root_.string() + "-work");
    fs::create_directories(work_);
    // What the attacks aim at: a host directory outside the store, reached
    // by absolute path, by ../ and as a volume.
    canary_ = work_ / "canary";
    fs::create_directories(canary_ / "x");
    std::ofstream(canary_ / "secret") << "secret\n";
    volume_ = work_ / "volume";
    fs::create_directories(volume_);
    std::ofstream(volume_ / "keep") << "volume data\n";
    std::ofstream(work_ / "cpuinfo") << "processor : lxcfs-like\n";
    canary_before_ = snapshot(canary_);
    volume_before_ = snapshot(volume_);
  }

  void TearDown() override {
    if (!work_.empty()) {
      EXPECT_EQ(mounts_under(work_), std::vector<std::string>{}) << "a mount reached the canary";
      std::error_code ec;
      fs::remove_all(work_, ec);
    }
    MiniTest::TearDown();
  }

  // The busybox rootfs with `script` run inside it (sh, cwd = the rootfs,
  // $CANARY set), imported as `tag`.
  void image(const std::string& tag, const std::string& script) {
    fs::path rootfs = work_ / "rootfs";
    std::error_code ec;
    fs::remove_all(rootfs, ec);
    fs::create_directories(rootfs);
    std::string cmd = "tar -xf " + shell_quote(busybox_rootfs_tar().string()) + " -C " + shell_quote(rootfs.string()) +
                      " && cd " + shell_quote(rootfs.string()) + " && CANARY=" + shell_quote(canary_.string()) +
                      " sh -ec " + shell_quote(script) + " && tar -cf ../image.tar .";
    Result made = run_process({"sh", "-c", cmd});
    ASSERT_EQ(made.exit_code, 0) << tag << ": " << made.err;
    Result imported = mini({"import", (work_ / "image.tar").string(), tag, "--change", "CMD [\"/bin/sh\"]"});
    ASSERT_EQ(imported.exit_code, 0) << tag << ": " << imported.err;
  }

  Result run(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"run", "--rm"};
    argv.insert(argv.end(), args.begin(), args.end());
    return mini(argv);
  }

  // Refused as the issue asks: exit 125, one line naming the problem, no
  // container left, nothing outside the store changed.
  void expect_refused(const Result& r, const std::string& fragment) {
    EXPECT_EQ(r.exit_code, 125) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "not one line: " << r.err;
    EXPECT_THAT(r.err, StartsWith("mini: "));
    EXPECT_THAT(r.err, HasSubstr(fragment));
    EXPECT_EQ(r.out, "") << "the container ran";
    expect_untouched();
  }

  void expect_untouched() {
    EXPECT_EQ(snapshot(canary_), canary_before_) << "the canary changed";
    EXPECT_EQ(snapshot(volume_), volume_before_) << "the volume changed";
    std::error_code ec;
    EXPECT_TRUE(fs::is_empty(root_ / "containers", ec)) << "a container was left behind";
  }

  void expect_store_clean() {
    Result check = mini({"system", "check"});
    EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
    EXPECT_THAT(check.out, HasSubstr("no problems"));
  }

  // The view from inside: the kernel's dangerous files refuse writers.
  void expect_kernel_files_read_only(const std::vector<std::string>& run_args) {
    std::vector<std::string> args = run_args;
    args.insert(args.end(), {"mini-probe", "openw", "/proc/sys/kernel/core_pattern", "/proc/sysrq-trigger",
                             "/proc/sys/kernel/hostname"});
    Result r = run(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("openw /proc/sys/kernel/core_pattern=Read-only file system"));
    // Not every kernel has it (CONFIG_MAGIC_SYSRQ); where it is, it is read-only.
    EXPECT_THAT(r.out, HasSubstr(fs::exists("/proc/sysrq-trigger") ? "openw /proc/sysrq-trigger=Read-only file system"
                                                                   : "openw /proc/sysrq-trigger=No such file"));
    EXPECT_THAT(r.out, HasSubstr("openw /proc/sys/kernel/hostname=Read-only file system"));
    std::vector<std::string> statfs = run_args;
    statfs.insert(statfs.end(), {"mini-probe", "statfs", "/proc"});
    Result proc = run(statfs);
    EXPECT_THAT(proc.out, HasSubstr("statfs /proc=9fa0 ")) << "/proc is the kernel's procfs; " << proc.err;
    if (fs::exists("/proc/kcore")) {
      std::vector<std::string> probe = run_args;
      probe.push_back("mini-probe");
      Result all = run(probe);
      EXPECT_THAT(all.out, HasSubstr("kcore_bytes=0\n")) << "/proc/kcore is masked; " << all.err;
    }
  }

  fs::path work_, canary_, volume_;
  std::map<std::string, std::string> canary_before_, volume_before_;
};

// proc, sysfs and the /dev tmpfs go only on real directories: an image that
// puts a symlink or a file there is refused, wherever the link points.
TEST_F(HostileMountsTest, SpecialFilesystemsRefuseSymlinksAndFiles) {
  if (skipped_) return;
  struct Case {
    const char* name;
    const char* script;
    const char* message;
  };
  const Case cases[] = {
      {"proc-link", "rm -rf proc && mkdir -p tmp/x && ln -s /tmp/x proc",
       "cannot mount proc on /proc: /proc is a symlink, not a directory"},
      {"proc-link-out", "rm -rf proc && ln -s ../../../../../../../../..\"$CANARY\"/x proc",
       "cannot mount proc on /proc: /proc is a symlink"},
      {"proc-link-dangling", "rm -rf proc && ln -s /nowhere/proc proc", "/proc is a symlink"},
      {"proc-file", "rm -rf proc && echo fake > proc", "cannot mount proc on /proc: /proc is not a directory"},
      {"sys-link", "rm -rf sys && ln -s /tmp sys", "cannot mount sysfs on /sys: /sys is a symlink"},
      {"sys-link-abs-canary", "rm -rf sys && ln -s \"$CANARY\" sys", "cannot mount sysfs on /sys: /sys is a symlink"},
      {"dev-link", "rm -rf dev && mkdir -p tmp/dev && ln -s /tmp/dev dev",
       "cannot mount tmpfs on /dev: /dev is a symlink"},
      {"dev-link-root", "rm -rf dev && ln -s / dev", "/dev is a symlink"},
      {"dev-file", "rm -rf dev && : > dev", "cannot mount tmpfs on /dev: /dev is not a directory"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string tag = std::string("hostile/") + c.name;
    image(tag, c.script);
    expect_refused(run({tag, "sh", "-c", "echo ran; touch /proc/pwned"}), c.message);
    // Without --rm the refusal leaves a created container, as Docker's does.
    Result kept = mini({"run", "--name", c.name, tag, "true"});
    EXPECT_EQ(kept.exit_code, 125) << kept.err;
    EXPECT_EQ(mini({"rm", c.name}).exit_code, 0);
  }
  EXPECT_FALSE(fs::exists(canary_ / "x" / "self")) << "procfs was mounted on the canary";
  expect_store_clean();
}

// Hostile entries that the kernel's filesystems cover anyway: the image's
// /proc/sys, /sys/fs or /dev/pts lie under a mount and never count.
TEST_F(HostileMountsTest, EntriesUnderSpecialMountsAreCovered) {
  if (skipped_) return;
  image("hostile/under-proc",
        "rm -rf proc && mkdir -p proc tmp/sys && ln -s /tmp/sys proc/sys && ln -s / proc/sysrq-trigger");
  expect_kernel_files_read_only({"hostile/under-proc"});
  image("hostile/under-sys", "rm -rf sys && mkdir -p sys tmp/fs && ln -s /tmp/fs sys/fs && ln -s / sys/firmware");
  Result sys = run({"hostile/under-sys", "mini-probe", "exists", "/tmp/fs/cgroup"});
  EXPECT_EQ(sys.exit_code, 0) << sys.err;
  EXPECT_THAT(sys.out, HasSubstr("=no")) << "the cgroup filesystem followed the image's /sys/fs link";
  Result firmware = run({"hostile/under-sys", "mini-probe", "statfs", "/sys/firmware"});
  EXPECT_THAT(firmware.out, HasSubstr("statfs /sys/firmware=1021994 ro")) << "a read-only tmpfs masks it";
  image("hostile/under-dev", "mkdir -p dev && ln -s / dev/pts && ln -s /tmp dev/shm && ln -s / dev/mqueue");
  Result dev = run({"hostile/under-dev", "mini-probe", "statfs", "/dev/pts"});
  EXPECT_THAT(dev.out, HasSubstr("statfs /dev/pts=1cd1 ")) << "devpts on the tmpfs's own /dev/pts";
  expect_kernel_files_read_only({"hostile/under-dev"});
  expect_untouched();
  expect_store_clean();
}

// Nothing may be mounted over /proc or inside it but a procfs and the files
// lxcfs emulates (runc's checkProcMount), however the path is reached.
TEST_F(HostileMountsTest, MountsInsideProcAreRefused) {
  if (skipped_) return;
  import_busybox();
  const std::string vol = volume_.string();
  expect_refused(run({"-v", vol + ":/proc/sys", "bb", "touch", "/proc/sys/pwned"}),
                 "\"/proc/sys\" cannot be mounted because it is inside /proc");
  expect_refused(run({"-v", vol + ":/proc/sys/kernel", "bb", "true"}), "cannot be mounted because it is inside /proc");
  expect_refused(run({"-v", vol + ":/proc:ro", "bb", "true"}), "\"/proc\" cannot be mounted because it is not of type proc");
  expect_refused(run({"--tmpfs", "/proc/sys", "bb", "true"}), "cannot be mounted because it is inside /proc");
  expect_refused(run({"--tmpfs", "/proc//./", "bb", "true"}), "cannot be mounted because it is not of type proc");
  expect_refused(run({"--mount", "type=bind,src=" + (volume_ / "keep").string() + ",dst=/proc/sysrq-trigger", "bb",
                      "true"}),
                 "\"/proc/sysrq-trigger\" cannot be mounted because it is inside /proc");
  expect_refused(run({"--mount", "type=volume,src=namedvol,dst=/proc/sys/kernel/core_pattern", "bb", "true"}),
                 "inside /proc");

  // Reached through the image's symlinks: the resolved target decides.
  image("hostile/data-proc-sys", "ln -s /proc/sys data && ln -s ../proc rel");
  expect_refused(run({"-v", vol + ":/data", "hostile/data-proc-sys", "true"}),
                 "\"/data\" cannot be mounted because it is inside /proc (it resolves to /proc/sys)");
  expect_refused(run({"--tmpfs", "/rel", "hostile/data-proc-sys", "true"}),
                 "\"/rel\" cannot be mounted because it is not of type proc");
  expect_refused(run({"--mount", "type=bind,src=" + vol + ",dst=/rel/sys/kernel", "hostile/data-proc-sys", "true"}),
                 "inside /proc");

  // mini's own binds of /etc/hosts and friends follow the image's links too.
  image("hostile/hosts-core-pattern", "rm -f etc/hosts && ln -s /proc/sys/kernel/core_pattern etc/hosts");
  expect_refused(run({"hostile/hosts-core-pattern", "true"}),
                 "\"/etc/hosts\" cannot be mounted because it is inside /proc (it resolves to "
                 "/proc/sys/kernel/core_pattern)");
  image("hostile/resolv-proc", "rm -f etc/resolv.conf && ln -s ../proc/self/../sys/kernel etc/resolv.conf");
  expect_refused(run({"hostile/resolv-proc", "true"}), "inside /proc");

  // What lxcfs does is still allowed, and the masks stay in place around it.
  Result lxcfs = run({"-v", (work_ / "cpuinfo").string() + ":/proc/cpuinfo:ro", "bb", "cat", "/proc/cpuinfo"});
  EXPECT_EQ(lxcfs.exit_code, 0) << lxcfs.err;
  EXPECT_EQ(lxcfs.out, "processor : lxcfs-like\n");
  expect_kernel_files_read_only({"-v", (work_ / "cpuinfo").string() + ":/proc/cpuinfo:ro", "bb"});
  expect_untouched();
  expect_store_clean();
}

// A destination that is the container's root, spelled lexically: refused by
// the CLI with Docker's message before anything is created.
TEST_F(HostileMountsTest, RootDestinationsAreRefusedBeforeAnythingIsCreated) {
  if (skipped_) return;
  import_busybox();
  const fs::path fresh = work_ / "fresh";
  for (const char* destination : {"/", "//", "/.", "/./", "/bin/..", "/tmp/../", "/../.."}) {
    SCOPED_TRACE(destination);
    Result v = run({"-v", fresh.string() + ":" + destination, "bb", "touch", "/pwned"});
    expect_refused(v, std::string("invalid mount config for type \"bind\": ") + kDockerRoot);
    EXPECT_FALSE(fs::exists(fresh)) << "the host directory was created for a refused -v";
    expect_refused(run({"-v", std::string("rootvol:") + destination, "bb", "true"}),
                   std::string("invalid mount config for type \"volume\": ") + kDockerRoot);
    EXPECT_FALSE(fs::exists(root_ / "volumes" / "rootvol")) << "the named volume was created";
    expect_refused(run({"--tmpfs", destination, "bb", "true"}), kDockerRoot);
    expect_refused(run({"--mount", "type=bind,source=" + volume_.string() + ",target=" + destination, "bb", "true"}),
                   std::string("invalid mount config for type \"bind\": ") + kDockerRoot);
    expect_refused(run({"--mount", std::string("type=tmpfs,dst=") + destination, "bb", "true"}),
                   std::string("invalid mount config for type \"tmpfs\": ") + kDockerRoot);
  }
  expect_store_clean();
}

// The same through the image's symlinks: the child finds the target is the
// root itself and refuses; the volume's files never become the rootfs's.
TEST_F(HostileMountsTest, SymlinksToTheRootAreRefused) {
  if (skipped_) return;
  image("hostile/root-links",
        "ln -s / data && ln -s ../.. up && mkdir -p a && ln -s /b a/chain && ln -s ./ b && ln -s /bin/.. viabin");
  const std::string vol = volume_.string();
  struct Case {
    std::vector<std::string> flags;
    std::string type, target;
  };
  const Case cases[] = {
      {{"-v", vol + ":/data"}, "bind", "/data"},
      {{"-v", vol + ":/up:ro"}, "bind", "/up"},
      {{"--mount", "type=bind,src=" + vol + ",dst=/a/chain"}, "bind", "/a/chain"},
      {{"--mount", "type=volume,src=linkvol,dst=/viabin"}, "bind", "/viabin"},
      {{"--tmpfs", "/data"}, "tmpfs", "/data"},
      {{"--tmpfs", "/up:size=1m"}, "tmpfs", "/up"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.flags.back());
    std::vector<std::string> args = c.flags;
    args.insert(args.end(), {"hostile/root-links", "sh", "-c", "echo ran; touch /pwned /data/pwned"});
    expect_refused(run(args), "invalid mount config for type \"" + c.type + "\": " + kDockerRoot + " (" + c.target +
                                  " resolves to / inside the container)");
  }
  // mini's own bind of /etc/hostname, through the image's link.
  image("hostile/hostname-root", "rm -f etc/hostname && ln -s ../../.. etc/hostname");
  expect_refused(run({"hostile/hostname-root", "true"}),
                 std::string("invalid mount config for type \"bind\": ") + kDockerRoot +
                     " (/etc/hostname resolves to / inside the container)");
  expect_store_clean();
}

// Masks go on what is really mounted, after every other mount: a volume
// placed over a masked path is masked too, and a mask that cannot be
// applied refuses the container instead of leaving the path open.
TEST_F(HostileMountsTest, MasksApplyOverEveryMount) {
  if (skipped_) return;
  import_busybox();
  Result over = run({"-v", volume_.string() + ":/sys/firmware", "bb", "mini-probe", "exists", "/sys/firmware/keep"});
  EXPECT_EQ(over.exit_code, 0) << over.err;
  EXPECT_THAT(over.out, HasSubstr("exists /sys/firmware/keep=no")) << "the mask went under the volume";
  expect_refused(run({"--tmpfs", "/sys", "bb", "true"}),
                 "cannot mask /sys/firmware: it is missing, and what holds it is not the kernel's procfs or sysfs");
  expect_refused(run({"-v", volume_.string() + ":/sys:ro", "bb", "true"}), "cannot mask /sys/firmware");
  // A user tmpfs follows the image's links inside the root, as Docker's does.
  image("hostile/var-run", "mkdir -p run var && ln -s /run var/run && ln -s /proc/../run runlink");
  Result tmpfs = run({"--tmpfs", "/var/run", "hostile/var-run", "mini-probe", "statfs", "/run"});
  EXPECT_EQ(tmpfs.exit_code, 0) << tmpfs.err;
  EXPECT_THAT(tmpfs.out, HasSubstr("statfs /run=1021994 rw"));
  expect_kernel_files_read_only({"--tmpfs", "/runlink", "hostile/var-run"});
  expect_untouched();
  expect_store_clean();
}

// Layers a registry serves: the symlink comes from an upper layer over a
// real directory below it (and once after a whiteout); the merged view is
// what counts.
class HostileLayersTest : public HostileMountsTest {
 protected:
  // An OCI layout at work_/layout of the busybox rootfs and `layers`
  // (directories under work_, tarred as they are).
  void make_layout(const std::vector<std::string>& layer_dirs) {
    fs::path blobs = work_ / "layout" / "blobs" / "sha256";
    fs::create_directories(blobs);
    auto add_blob = [&](const std::string& data) {
      std::string digest = store::sha256_digest(data);
      std::ofstream(blobs / digest.substr(7), std::ios::binary) << data;
      return json{{"digest", digest}, {"size", data.size()}};
    };
    json layers = json::array(), diff_ids = json::array();
    std::vector<fs::path> tars = {busybox_rootfs_tar()};
    for (const auto& dir : layer_dirs) {
      fs::path tar = work_ / (dir + ".tar");
      Result made = run_process({"tar", "-C", (work_ / dir).string(), "-cf", tar.string(), "."});
      ASSERT_EQ(made.exit_code, 0) << made.err;
      tars.push_back(tar);
    }
    for (const auto& tar : tars) {
      json blob = add_blob(read_text(tar));
      blob["mediaType"] = "application/vnd.oci.image.layer.v1.tar";
      diff_ids.push_back(blob["digest"]);
      layers.push_back(blob);
    }
    struct utsname host {};
    ::uname(&host);
    std::string machine = host.machine;
    json config = {{"architecture", machine == "aarch64" ? "arm64" : machine == "x86_64" ? "amd64" : machine},
                   {"os", "linux"},
                   {"config", {{"Cmd", {"/bin/sh"}}}},
                   {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}};
    json config_blob = add_blob(config.dump());
    config_blob["mediaType"] = "application/vnd.oci.image.config.v1+json";
    json manifest = {{"schemaVersion", 2},
                     {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                     {"config", config_blob},
                     {"layers", layers}};
    json manifest_blob = add_blob(manifest.dump());
    manifest_blob["mediaType"] = "application/vnd.oci.image.manifest.v1+json";
    std::ofstream(work_ / "layout" / "index.json") << json{{"schemaVersion", 2}, {"manifests", {manifest_blob}}}.dump();
    std::ofstream(work_ / "layout" / "oci-layout") << R"({"imageLayoutVersion":"1.0.0"})";
  }

  // Pulls the layout as REPOSITORY:1; the image's name, or "" after a failure.
  std::string pull(const std::string& repository) {
    FakeRegistry registry(work_ / "layout", repository, "1");
    std::string name = registry.host() + "/" + repository + ":1";
    Result pulled = mini({"pull", name});
    EXPECT_EQ(pulled.exit_code, 0) << pulled.err;
    return pulled.exit_code == 0 ? name : "";
  }

  void layer(const std::string& dir, const std::string& script) {
    fs::create_directories(work_ / dir);
    Result made = run_process({"sh", "-ec", "cd " + shell_quote((work_ / dir).string()) + " && " + script});
    ASSERT_EQ(made.exit_code, 0) << made.err;
  }
};

TEST_F(HostileLayersTest, UpperLayerSymlinksOverSpecialDirectories) {
  if (skipped_) return;
  layer("l1", "mkdir -p tmp/x && ln -s /tmp/x proc");
  make_layout({"l1"});
  std::string proc_layer = pull("hostile/proc-layer");
  ASSERT_NE(proc_layer, "");
  expect_refused(run({proc_layer, "true"}), "cannot mount proc on /proc: /proc is a symlink");

  fs::remove_all(work_ / "layout");
  layer("w2", "touch .wh.sys");
  layer("l3", "ln -s ../../proc sys");
  make_layout({"w2", "l3"});
  std::string sys_whiteout = pull("hostile/sys-whiteout");
  ASSERT_NE(sys_whiteout, "");
  expect_refused(run({sys_whiteout, "true"}), "cannot mount sysfs on /sys: /sys is a symlink");
  expect_store_clean();
}

}  // namespace
}  // namespace mini::test
