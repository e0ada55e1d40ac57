// Rootless mini (issue 15), as an ordinary user meets it: the tests make a
// throwaway user with useradd (and a subuid/subgid range unless a test
// says not), run mini as that user through setpriv, and read what the
// probe and busybox print from inside. Root is needed only to make and
// remove the user.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "lib/harness.h"
#include "lib/registry_fixture.h"

namespace mini::test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

bool have(const std::string& tool) { return run_process({"sh", "-c", "command -v " + tool}).exit_code == 0; }

std::string rewrite_without(const std::string& text, const std::string& name) {
  std::istringstream lines(text);
  std::string out, line;
  while (std::getline(lines, line))
    if (line.rfind(name + ":", 0) != 0) out += line + "\n";
  return out;
}

// The first id past every range in /etc/subuid and /etc/subgid, so the
// test's range overlaps nobody's.
uint32_t free_subid_start() {
  uint64_t end = 1000000;
  for (const char* file : {"/etc/subuid", "/etc/subgid"}) {
    std::istringstream lines(read_text(file));
    std::string line;
    while (std::getline(lines, line)) {
      auto a = line.find(':'), b = line.find(':', a + 1);
      if (a == std::string::npos || b == std::string::npos) continue;
      try {
        end = std::max<uint64_t>(end, std::stoull(line.substr(a + 1, b - a - 1)) + std::stoull(line.substr(b + 1)));
      } catch (const std::exception&) {
      }
    }
  }
  return static_cast<uint32_t>((end + 65535) / 65536 * 65536);
}

uint16_t free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

class TestUser {
 public:
  explicit TestUser(bool with_range) {
    name = "minirl" + std::to_string(getpid() % 100000);
    home = "/var/tmp/" + name;
    run_process({"userdel", "-r", "-f", name});  // left by a killed run
    Result add = run_process({"useradd", "-m", "-d", home.string(), "-s", "/bin/sh", name});
    if (add.exit_code != 0) {
      ADD_FAILURE() << "useradd: " << add.err;
      return;
    }
    made = true;
    uid = static_cast<uid_t>(std::stoul(run_process({"id", "-u", name}).out));
    gid = static_cast<gid_t>(std::stoul(run_process({"id", "-g", name}).out));
    // useradd may have given it a range of its own; the test decides.
    if (with_range) subid = free_subid_start();
    for (const char* file : {"/etc/subuid", "/etc/subgid"}) {
      std::string text = rewrite_without(read_text(file), name);
      if (with_range) text += name + ":" + std::to_string(subid) + ":65536\n";
      std::ofstream(file) << text;  // read above: the stream truncates the file
    }
    if (with_range) {
      // Both files got the same start: computed before either was written.
      std::string uid_line = name + ":" + std::to_string(subid) + ":65536";
      EXPECT_THAT(read_text("/etc/subuid"), HasSubstr(uid_line));
    }
  }

  ~TestUser() {
    if (!made) return;
    // Containers first: their processes are the user's.
    Result ids = mini({"ps", "-aq"});
    for (const auto& id : lines_of(ids.out)) mini({"rm", "-f", id});
    for (const char* file : {"/etc/subuid", "/etc/subgid"}) {
      std::string kept = rewrite_without(read_text(file), name);  // before the stream truncates it
      std::ofstream(file) << kept;
    }
    std::error_code ec;
    fs::remove_all("/tmp/mini-run-" + std::to_string(uid), ec);
    run_process({"userdel", "-r", "-f", name});
    fs::remove_all(home, ec);
  }

  // argv as the user, with a login's environment (setpriv --reset-env:
  // HOME, USER, PATH; no XDG_RUNTIME_DIR, so mini uses its /tmp fallback).
  Result run(const std::vector<std::string>& argv, const std::string& input = "") const {
    std::vector<std::string> full = {"setpriv", "--reuid=" + std::to_string(uid), "--regid=" + std::to_string(gid),
                                     "--init-groups", "--reset-env", "--"};
    full.insert(full.end(), argv.begin(), argv.end());
    return run_process(full, input);
  }
  Result mini(const std::vector<std::string>& args, const std::string& input = "") const {
    std::vector<std::string> argv = {MINI_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, input);
  }
  // A file the user can read: copied into its home.
  fs::path give(const fs::path& file) const {
    fs::path copy = home / file.filename();
    fs::copy_file(file, copy, fs::copy_options::overwrite_existing);
    chown(copy.c_str(), uid, gid);
    return copy;
  }

  bool made = false;
  std::string name;
  fs::path home;
  uid_t uid = 0;
  gid_t gid = 0;
  uint32_t subid = 0;
};

class RootlessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!require_root()) {
      skipped_ = true;
      return;
    }
    for (const char* tool : {"useradd", "userdel", "setpriv", "newuidmap", "newgidmap", "slirp4netns", "curl"}) {
      if (have(tool)) continue;
      skipped_ = true;
      if (in_ci()) ADD_FAILURE() << tool << " is missing (CI=true); ./setup.sh --deps-only installs it";
      else GTEST_SKIP() << tool << " is missing; the rootless tests need it (./setup.sh --deps-only)";
      return;
    }
  }

  std::unique_ptr<TestUser> make_user(bool with_range = true) {
    auto user = std::make_unique<TestUser>(with_range);
    EXPECT_TRUE(user->made);
    return user;
  }

  void import_busybox(const TestUser& user) {
    Result r = user.mini({"import", user.give(busybox_rootfs_tar()).string(), "bb:latest", "--change",
                          "CMD [\"/bin/sh\"]"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  // An OCI layout of `spec` (make_layered_image.py) on the busybox rootfs,
  // served on 127.0.0.1; returns the name to pull.
  std::string serve(const json& spec) {
    fs::path layout = fs::temp_directory_path() / ("mini-rootless-layout-" + std::to_string(getpid()));
    fs::remove_all(layout);
    Result made = run_process({"python3", std::string(MINI_SOURCE_DIR) + "/tests/corpus/make_layered_image.py",
                               busybox_rootfs_tar().string(), layout.string(), spec.dump()});
    EXPECT_EQ(made.exit_code, 0) << made.err;
    registry_ = std::make_unique<FakeRegistry>(layout, "test/rootless", "v1");
    return registry_->host() + "/test/rootless:v1";
  }

  bool skipped_ = false;
  std::unique_ptr<FakeRegistry> registry_;
};

std::string uid_map_of(const std::string& probe_out) {
  std::string map;
  for (const auto& line : lines_of(probe_out))
    if (line.rfind("uid_map=", 0) == 0) {
      std::istringstream words(line.substr(8));
      std::string a, b, c;
      words >> a >> b >> c;
      map += a + " " + b + " " + c + "\n";
    }
  return map;
}

TEST_F(RootlessTest, ImportRunsAsRootOfTheFullMapInTheUsersOwnStore) {
  if (skipped_) return;
  auto user = make_user();
  import_busybox(*user);
  Result id = user->mini({"run", "--rm", "bb", "id"});
  ASSERT_EQ(id.exit_code, 0) << id.err;
  EXPECT_THAT(id.out, HasSubstr("uid=0(root) gid=0(root)"));

  Result probe = user->mini({"run", "--rm", "bb", "mini-probe"});
  ASSERT_EQ(probe.exit_code, 0) << probe.err;
  EXPECT_EQ(uid_map_of(probe.out),
            "0 " + std::to_string(user->uid) + " 1\n1 " + std::to_string(user->subid) + " 65536\n");
  auto values = probe_values(probe.out);
  EXPECT_EQ(values["uid"], "0");
  // Not a single-id namespace, so nothing said about its cost.
  EXPECT_THAT(probe.err, Not(HasSubstr("subuid")));

  // The store is the user's own, under XDG's data home; state in the private fallback.
  fs::path store = user->home / ".local" / "share" / "mini";
  EXPECT_TRUE(fs::exists(store / "images.json"));
  struct stat st {};
  ASSERT_EQ(stat(store.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, user->uid);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(read_text(store / "overlay-xattrs"), "user\n");
  fs::path run_dir = "/tmp/mini-run-" + std::to_string(user->uid);
  ASSERT_EQ(stat(run_dir.c_str(), &st), 0) << "the XDG_RUNTIME_DIR fallback";
  EXPECT_EQ(st.st_uid, user->uid);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  Result images = user->mini({"images"});
  EXPECT_THAT(images.out, HasSubstr("bb"));
  // The user's config file is read from XDG's config home: a broken one shows.
  fs::create_directories(user->home / ".config" / "mini");
  std::ofstream(user->home / ".config" / "mini" / "config.json") << "{";
  Result broken = user->mini({"pull", "127.0.0.1:1/x"});
  EXPECT_THAT(broken.err, HasSubstr(".config/mini/config.json is not valid JSON"));
}

TEST_F(RootlessTest, PullFromTheTestRegistry) {
  if (skipped_) return;
  fs::path images = shared_images();
  if (images.empty()) {
    if (in_ci()) ADD_FAILURE() << "../shared/images is required under CI=true";
    else GTEST_SKIP() << "../shared/images is not here; the rootless pull test could not run";
    return;
  }
  auto user = make_user();
  fs::path work = fs::temp_directory_path() / ("mini-rootless-registry-" + std::to_string(getpid()));
  fs::create_directories(work);
  {
    LocalRegistry registry(work / "registry");
    std::string name = registry.host() + "/library/busybox";
    Result pushed = push(images / "busybox-1.38.0-musl-amd64", name + ":latest");
    ASSERT_EQ(pushed.exit_code, 0) << pushed.err;
    Result pull = user->mini({"pull", name});
    ASSERT_EQ(pull.exit_code, 0) << pull.err;
    Result run = user->mini({"run", "--rm", name, "sh", "-c", "id -u; cat /proc/self/uid_map"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_THAT(run.out, HasSubstr("0\n"));
    EXPECT_THAT(run.out, HasSubstr(std::to_string(user->subid)));
  }
  std::error_code ec;
  fs::remove_all(work, ec);
}

TEST_F(RootlessTest, OwnersWhiteoutsAndOpaqueDirectoriesAcrossThreeLayers) {
  if (skipped_) return;
  auto user = make_user();
  json spec = json::array({"base",
                           {{"owned", {{"owned/f0", {0, 0, "0"}},
                                       {"owned/f42", {42, 42, "42"}},
                                       {"owned/f1000", {1000, 1000, "1000"}},
                                       {"owned/f65534", {65534, 65534, "65534"}}}},
                            {"files", {{"opq/old1", "1"}, {"opq/old2", "2"}, {"gone/file", "x"}, {"kept", "k"}}}},
                           {{"whiteouts", {"gone/file"}},
                            {"opaque", {"opq"}},
                            {"files", {{"opq/new", "n"}}}}});
  std::string image = serve(spec);
  Result pull = user->mini({"pull", image});
  ASSERT_EQ(pull.exit_code, 0) << pull.err;
  Result r = user->mini({"run", "--rm", "--network", "none", image, "sh", "-c",
                         "stat -c '%u:%g %n' /owned/f0 /owned/f42 /owned/f1000 /owned/f65534; ls /opq; ls /gone; "
                         "cat /kept; echo; mini-probe | grep '^mount=/ '"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("0:0 /owned/f0\n42:42 /owned/f42\n1000:1000 /owned/f1000\n65534:65534 /owned/f65534\n"));
  EXPECT_THAT(r.out, HasSubstr("\nnew\n")) << "the opaque directory hides old1 and old2";
  EXPECT_THAT(r.out, Not(HasSubstr("old1")));
  EXPECT_THAT(r.out, Not(HasSubstr("gone/file")));
  EXPECT_THAT(r.out, HasSubstr("\nk\n"));
  EXPECT_THAT(r.out, HasSubstr("mount=/ overlay ")) << "overlayfs in the user namespace, with userxattr";
  EXPECT_THAT(r.err, Not(HasSubstr("copy")));

  // On the host the layer's owners are the user's subordinate ids.
  bool found = false;
  for (const auto& entry : fs::recursive_directory_iterator(user->home / ".local/share/mini/layers")) {
    if (entry.path().filename() != "f42") continue;
    struct stat st {};
    ASSERT_EQ(lstat(entry.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, user->subid + 41);
    EXPECT_EQ(st.st_gid, user->subid + 41);
    found = true;
  }
  EXPECT_TRUE(found);

  // fuse-overlayfs reads the same layers the same way, and inspect says which driver ran.
  if (fs::exists("/dev/fuse") && have("fuse-overlayfs")) {
    Result fuse = user->mini({"run", "--name", "fused", "--network", "none", "--storage-driver", "fuse-overlayfs",
                              image, "sh", "-c", "ls /opq; stat -c '%u' /owned/f1000"});
    EXPECT_EQ(fuse.exit_code, 0) << fuse.err;
    EXPECT_EQ(fuse.out, "new\n1000\n") << fuse.err;
    Result inspect = user->mini({"inspect", "fused"});
    EXPECT_THAT(inspect.out, HasSubstr("\"Driver\": \"fuse-overlayfs\"")) << inspect.out;
    user->mini({"rm", "fused"});
  }
  Result ran = user->mini({"run", "--name", "ovl", "--network", "none", image, "true"});
  EXPECT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_THAT(user->mini({"inspect", "ovl"}).out, HasSubstr("\"Driver\": \"overlay\""));
}

TEST_F(RootlessTest, AnOwnerOutsideTheRangeFailsNamingTheFileAndTheRange) {
  if (skipped_) return;
  auto user = make_user();
  std::string image = serve(json::array({"base", {{"owned", {{"far/away", {70000, 70000, "x"}}}}}}));
  Result pull = user->mini({"pull", image});
  EXPECT_NE(pull.exit_code, 0);
  EXPECT_THAT(pull.err, HasSubstr("far/away"));
  EXPECT_THAT(pull.err, HasSubstr("70000"));
  EXPECT_THAT(pull.err, HasSubstr("0-65536")) << pull.err;
  EXPECT_EQ(lines_of(pull.err).size(), 1u) << pull.err;
}

TEST_F(RootlessTest, DetachedWebServerWithVolumePortExecLogsStopAndRm) {
  if (skipped_) return;
  auto user = make_user();
  import_busybox(*user);
  fs::path vol = user->home / "vol";
  fs::create_directories(vol);
  chown(vol.c_str(), user->uid, user->gid);
  std::string port = std::to_string(free_port());
  Result run = user->mini({"run", "-d", "--name", "web", "-p", "127.0.0.1:" + port + ":80", "-v",
                           vol.string() + ":/vol", "bb", "sh", "-c",
                           "echo started; touch /vol/made; exec httpd -f -p 80 -h /etc"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // The user's slirp4netns publishes the port; the host reaches it on 127.0.0.1.
  Result curl;
  for (int i = 0; i < 50; ++i) {
    curl = run_process({"curl", "-s", "--max-time", "2", "http://127.0.0.1:" + port + "/hostname"});
    if (curl.exit_code == 0 && !curl.out.empty()) break;
    usleep(100000);
  }
  EXPECT_EQ(curl.exit_code, 0) << curl.err;
  Result exec = user->mini({"exec", "web", "cat", "/etc/hostname"});
  ASSERT_EQ(exec.exit_code, 0) << exec.err;
  EXPECT_EQ(curl.out, exec.out);
  Result exec_id = user->mini({"exec", "web", "id", "-u"});
  EXPECT_EQ(exec_id.out, "0\n") << exec_id.err;

  struct stat st {};
  ASSERT_EQ(stat((vol / "made").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, user->uid) << "root in the container is the user on the host";

  Result logs = user->mini({"logs", "web"});
  EXPECT_THAT(logs.out, HasSubstr("started"));
  Result stop = user->mini({"stop", "-t", "2", "web"});
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  Result ps = user->mini({"ps", "-a"});
  EXPECT_THAT(ps.out, HasSubstr("Exited"));
  Result rm = user->mini({"rm", "web"});
  EXPECT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_THAT(user->mini({"ps", "-a"}).out, Not(HasSubstr("web")));
  EXPECT_NE(run_process({"curl", "-s", "--max-time", "1", "http://127.0.0.1:" + port + "/"}).exit_code, 0)
      << "the port is released with the container";
}

TEST_F(RootlessTest, PastaPublishesToo) {
  if (skipped_) return;
  if (!have("pasta")) {
    if (in_ci()) ADD_FAILURE() << "pasta is missing (CI=true)";
    else GTEST_SKIP() << "pasta (passt) is not installed";
    return;
  }
  auto user = make_user();
  import_busybox(*user);
  std::string port = std::to_string(free_port());
  Result run = user->mini({"run", "-d", "--name", "pweb", "--network", "pasta", "-p", "127.0.0.1:" + port + ":80",
                           "bb", "httpd", "-f", "-p", "80", "-h", "/etc"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  Result curl;
  for (int i = 0; i < 50; ++i) {
    curl = run_process({"curl", "-s", "--max-time", "2", "http://127.0.0.1:" + port + "/hostname"});
    if (curl.exit_code == 0 && !curl.out.empty()) break;
    usleep(100000);
  }
  EXPECT_EQ(curl.exit_code, 0) << curl.err;
  EXPECT_FALSE(curl.out.empty());
  EXPECT_EQ(user->mini({"rm", "-f", "pweb"}).exit_code, 0);
}

TEST_F(RootlessTest, LimitsOnCgroupV1AreIgnoredWithOneLineSayingWhy) {
  if (skipped_) return;
  if (!fs::exists("/sys/fs/cgroup/memory")) {
    GTEST_SKIP() << "this host has no cgroup v1 memory controller; the delegated v2 path is tests/vm's";
    return;
  }
  auto user = make_user();
  import_busybox(*user);
  Result r = user->mini({"run", "--rm", "--memory", "32m", "--pids-limit", "50", "bb", "true"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--memory and --pids-limit are ignored"));
  EXPECT_THAT(r.err, Not(HasSubstr("--memory-swap"))) << "not asked for: --memory's default";
  EXPECT_THAT(r.err, HasSubstr("cgroup v1"));
  Result quiet = user->mini({"run", "--rm", "bb", "true"});
  EXPECT_EQ(quiet.err, "") << "no limits asked for, nothing to say";
}

TEST_F(RootlessTest, AUserWithoutASubuidRangeIsMappedAloneAndToldOnce) {
  if (skipped_) return;
  auto user = make_user(false);
  std::string image = serve(json::array({"base", {{"owned", {{"owned/f42", {42, 42, "42"}}}}}}));
  Result pull = user->mini({"pull", image});
  ASSERT_EQ(pull.exit_code, 0) << pull.err;
  EXPECT_THAT(pull.err, HasSubstr("without a range in /etc/subuid"));
  EXPECT_EQ(lines_of(pull.err).size(), 1u) << pull.err;
  Result r = user->mini({"run", "--rm", "--network", "none", image, "sh", "-c",
                         "id -u; cat /proc/self/uid_map; stat -c %u /owned/f42; chown 42 /owned/f42 2>&1 || echo "
                         "chown-failed"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream out(r.out);
  std::string uid, a, b, c;
  out >> uid >> a >> b >> c;
  EXPECT_EQ(uid, "0");
  EXPECT_EQ(a + " " + b + " " + c, "0 " + std::to_string(user->uid) + " 1");
  EXPECT_THAT(r.out, HasSubstr("\n0\n")) << "a file of id 42 unpacked as the user's";
  EXPECT_THAT(r.out, HasSubstr("chown-failed"));
  EXPECT_EQ(r.err, "") << "said once, at the first command";
}

}  // namespace
}  // namespace mini::test
