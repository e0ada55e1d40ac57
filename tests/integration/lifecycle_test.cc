// Detached containers and their commands, as a Docker user drives them.
#include <signal.h>
#include <unistd.h>

#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "lib/harness.h"

namespace mini::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Clock = std::chrono::steady_clock;

class LifecycleTest : public MiniTest {
 protected:
  void SetUp() override {
    MiniTest::SetUp();
    if (!skipped_) import_busybox();
  }
  void TearDown() override {
    // Nothing may outlive the test: stop whatever is still running.
    if (!skipped_) mini({"container", "prune"});
    if (!skipped_)
      for (const auto& line : lines_of(mini({"ps", "-q"}).out)) mini({"rm", "-f", line});
    MiniTest::TearDown();
  }
  nlohmann::json inspect(const std::string& name) {
    Result r = mini({"inspect", name});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out).at(0);
  }
  std::string detached(std::vector<std::string> args) {
    args.insert(args.begin(), {"run", "-d"});
    Result r = mini(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out.substr(0, r.out.find('\n'));
  }
};

TEST_F(LifecycleTest, DetachedRunPrintsTheIdAndPsShowsIt) {
  if (skipped_) return;
  std::string id = detached({"--name", "sleeper", "bb", "sleep", "60"});
  EXPECT_EQ(id.size(), 64u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  Result ps = mini({"ps"});
  EXPECT_THAT(ps.out, HasSubstr(id.substr(0, 12)));
  EXPECT_THAT(ps.out, HasSubstr("Up "));
  EXPECT_THAT(ps.out, HasSubstr("sleeper"));
  auto state = inspect(id.substr(0, 5))["State"];  // any unique prefix
  EXPECT_EQ(state["Status"], "running");
  EXPECT_GT(state["Pid"].get<int>(), 0);
  Result json = mini({"ps", "--format", "json"});
  EXPECT_EQ(nlohmann::json::parse(json.out)["Names"], "sleeper");
  Result again = mini({"run", "-d", "--name", "sleeper", "bb", "true"});
  EXPECT_EQ(again.exit_code, 125);
  EXPECT_THAT(again.err, HasSubstr("already in use"));
  EXPECT_EQ(mini({"rm", "sleeper"}).exit_code, 1) << "a running container needs -f";
  EXPECT_EQ(mini({"rm", "-f", "sleeper"}).exit_code, 0);
  EXPECT_THAT(mini({"ps", "-a"}).out, Not(HasSubstr("sleeper")));
}

TEST_F(LifecycleTest, LogsFollowNewLines) {
  if (skipped_) return;
  detached({"--name", "talker", "bb", "sh", "-c", "echo first; echo oops >&2; sleep 1; echo second; sleep 60"});
  std::string cmd = std::string(MINI_BINARY) + " --root " + root_.string() + " logs -f talker";
  // logs -f keeps going until the container stops; stop it after the second line is due.
  pid_t stopper = fork();
  if (stopper == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2000));
    execl(MINI_BINARY, MINI_BINARY, "--root", root_.c_str(), "stop", "-t", "0", "talker", nullptr);
    _exit(127);
  }
  Result follow = run_process({"sh", "-c", cmd});
  int status;
  waitpid(stopper, &status, 0);
  EXPECT_EQ(follow.out, "first\nsecond\n");
  EXPECT_EQ(follow.err, "oops\n");
  EXPECT_EQ(mini({"logs", "--tail", "1", "talker"}).out, "second\n");
  EXPECT_THAT(mini({"logs", "-t", "talker"}).out, HasSubstr("Z first"));
}

TEST_F(LifecycleTest, ExecJoinsThePidNamespaceAndHostname) {
  if (skipped_) return;
  detached({"--name", "box", "--hostname", "boxhost", "bb", "sleep", "60"});
  Result r = mini({"exec", "box", "sh", "-c", "hostname; cat /proc/1/cmdline | tr '\\0' ' '; echo; id -u"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "boxhost\nsleep 60 \n0\n");
  Result probe = mini({"exec", "-u", "nobody", "-e", "X=1", "box", "sh", "-c", "mini-probe; echo X=$X"});
  EXPECT_THAT(probe.out, HasSubstr("uid=65534"));
  EXPECT_THAT(probe.out, HasSubstr("seccomp=2"));
  EXPECT_THAT(probe.out, HasSubstr("X=1"));
  EXPECT_THAT(probe.out, Not(HasSubstr("fd=")));
  Result cgroups = mini({"exec", "box", "sh", "-c", "cat /proc/self/cgroup; echo --; cat /proc/1/cgroup"});
  auto halves = cgroups.out.find("--\n");
  ASSERT_NE(halves, std::string::npos) << cgroups.out << cgroups.err;
  EXPECT_EQ(cgroups.out.substr(0, halves), cgroups.out.substr(halves + 3)) << "exec joins the container's cgroups";
  EXPECT_EQ(mini({"exec", "box", "sh", "-c", "exit 7"}).exit_code, 7);
  EXPECT_EQ(mini({"exec", "box", "no-such-command"}).exit_code, 127);
  Result piped = mini({"exec", "-i", "box", "cat"}, "through\n");
  EXPECT_EQ(piped.out, "through\n");
}

TEST_F(LifecycleTest, StopKillsWhatIgnoresSigtermAfterTheTimeout) {
  if (skipped_) return;
  detached({"--name", "stubborn", "bb", "sh", "-c", "trap '' TERM; sleep 60 & wait; sleep 60"});
  auto start = Clock::now();
  Result stop = mini({"stop", "-t", "2", "stubborn"});
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  ASSERT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_GE(seconds, 1.9);
  EXPECT_LT(seconds, 5.0);
  auto state = inspect("stubborn")["State"];
  EXPECT_EQ(state["Status"], "exited");
  EXPECT_EQ(state["ExitCode"], 137);
  EXPECT_THAT(mini({"ps", "-a"}).out, HasSubstr("Exited (137)"));
  EXPECT_EQ(mini({"wait", "stubborn"}).out, "137\n");
}

TEST_F(LifecycleTest, KilledMonitorLeavesPsTruthful) {
  if (skipped_) return;
  std::string id = detached({"--name", "orphan", "bb", "sleep", "60"});
  std::ifstream state(root_ / "containers" / id / "state.json");
  auto doc = nlohmann::json::parse(state);
  int monitor = doc["monitor_pid"];
  ASSERT_GT(monitor, 0);
  ASSERT_EQ(kill(monitor, SIGKILL), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  Result ps = mini({"ps", "-a"});
  EXPECT_THAT(ps.out, HasSubstr("orphan"));
  EXPECT_THAT(ps.out, Not(HasSubstr("Up ")));
  EXPECT_NE(inspect("orphan")["State"]["Status"], "running");
  EXPECT_EQ(mini({"rm", "orphan"}).exit_code, 0);
  EXPECT_EQ(mounts_under(root_), std::vector<std::string>{});
}

TEST_F(LifecycleTest, StartRestartAndRestartPolicies) {
  if (skipped_) return;
  detached({"--name", "counter", "bb", "sh", "-c", "echo run; sleep 60"});
  ASSERT_EQ(mini({"stop", "-t", "0", "counter"}).exit_code, 0);
  ASSERT_EQ(mini({"start", "counter"}).exit_code, 0);
  EXPECT_EQ(inspect("counter")["State"]["Status"], "running");
  ASSERT_EQ(mini({"restart", "-t", "0", "counter"}).exit_code, 0);
  EXPECT_EQ(inspect("counter")["State"]["Status"], "running");
  EXPECT_EQ(mini({"logs", "counter"}).out, "run\nrun\nrun\n");
  mini({"rm", "-f", "counter"});

  detached({"--name", "flaky", "--restart", "on-failure:2", "bb", "sh", "-c", "echo try; exit 3"});
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline && mini({"logs", "flaky"}).out != "try\ntry\ntry\n")
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(mini({"wait", "flaky"}).out, "3\n");
  EXPECT_EQ(inspect("flaky")["RestartCount"], 2);
  EXPECT_EQ(mini({"logs", "flaky"}).out, "try\ntry\ntry\n");
  Result conflict = mini({"run", "--rm", "--restart", "always", "bb", "true"});
  EXPECT_EQ(conflict.exit_code, 125);
}

TEST_F(LifecycleTest, DetachedRmAndPruneLeaveNothing) {
  if (skipped_) return;
  std::string id = detached({"--rm", "bb", "true"});
  auto deadline = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < deadline && fs::exists(root_ / "containers" / id))
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(fs::exists(root_ / "containers" / id)) << "--rm with -d removes the container when it exits";
  mini({"run", "--name", "done1", "bb", "true"});
  mini({"run", "--name", "done2", "bb", "true"});
  Result prune = mini({"container", "prune", "-f"});
  EXPECT_THAT(prune.out, HasSubstr("Deleted Containers"));
  EXPECT_TRUE(fs::is_empty(root_ / "containers"));
  EXPECT_EQ(mounts_under(root_), std::vector<std::string>{});
  Result failed = mini({"run", "-d", "bb", "no-such-command"});
  EXPECT_EQ(failed.exit_code, 127) << failed.err;
  EXPECT_THAT(failed.err, HasSubstr("no-such-command"));
}

}  // namespace
}  // namespace mini::test
