// mini-oci driven as conmon and containerd's shim drive it: every verb,
// create/start/state/kill/delete sequences, hooks, namespaces joined by
// path, the console socket (the pty master over SCM_RIGHTS), pause/resume.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "lib/harness.h"

namespace mini::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;

class MiniOci : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!require_root()) GTEST_SKIP();
    dir_ = fs::temp_directory_path() / ("mini-oci-test-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "bundle" / "rootfs");
    Result r = run_process({"tar", "-xf", busybox_rootfs_tar().string(), "-C", (dir_ / "bundle" / "rootfs").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = oci({"spec", "--bundle", bundle().string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    config_ = json::parse(read_text(bundle() / "config.json"));
    config_["process"]["terminal"] = false;
    config_["root"]["readonly"] = false;
  }
  void TearDown() override {
    if (dir_.empty()) return;
    for (const auto& id : ids_) oci({"delete", "--force", id});
    fs::remove_all(dir_);
  }

  fs::path bundle() const { return dir_ / "bundle"; }
  fs::path state_root() const { return dir_ / "state"; }

  Result oci(const std::vector<std::string>& args, const std::string& input = "") {
    std::vector<std::string> argv = {MINI_OCI_BINARY, "--root", state_root().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, input);
  }

  // As oci(), for verbs whose container keeps the stdio it is given (create,
  // run -d, exec -d): files, not the pipes run_process waits to close.
  Result oci_detached(const std::vector<std::string>& args) {
    std::string cmd = std::string(MINI_OCI_BINARY) + " --root '" + state_root().string() + "'";
    for (const auto& a : args) cmd += " '" + a + "'";
    fs::path out = dir_ / "detached.out", err = dir_ / "detached.err";
    Result r = run_process({"sh", "-c", cmd + " </dev/null >'" + out.string() + "' 2>'" + err.string() + "'"});
    r.out = read_text(out);
    r.err = read_text(err);
    return r;
  }

  // Writes config_ with `args` as the process and creates container `id`.
  Result create(const std::string& id, const std::vector<std::string>& args, std::vector<std::string> extra = {}) {
    config_["process"]["args"] = args;
    std::ofstream(bundle() / "config.json") << config_.dump();
    ids_.push_back(id);
    std::vector<std::string> argv = {"create", "--bundle", bundle().string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(id);
    return oci_detached(argv);
  }

  json state(const std::string& id) {
    Result r = oci({"state", id});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? json::parse(r.out) : json::object();
  }

  // Polls until the container's status is `status` (5 s at most).
  bool wait_status(const std::string& id, const std::string& status) {
    for (int i = 0; i < 500; ++i) {
      Result r = oci({"state", id});
      if (r.exit_code == 0 && json::parse(r.out).value("status", "") == status) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  fs::path dir_;
  json config_;
  std::vector<std::string> ids_;
};

TEST_F(MiniOci, LinksTheRuntimeAndCommonLibrariesOnly) {
  Result r = run_process({"readelf", "-d", MINI_OCI_BINARY});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("libseccomp"));  // the runtime's own, so the check reads the right table
  for (const char* forbidden : {"libcurl", "libarchive", "libnftables", "libisal", "libmnl"})
    EXPECT_THAT(r.out, Not(HasSubstr(forbidden))) << "mini-oci must not link " << forbidden;
}

TEST_F(MiniOci, VersionIsARuncStyleBlock) {
  Result r = oci({"--version"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("mini-oci version "));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("\nspec: 1\\.[0-9]+\\.[0-9]+\n"));
}

TEST_F(MiniOci, CreateStartStateKillDelete) {
  Result r = create("c1", {"sleep", "300"}, {"--pid-file", (dir_ / "pid").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json s = state("c1");
  EXPECT_EQ(s["status"], "created");
  EXPECT_EQ(s["id"], "c1");
  EXPECT_EQ(s["bundle"], bundle().string());
  EXPECT_GT(s["pid"].get<int>(), 0);
  EXPECT_EQ(read_text(dir_ / "pid"), std::to_string(s["pid"].get<int>()));
  // Created: the process is our init, still waiting, not sleep yet.
  EXPECT_NE(read_text("/proc/" + std::to_string(s["pid"].get<int>()) + "/comm"), "sleep\n");

  r = oci({"start", "c1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(state("c1")["status"], "running");
  EXPECT_EQ(read_text("/proc/" + std::to_string(s["pid"].get<int>()) + "/comm"), "sleep\n");
  r = oci({"start", "c1"});
  EXPECT_NE(r.exit_code, 0) << "a running container can't be started again";

  r = oci({"delete", "c1"});
  EXPECT_NE(r.exit_code, 0) << "a running container needs --force";
  r = oci({"kill", "c1", "KILL"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(wait_status("c1", "stopped"));
  EXPECT_EQ(state("c1")["pid"], 0);
  r = oci({"delete", "c1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = oci({"state", "c1"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("does not exist"));
}

TEST_F(MiniOci, KillSaysNotRunningOrDoesNotExistAsContainerdExpects) {
  ASSERT_EQ(create("c1", {"true"}).exit_code, 0);
  ASSERT_EQ(oci({"start", "c1"}).exit_code, 0);
  ASSERT_TRUE(wait_status("c1", "stopped"));
  Result r = oci({"kill", "c1", "SIGTERM"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("container not running"));
  r = oci({"kill", "nosuch", "15"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("does not exist"));
  EXPECT_EQ(oci({"delete", "--force", "nosuch"}).exit_code, 0) << "--force of a container that is gone is fine";
  EXPECT_NE(oci({"delete", "nosuch"}).exit_code, 0);
}

TEST_F(MiniOci, DeletingACreatedContainerNeedsForceAndKillsItsInit) {
  ASSERT_EQ(create("c1", {"sleep", "300"}).exit_code, 0);
  int pid = state("c1")["pid"];
  Result r = oci({"delete", "c1"});
  EXPECT_NE(r.exit_code, 0) << "the runtime-spec: deleting a container that is not stopped is an error";
  EXPECT_EQ(state("c1")["status"], "created");
  r = oci({"delete", "--force", "c1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists("/proc/" + std::to_string(pid) + "/comm") &&
               read_text("/proc/" + std::to_string(pid) + "/stat").find(") Z") == std::string::npos);
}

TEST_F(MiniOci, RunInTheForegroundExitsWithTheContainersStatus) {
  config_["process"]["args"] = {"sh", "-c", "echo out; exit 3"};
  std::ofstream(bundle() / "config.json") << config_.dump();
  Result r = oci({"run", "--bundle", bundle().string(), "r1"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(r.out, "out\n");
  EXPECT_NE(oci({"state", "r1"}).exit_code, 0) << "a foreground run deletes its container";
}

TEST_F(MiniOci, RunDetachedThenExecAndPs) {
  config_["process"]["args"] = {"sleep", "300"};
  std::ofstream(bundle() / "config.json") << config_.dump();
  ids_.push_back("d1");
  Result r = oci_detached({"run", "-d", "--bundle", bundle().string(), "d1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(state("d1")["status"], "running");
  r = oci({"exec", "d1", "sh", "-c", "echo $((6*7)); cat /proc/1/comm; exit 5"});
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_EQ(r.out, "42\nsleep\n");
  // --process FILE, as containerd's shim and conmon call it.
  json process = {{"args", {"sh", "-c", "echo $FOO"}}, {"env", {"FOO=bar", "PATH=/bin"}}, {"cwd", "/tmp"}};
  std::ofstream(dir_ / "process.json") << process.dump();
  r = oci({"exec", "--process", (dir_ / "process.json").string(), "d1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "bar\n");
  r = oci({"ps", "--format", "json", "d1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json pids = json::parse(r.out);
  ASSERT_TRUE(pids.is_array());
  EXPECT_NE(std::find(pids.begin(), pids.end(), state("d1")["pid"]), pids.end());
  r = oci({"list", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)[0]["id"], "d1");
  r = oci({"list"});
  EXPECT_THAT(r.out, HasSubstr("ID "));
  EXPECT_THAT(r.out, HasSubstr("d1 "));
}

// The runtime-spec's order, each with the state on stdin.
TEST_F(MiniOci, HooksOfEveryKindRunInOrderWithTheStateOnStdin) {
  fs::path log = dir_ / "hooks.log";
  auto hook = [&](const std::string& name) {
    // The status and id each hook read from its stdin.
    std::string script = "read -r state; s=${state#*\\\"status\\\":\\\"}; i=${state#*\\\"id\\\":\\\"}; echo " + name +
                         " ${s%%\\\"*} ${i%%\\\"*} >> " + log.string();
    return json{{"path", "/bin/sh"}, {"args", {"sh", "-c", script}}, {"timeout", 5}};
  };
  for (const char* kind : {"prestart", "createRuntime", "poststart", "poststop"}) config_["hooks"][kind] = {hook(kind)};
  // In the container's namespaces: its /tmp, which the host never sees.
  config_["hooks"]["createContainer"] = {{{"path", "/bin/sh"}, {"args", {"sh", "-c", "echo cc > " + (bundle() / "rootfs/tmp/cc").string()}}}};
  config_["hooks"]["startContainer"] = {{{"path", "/bin/sh"}, {"args", {"sh", "-c", "echo sc > /tmp/sc"}}}};
  ASSERT_EQ(create("h1", {"sh", "-c", "cat /tmp/sc"}).exit_code, 0);
  Result r = oci({"start", "h1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(wait_status("h1", "stopped"));
  r = oci({"delete", "h1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_text(log), "prestart created h1\ncreateRuntime creating h1\npoststart running h1\npoststop stopped h1\n");
  EXPECT_EQ(read_text(bundle() / "rootfs/tmp/cc"), "cc\n");
  EXPECT_EQ(read_text(bundle() / "rootfs/tmp/sc"), "sc\n") << "startContainer ran in the container's mount namespace";
}

TEST_F(MiniOci, AFailingOrHangingPrestartHookFailsCreateAndLeavesNothing) {
  config_["hooks"]["prestart"] = {{{"path", "/bin/sh"}, {"args", {"sh", "-c", "echo nope >&2; exit 7"}}}};
  Result r = create("h1", {"true"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("exit status 7"));
  EXPECT_THAT(r.err, HasSubstr("nope"));
  EXPECT_FALSE(fs::exists(state_root() / "h1"));
  config_["hooks"]["prestart"] = {{{"path", "/bin/sleep"}, {"args", {"sleep", "30"}}, {"timeout", 1}}};
  auto before = std::chrono::steady_clock::now();
  r = create("h2", {"true"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("timed out"));
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(10));
}

TEST_F(MiniOci, JoinsANetworkNamespaceByPath) {
  ASSERT_EQ(create("a", {"sleep", "300"}).exit_code, 0);
  ASSERT_EQ(oci({"start", "a"}).exit_code, 0);
  int pid = state("a")["pid"];
  std::string netns = fs::read_symlink("/proc/" + std::to_string(pid) + "/ns/net").string();
  for (auto& ns : config_["linux"]["namespaces"])
    if (ns["type"] == "network") ns["path"] = "/proc/" + std::to_string(pid) + "/ns/net";
  config_["process"]["args"] = {"readlink", "/proc/self/ns/net"};
  std::ofstream(bundle() / "config.json") << config_.dump();
  Result r = oci({"run", "--bundle", bundle().string(), "b"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, netns + "\n");
  // A path that is no namespace of that kind is refused by name.
  for (auto& ns : config_["linux"]["namespaces"])
    if (ns["type"] == "network") ns["path"] = "/proc/" + std::to_string(pid) + "/ns/uts";
  std::ofstream(bundle() / "config.json") << config_.dump();
  r = oci({"run", "--bundle", bundle().string(), "b"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("not a namespace of the kind"));
}

// A listening socket like conmon's: receives the pty master over SCM_RIGHTS.
class ConsoleSocket {
 public:
  explicit ConsoleSocket(const fs::path& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(fd_, 1), 0);
  }
  ~ConsoleSocket() { ::close(fd_); }
  // The master the runtime sent, or -1.
  int receive() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 10000) != 1) return -1;
    int conn = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    char name[256];
    iovec iov{name, sizeof(name)};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    int master = -1;
    if (::recvmsg(conn, &msg, 0) > 0)
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) std::memcpy(&master, CMSG_DATA(c), sizeof(int));
    ::close(conn);
    return master;
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
  int fd_ = -1;
};

std::string read_until(int fd, const std::string& needle) {
  std::string out;
  char buf[4096];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (out.find(needle) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) != 1) continue;
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

TEST_F(MiniOci, ConsoleSocketGetsThePtyMasterForCreateAndExec) {
  config_["process"]["terminal"] = true;
  ConsoleSocket socket(dir_ / "console.sock");
  std::string master_out;
  int master = -1;
  std::thread receiver([&] { master = socket.receive(); });
  Result r = create("t1", {"sh", "-c", "tty; sleep 300"}, {"--console-socket", socket.path().string()});
  receiver.join();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_GE(master, 0);
  ASSERT_EQ(oci({"start", "t1"}).exit_code, 0);
  EXPECT_THAT(read_until(master, "/dev/pts/0"), HasSubstr("/dev/pts/0"));
  ::close(master);

  ConsoleSocket exec_socket(dir_ / "exec.sock");
  std::thread exec_receiver([&] { master = exec_socket.receive(); });
  r = oci_detached({"exec", "--tty", "--detach", "--console-socket", exec_socket.path().string(), "--pid-file",
           (dir_ / "exec.pid").string(), "t1", "sh", "-c", "tty; echo exec-done; sleep 5"});
  exec_receiver.join();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_GE(master, 0);
  EXPECT_FALSE(read_text(dir_ / "exec.pid").empty());
  std::string out = read_until(master, "exec-done");
  EXPECT_THAT(out, ::testing::ContainsRegex("/dev/pts/[1-9]"));
  EXPECT_THAT(out, HasSubstr("exec-done"));
  ::close(master);
}

TEST_F(MiniOci, PauseAndResumeFreezeAndThaw) {
  ASSERT_EQ(create("p1", {"sleep", "300"}).exit_code, 0);
  ASSERT_EQ(oci({"start", "p1"}).exit_code, 0);
  int pid = state("p1")["pid"];
  Result r = oci({"pause", "p1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(state("p1")["status"], "paused");
  std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
  EXPECT_THAT(stat.substr(stat.rfind(')')), HasSubstr(") D")) << "a frozen task sleeps uninterruptibly: " << stat;
  r = oci({"resume", "p1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(state("p1")["status"], "running");
  EXPECT_NE(oci({"resume", "p1"}).exit_code, 0) << "only a paused container resumes";
  // A paused container is deleted with --force too.
  ASSERT_EQ(oci({"pause", "p1"}).exit_code, 0);
  r = oci({"delete", "--force", "p1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(MiniOci, UpdateChangesTheMemoryLimit) {
  config_["linux"]["resources"]["memory"]["limit"] = 128 << 20;
  ASSERT_EQ(create("u1", {"sleep", "300"}).exit_code, 0);
  ASSERT_EQ(oci({"start", "u1"}).exit_code, 0);
  auto memory_limit = [&]() {
    Result r = oci({"exec", "u1", "sh", "-c",
                    "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max"});
    return r.out;
  };
  EXPECT_EQ(memory_limit(), std::to_string(128 << 20) + "\n");
  Result r = oci({"update", "--memory", "64m", "u1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(memory_limit(), std::to_string(64 << 20) + "\n");
  r = oci({"update", "--resources", "-", "u1"}, R"({"memory": {"limit": 100663296}})");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(memory_limit(), "100663296\n");
}

TEST_F(MiniOci, ErrorsGoToTheLogAsJsonLines) {
  fs::path log = dir_ / "log.json";
  Result r = oci({"--log", log.string(), "--log-format", "json", "start", "nosuch"});
  EXPECT_NE(r.exit_code, 0);
  std::string line = read_text(log);
  ASSERT_FALSE(line.empty());
  json entry = json::parse(line);
  EXPECT_EQ(entry["level"], "error");
  EXPECT_THAT(entry["msg"].get<std::string>(), HasSubstr("does not exist"));
  EXPECT_TRUE(entry.contains("time"));
}

TEST_F(MiniOci, WhatItCannotHonourIsRefusedByName) {
  Result r = oci({"checkpoint", "x"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("not supported"));
  config_["process"]["apparmorProfile"] = "docker-default";
  r = create("l1", {"true"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("apparmorProfile"));
  config_["process"].erase("apparmorProfile");
  config_["linux"]["cgroupsPath"] = "system.slice:mini:l2";
  std::ofstream(bundle() / "config.json") << config_.dump();
  r = oci_detached({"--systemd-cgroup", "create", "--bundle", bundle().string(), "l2"});
  ids_.push_back("l2");
  if (read_text("/proc/1/comm") != "systemd\n") {
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr("systemd"));
  }
}

TEST_F(MiniOci, FeaturesAndSpecDocuments) {
  Result r = oci({"features"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json features = json::parse(r.out);
  EXPECT_EQ(features["hooks"].size(), 6u);
  EXPECT_NE(std::find(features["linux"]["namespaces"].begin(), features["linux"]["namespaces"].end(), "time"),
            features["linux"]["namespaces"].end());
  r = oci({"spec", "--bundle", bundle().string()});
  EXPECT_NE(r.exit_code, 0) << "spec never overwrites a config.json";
  fs::create_directories(dir_ / "rootless");
  r = oci({"spec", "--rootless", "--bundle", (dir_ / "rootless").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(json::parse(read_text(dir_ / "rootless" / "config.json"))["linux"].contains("uidMappings"));
}

TEST_F(MiniOci, SysctlOomScoreAdjUmaskAndTimeOffsets) {
  config_["linux"]["sysctl"] = {{"net.ipv4.ip_forward", "1"}};
  config_["process"]["oomScoreAdj"] = 500;
  config_["process"]["user"]["umask"] = 077;
  config_["linux"]["namespaces"].push_back({{"type", "time"}});
  config_["linux"]["timeOffsets"] = {{"boottime", {{"secs", 86400 * 365}, {"nanosecs", 0}}}};
  config_["process"]["args"] = {"sh", "-c",
                                "cat /proc/sys/net/ipv4/ip_forward /proc/self/oom_score_adj; umask; cut -d. -f1 /proc/uptime"};
  std::ofstream(bundle() / "config.json") << config_.dump();
  Result r = oci({"run", "--bundle", bundle().string(), "s1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 4u) << r.out;
  EXPECT_EQ(lines[0], "1");
  EXPECT_EQ(lines[1], "500");
  EXPECT_EQ(lines[2], "0077");
  EXPECT_GE(std::stol(lines[3]), 86400L * 365) << "boottime is offset by a year";
}

}  // namespace
}  // namespace mini::test
