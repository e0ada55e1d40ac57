// Crash safety: mini killed with SIGKILL at random moments, and many mini
// processes at once, must leave a store that the next command uses as if
// nothing happened, and that `mini system check --repair` brings back to
// clean.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "lib/harness.h"
#include "lib/registry_fixture.h"

namespace mini::test {
namespace {

using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

// Starts argv with its output discarded; the caller kills or waits.
pid_t spawn(const std::vector<std::string>& argv) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

class CrashTest : public MiniTest {
 protected:
  void SetUp() override {
    MiniTest::SetUp();
    if (skipped_) return;
    images_ = require_shared_images("crash tests");
    if (images_.empty()) return;
    work_ = fs::path(root_.string() + "-work");
    registry_ = std::make_unique<LocalRegistry>(work_ / "registry");
    image_ = registry_->host() + "/library/busybox:1.38.0";
    Result pushed = push(images_ / "busybox-1.38.0-musl-amd64", image_);
    ASSERT_EQ(pushed.exit_code, 0) << pushed.err;
    import_busybox();
  }

  void TearDown() override {
    registry_.reset();
    MiniTest::TearDown();
    std::error_code ec;
    if (!work_.empty()) fs::remove_all(work_, ec);
  }

  std::vector<std::string> argv(const std::vector<std::string>& args) const {
    std::vector<std::string> all = {MINI_BINARY, "--root", root_.string()};
    all.insert(all.end(), args.begin(), args.end());
    return all;
  }

  // How long `args` takes when left alone.
  Clock::duration duration_of(const std::vector<std::string>& args) {
    auto start = Clock::now();
    Result r = mini(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return Clock::now() - start;
  }

  // Runs `args` and kills it after `delay`, unless it finished first.
  void kill_after(const std::vector<std::string>& args, Clock::duration delay) {
    pid_t pid = spawn(argv(args));
    std::this_thread::sleep_for(delay);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }

  // `system check --repair` after containers settle, then a clean check.
  void expect_repairable() {
    std::this_thread::sleep_for(std::chrono::seconds(6));  // store/check.cc's settle time
    Result repair = mini({"system", "check", "--repair"});
    EXPECT_EQ(repair.exit_code, 0) << repair.out << repair.err;
    std::fprintf(stderr, "after the kills, mini system check --repair said:\n%s", repair.out.c_str());
    Result check = mini({"system", "check"});
    EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
    EXPECT_THAT(check.out, HasSubstr("no problems"));
    EXPECT_EQ(mounts_under(root_), std::vector<std::string>{});
  }

  fs::path images_, work_;
  std::string image_;
  std::unique_ptr<LocalRegistry> registry_;
};

TEST_F(CrashTest, KilledAtRandomMomentsTheNextCommandWorks) {
  if (skipped_) return;
  const std::vector<std::string> pull = {"pull", "-q", image_};
  const std::vector<std::string> rmi = {"rmi", image_};
  const std::vector<std::string> import = {"import", busybox_rootfs_tar().string(), "killed:1"};
  const std::vector<std::string> run = {"run", "--rm", "bb", "true"};
  // Kills land anywhere in a command's life, its start and end included.
  const auto pull_time = duration_of(pull);
  ASSERT_EQ(mini(rmi).exit_code, 0);
  const auto import_time = duration_of(import);
  const auto run_time = duration_of(run);
  std::mt19937 random(std::random_device{}());
  auto moment = [&](Clock::duration span) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(span).count();
    return std::chrono::milliseconds(std::uniform_int_distribution<long>(0, ms + ms / 4)(random));
  };

  for (int round = 0; round < 6; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    kill_after(pull, moment(pull_time));
    Result pulled = mini(pull);
    EXPECT_EQ(pulled.exit_code, 0) << pulled.err;
    EXPECT_EQ(mini(rmi).exit_code, 0);

    kill_after(import, moment(import_time));
    Result imported = mini(import);
    EXPECT_EQ(imported.exit_code, 0) << imported.err;

    kill_after(run, moment(run_time));
    Result ran = mini({"run", "--rm", "bb", "echo", "alive"});
    EXPECT_EQ(ran.exit_code, 0) << ran.err;
    EXPECT_EQ(ran.out, "alive\n");
  }
  expect_repairable();
  Result pulled = mini(pull);
  EXPECT_EQ(pulled.exit_code, 0) << pulled.err;
  Result ran = mini({"run", "--rm", image_, "echo", "pulled"});
  EXPECT_EQ(ran.out, "pulled\n") << ran.err;
}

TEST_F(CrashTest, ConcurrentPullsAndRunsLeaveAConsistentStore) {
  if (skipped_) return;
  std::vector<Result> pulls(4), runs(8);
  std::vector<std::thread> threads;
  for (auto& r : pulls) threads.emplace_back([&] { r = mini({"pull", "-q", image_}); });
  for (size_t i = 0; i < runs.size(); ++i)
    threads.emplace_back([&, i] { runs[i] = mini({"run", "--rm", "bb", "echo", std::to_string(i)}); });
  for (auto& t : threads) t.join();
  for (const auto& r : pulls) EXPECT_EQ(r.exit_code, 0) << r.err;
  for (size_t i = 0; i < runs.size(); ++i) {
    EXPECT_EQ(runs[i].exit_code, 0) << runs[i].err;
    EXPECT_EQ(runs[i].out, std::to_string(i) + "\n");
  }
  Result check = mini({"system", "check"});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_THAT(check.out, HasSubstr("no problems"));
  EXPECT_THAT(check.out, HasSubstr("0 containers"));
  Result ran = mini({"run", "--rm", image_, "echo", "pulled"});
  EXPECT_EQ(ran.out, "pulled\n") << ran.err;
}

}  // namespace
}  // namespace mini::test
