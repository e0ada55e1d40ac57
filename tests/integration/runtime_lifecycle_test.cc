// The runtime's lifecycle through its C++ API, as a runc-compatible CLI
// drives it: create -> created -> start -> running -> kill -> stopped ->
// delete, with a busybox rootfs.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "lib/harness.h"
#include "runtime/container.h"
#include "runtime/lifecycle.h"

namespace mini::test {
namespace {

namespace rt = mini::runtime;
using ::testing::HasSubstr;

class RuntimeLifecycle : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!require_root()) GTEST_SKIP();
    dir_ = fs::temp_directory_path() / ("mini-lifecycle-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(bundle() / "rootfs");
    Result r = run_process({"tar", "-xf", busybox_rootfs_tar().string(), "-C", (bundle() / "rootfs").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    out_fd_ = ::open((dir_ / "out").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    null_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(out_fd_, 0);
  }
  void TearDown() override {
    for (const auto& id : {"c1", "c2", "c3"}) {
      try {
        rt::delete_container(state_root(), id, true);
      } catch (const std::exception&) {
      }
    }
    if (out_fd_ >= 0) ::close(out_fd_);
    if (null_fd_ >= 0) ::close(null_fd_);
    fs::remove_all(dir_);
  }

  fs::path bundle() const { return dir_ / "bundle"; }
  fs::path state_root() const { return dir_ / "state"; }
  std::string output() const { return read_text(dir_ / "out"); }

  rt::Spec spec(const std::vector<std::string>& args, nlohmann::json namespaces = nullptr) const {
    if (namespaces.is_null())
      namespaces = {{{"type", "pid"}}, {{"type", "mount"}}, {{"type", "ipc"}}, {{"type", "uts"}}, {{"type", "network"}}};
    nlohmann::json doc = {
        {"ociVersion", "1.0.2"},
        {"root", {{"path", "rootfs"}}},
        {"process",
         {{"args", args},
          {"env", {"PATH=/bin:/usr/bin"}},
          {"cwd", "/"},
          {"capabilities", {{"bounding", {"CAP_KILL"}}, {"effective", {"CAP_KILL"}}, {"permitted", {"CAP_KILL"}}}}}},
        {"mounts", {{{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}}}},
        {"annotations", {{"org.example", "yes"}}},
        {"linux", {{"namespaces", namespaces}}},
    };
    std::ofstream(bundle() / "config.json") << doc.dump();  // exec reads it back from the bundle
    // exec reads the container's config.json back from its bundle, as runc does.
    std::ofstream(bundle() / "config.json") << doc.dump();
    return rt::parse_spec(doc);
  }

  rt::CreateOptions options(const std::string& id) const {
    rt::CreateOptions o;
    o.id = id;
    o.bundle = bundle();
    o.state_root = state_root();
    o.stdio = {null_fd_, out_fd_, out_fd_};
    return o;
  }

  rt::Status wait_for_status(const std::string& id, rt::Status want) const {
    rt::Status now = rt::state(state_root(), id).status;
    for (int i = 0; i < 500 && now != want; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      now = rt::state(state_root(), id).status;
    }
    return now;
  }

  fs::path dir_;
  int out_fd_ = -1, null_fd_ = -1;
};

TEST_F(RuntimeLifecycle, CreateStartKillDelete) {
  rt::Created created = rt::create(spec({"/bin/sh", "-c", "echo started; exec sleep 100"}), options("c1"));
  ASSERT_GT(created.pid, 0);

  rt::State state = rt::state(state_root(), "c1");
  EXPECT_EQ(state.status, rt::Status::Created);
  EXPECT_EQ(state.pid, created.pid);
  EXPECT_EQ(state.bundle, bundle());
  EXPECT_EQ(state.annotations.at("org.example"), "yes");
  EXPECT_TRUE(fs::exists(state_root() / "c1" / "state.json"));
  // Set up, but the command has not run.
  EXPECT_EQ(output(), "");
  EXPECT_THROW(rt::delete_container(state_root(), "c1"), Error);

  rt::start(state_root(), "c1");
  EXPECT_EQ(rt::state(state_root(), "c1").status, rt::Status::Running);
  for (int i = 0; i < 200 && output().empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(output(), "started\n");
  try {
    rt::start(state_root(), "c1");
    FAIL() << "a running container started again";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("only a created container can be started"));
  }
  try {
    rt::delete_container(state_root(), "c1");
    FAIL() << "a running container was deleted without force";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("is running"));
  }

  rt::kill(state_root(), "c1", SIGKILL);
  EXPECT_EQ(wait_for_status("c1", rt::Status::Stopped), rt::Status::Stopped);
  EXPECT_EQ(rt::state(state_root(), "c1").pid, 0);
  EXPECT_THROW(rt::kill(state_root(), "c1", SIGKILL), Error);

  rt::delete_container(state_root(), "c1");
  EXPECT_FALSE(fs::exists(state_root() / "c1"));
  EXPECT_THROW(rt::state(state_root(), "c1"), Error);
  // Reaped by delete: no zombie left behind.
  EXPECT_EQ(::waitpid(created.pid, nullptr, WNOHANG), -1);
}

TEST_F(RuntimeLifecycle, KillingACreatedContainerStopsIt) {
  rt::Created created = rt::create(spec({"/bin/echo", "never"}), options("c1"));
  rt::kill(state_root(), "c1", SIGKILL, true);
  EXPECT_EQ(wait_for_status("c1", rt::Status::Stopped), rt::Status::Stopped);
  EXPECT_THROW(rt::start(state_root(), "c1"), Error);
  rt::delete_container(state_root(), "c1");
  EXPECT_EQ(output(), "");
}

TEST_F(RuntimeLifecycle, ARecycledPidIsNeverTakenForTheContainer) {
  rt::Created created = rt::create(spec({"/bin/sleep", "100"}), options("c1"));
  fs::path state_json = state_root() / "c1" / "state.json";
  auto doc = nlohmann::json::parse(read_text(state_json));
  uint64_t real = doc["mini"]["pidStartTime"].get<uint64_t>();
  // As if the container had died and the kernel had given its pid to
  // another process: same pid, another start time.
  doc["mini"]["pidStartTime"] = real + 12345;
  std::ofstream(state_json) << doc.dump();
  EXPECT_EQ(rt::state(state_root(), "c1").status, rt::Status::Stopped);
  EXPECT_THROW(rt::kill(state_root(), "c1", SIGKILL), Error);
  EXPECT_EQ(::kill(created.pid, 0), 0) << "the other process was signalled";

  doc["mini"]["pidStartTime"] = real;
  std::ofstream(state_json) << doc.dump();
  EXPECT_EQ(rt::state(state_root(), "c1").status, rt::Status::Created);
  rt::delete_container(state_root(), "c1", true);
  EXPECT_FALSE(fs::exists(state_root() / "c1"));
}

TEST_F(RuntimeLifecycle, JoinsANetworkNamespaceByPath) {
  // A process holding a network namespace of its own, as a pod's would.
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t parent = ::getpid();
  pid_t holder = ::fork();
  if (holder == 0) {
    // Killed with the test, however it dies: a namespace holder must not
    // outlive it (the check after catches a parent that died first).
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(1);
    if (::unshare(CLONE_NEWNET) != 0) ::_exit(1);
    ssize_t ignored = ::write(ready[1], "r", 1);
    (void)ignored;
    ::pause();
    ::_exit(0);
  }
  ::close(ready[1]);
  struct Reap {
    pid_t pid;
    ~Reap() {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  } reap{holder};
  char byte;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  ::close(ready[0]);
  std::string path = "/proc/" + std::to_string(holder) + "/ns/net";
  std::string expected = fs::read_symlink(path).string();

  nlohmann::json namespaces = {{{"type", "pid"}}, {{"type", "mount"}}, {{"type", "network"}, {"path", path}}};
  rt::RunOptions run;
  run.container_id = "c2";
  run.bundle = bundle();
  run.state_root = state_root();
  run.stdio = {null_fd_, out_fd_, out_fd_};
  rt::RunResult result = rt::run(spec({"/bin/readlink", "/proc/self/ns/net"}, namespaces), run);
  EXPECT_EQ(result.exit_code, 0) << output();
  EXPECT_EQ(output(), expected + "\n");
  EXPECT_NE(expected, fs::read_symlink("/proc/self/ns/net").string());
  EXPECT_FALSE(fs::exists(state_root() / "c2"));
}

// config.json names the file: a FIFO there must not hang the runtime, and
// a namespace of another kind must not be joined as this one.
TEST_F(RuntimeLifecycle, ANamespacePathThatIsNoSuchNamespaceIsRefused) {
  fs::path fifo = dir_ / "not-a-namespace";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  rt::RunOptions run;
  run.container_id = "c2";
  run.bundle = bundle();
  run.state_root = state_root();
  run.stdio = {null_fd_, out_fd_, out_fd_};
  for (const std::string& path : {fifo.string(), std::string("/proc/self/ns/uts")}) {
    nlohmann::json namespaces = {{{"type", "pid"}}, {{"type", "mount"}}, {{"type", "network"}, {"path", path}}};
    try {
      rt::run(spec({"/bin/true"}, namespaces), run);
      ADD_FAILURE() << "joined " << path << " as a network namespace";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr(path));
    }
    EXPECT_FALSE(fs::exists(state_root() / "c2"));
  }
}

TEST_F(RuntimeLifecycle, RunContainerWrapperKeepsItsContract) {
  rt::RunOptions run;
  run.container_id = "c3";
  run.bundle = bundle();
  run.state_root = state_root();
  run.stdio = {null_fd_, out_fd_, out_fd_};
  pid_t started = 0;
  run.on_started = [&](pid_t pid) { started = pid; };
  rt::RunResult result = rt::run_container(spec({"/bin/sh", "-c", "echo hi; exit 3"}), run);
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_GT(started, 0);
  EXPECT_EQ(output(), "hi\n");
  EXPECT_FALSE(fs::exists(state_root() / "c3"));
  try {
    rt::run_container(spec({"/no/such/command"}), run);
    FAIL() << "a missing command ran";
  } catch (const rt::ExecError& e) {
    EXPECT_EQ(e.exit_code, 127);
    EXPECT_THAT(e.what(), HasSubstr("no such file or directory"));
  }
  EXPECT_FALSE(fs::exists(state_root() / "c3"));
}

TEST_F(RuntimeLifecycle, ExecRunsInARunningContainer) {
  rt::create(spec({"/bin/sleep", "100"}), options("c1"));
  rt::start(state_root(), "c1");
  rt::Process process;
  process.args = {"/bin/sh", "-c", "echo in; cat /proc/1/cmdline"};
  process.env = {"PATH=/bin"};
  // Named, as config.json does: this host's bounding set lacks some of what the kernel knows.
  process.capabilities = rt::Capabilities{{"CAP_KILL"}, {"CAP_KILL"}, {"CAP_KILL"}, {}, {}};
  rt::RunResult result = rt::exec(state_root(), "c1", process, {null_fd_, out_fd_, out_fd_});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(output(), std::string("in\n/bin/sleep") + '\0' + "100" + '\0');
  rt::delete_container(state_root(), "c1", true);
}

}  // namespace
}  // namespace mini::test
