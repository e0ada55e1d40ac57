// `mini run` seen from inside the container, with the busybox-static rootfs
// (always available) and the real Alpine minirootfs.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "lib/harness.h"

namespace mini::test {
namespace {

using ::testing::HasSubstr;

class RunTest : public MiniTest {
 protected:
  void SetUp() override {
    MiniTest::SetUp();
    if (!skipped_) import_busybox();
  }
};

TEST_F(RunTest, ProbeSeesItsOwnNamespaces) {
  Result r = mini({"run", "--rm", "--hostname", "probehost", "bb", "mini-probe"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto v = probe_values(r.out);
  EXPECT_EQ(v["pid"], "1");
  EXPECT_EQ(v["ppid"], "0");
  EXPECT_EQ(v["hostname"], "probehost");
  EXPECT_EQ(v["cwd"], "/");
  EXPECT_THAT(r.out, HasSubstr("mount=/proc proc"));
  EXPECT_THAT(r.out, HasSubstr("mount=/dev tmpfs"));
  EXPECT_THAT(r.out, HasSubstr("mount=/dev/pts devpts"));
  EXPECT_THAT(r.out, HasSubstr("mount=/sys sysfs ro"));
  EXPECT_THAT(r.out, HasSubstr("mount=/etc/hosts "));
}

TEST_F(RunTest, DefaultHostnameIsTheShortId) {
  Result r = mini({"run", "--rm", "bb", "hostname"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string host = r.out.substr(0, r.out.find('\n'));
  EXPECT_EQ(host.size(), 12u) << host;
  EXPECT_EQ(host.find_first_not_of("0123456789abcdef"), std::string::npos) << host;
}

TEST_F(RunTest, PidNamespaceShowsOnlyTheContainer) {
  Result r = mini({"run", "--rm", "bb", "sh", "-c", "echo $$; ls /proc | grep -c '^[0-9]'"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The shell (1), ls and grep: nothing of the host's.
  std::istringstream lines(r.out);
  std::string pid, count;
  lines >> pid >> count;
  EXPECT_EQ(pid, "1");
  EXPECT_LE(std::stoi(count), 3);
}

TEST_F(RunTest, HostFilesAreInvisible) {
  fs::path marker = fs::temp_directory_path() / ("mini-marker-" + std::to_string(getpid()));
  std::ofstream(marker) << "host secret";
  Result r = mini({"run", "--rm", "bb", "mini-probe", "exists", marker.string()});
  fs::remove(marker);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("=no"));
}

TEST_F(RunTest, ProcOneRootIsTheContainers) {
  Result r = mini({"run", "--rm", "bb", "ls", "/proc/1/root/"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("bin"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("home")));  // the host has /home; the image has not
}

TEST_F(RunTest, ExitCodesFollowDocker) {
  EXPECT_EQ(mini({"run", "--rm", "bb", "true"}).exit_code, 0);
  EXPECT_EQ(mini({"run", "--rm", "bb", "sh", "-c", "exit 3"}).exit_code, 3);
  Result missing = mini({"run", "--rm", "bb", "no-such-command"});
  EXPECT_EQ(missing.exit_code, 127);
  EXPECT_THAT(missing.err, HasSubstr("no-such-command"));
  Result not_executable = mini({"run", "--rm", "bb", "/etc/passwd"});
  EXPECT_EQ(not_executable.exit_code, 126);
  Result survived = mini({"run", "--rm", "bb", "sh", "-c", "kill -TERM $$; echo alive"});
  EXPECT_EQ(survived.out, "alive\n") << "PID 1 ignores signals it has no handler for, as in Docker";
  // A registry on a closed local port: the pull fails without leaving this machine.
  Result missing_image = mini({"run", "--rm", "127.0.0.1:1/nothere", "true"});
  EXPECT_EQ(missing_image.exit_code, 125);
  EXPECT_THAT(missing_image.err, HasSubstr("Unable to find image '127.0.0.1:1/nothere:latest' locally"));
  EXPECT_THAT(missing_image.err, HasSubstr("can't reach registry 127.0.0.1:1"));
}

TEST_F(RunTest, HostSigkillOfPidOneGives137) {
  std::vector<std::string> argv = {MINI_BINARY, "--root", root_.string(), "run", "--rm", "--name", "victim",
                                   "bb", "sleep", "30"};
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  // Find the container's PID 1 through the state file the run records.
  int container_pid = 0;
  for (int i = 0; i < 100 && container_pid == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    for (const auto& entry : fs::directory_iterator(root_ / "containers")) {
      std::ifstream state(entry.path() / "state.json");
      std::string text((std::istreambuf_iterator<char>(state)), {});
      auto at = text.find("\"pid\": ");
      if (at != std::string::npos) container_pid = std::atoi(text.c_str() + at + 7);
    }
  }
  ASSERT_GT(container_pid, 0);
  kill(container_pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 137);
}

TEST_F(RunTest, StdinIsPipedThroughWithInteractive) {
  Result r = mini({"run", "--rm", "-i", "bb", "cat"}, "hi\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "hi\n");
  Result closed = mini({"run", "--rm", "bb", "cat"}, "ignored\n");
  EXPECT_EQ(closed.out, "") << "without -i, stdin is not attached (Docker)";
}

TEST_F(RunTest, TtyIsAllocatedUnderScript) {
  std::string cmd = std::string(MINI_BINARY) + " --root " + root_.string() + " run --rm -t bb tty";
  Result r = run_process({"script", "-qec", cmd, "/dev/null"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("/dev/pts/0"));
}

TEST_F(RunTest, EnvWorkdirEntrypointAndEnvFile) {
  fs::path env_file = root_ / "env.list";
  std::ofstream(env_file) << "# comment\nFROM_FILE=yes\n";
  Result r = mini({"run", "--rm", "-e", "A=1", "--env-file", env_file.string(), "-w", "/tmp", "--entrypoint",
                   "/bin/sh", "bb", "-c", "echo $A $FROM_FILE $(pwd) $PATH"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1 yes /tmp /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n");
}

TEST_F(RunTest, RmLeavesNothingBehind) {
  for (const char* driver : {"overlay", "copy"}) {
    Result r = mini({"run", "--rm", "--storage-driver", driver, "bb", "sh", "-c", "echo x > /written"});
    ASSERT_EQ(r.exit_code, 0) << driver << ": " << r.err;
    EXPECT_TRUE(fs::is_empty(root_ / "containers")) << driver;
    EXPECT_EQ(mounts_under(root_), std::vector<std::string>{}) << driver;
  }
}

TEST_F(RunTest, WritesStayInTheContainer) {
  ASSERT_EQ(mini({"run", "--rm", "bb", "sh", "-c", "echo changed > /etc/passwd"}).exit_code, 0);
  Result r = mini({"run", "--rm", "bb", "cat", "/etc/passwd"});
  EXPECT_THAT(r.out, HasSubstr("root:x:0:0"));
}

TEST_F(RunTest, DryRunPrintsTheRuntimeSpecAndCreatesNothing) {
  Result r = mini({"run", "--dry-run", "bb", "echo", "hi"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\"ociVersion\""));
  EXPECT_THAT(r.out, HasSubstr("\"echo\""));
  EXPECT_TRUE(fs::is_empty(root_ / "containers"));
}

TEST_F(RunTest, UserFlagUsesTheImagesPasswd) {
  Result r = mini({"run", "--rm", "-u", "nobody", "bb", "id"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("uid=65534"));
}

TEST_F(RunTest, NamesAreUnique) {
  ASSERT_EQ(mini({"run", "--name", "one", "bb", "true"}).exit_code, 0);
  Result again = mini({"run", "--name", "one", "bb", "true"});
  EXPECT_EQ(again.exit_code, 125);
  EXPECT_THAT(again.err, HasSubstr("already in use"));
}

class AlpineTest : public MiniTest {};

TEST_F(AlpineTest, RealMinirootfsRuns) {
  if (skipped_ || !import_alpine()) return;
  Result release = mini({"run", "--rm", "alpine:3.20", "cat", "/etc/alpine-release"});
  ASSERT_EQ(release.exit_code, 0) << release.err;
  EXPECT_EQ(release.out, "3.20.3\n");
  Result ps = mini({"run", "--rm", "alpine:3.20", "sh", "-c", "echo $$; ps | wc -l"});
  ASSERT_EQ(ps.exit_code, 0) << ps.err;
  // "1", then ps's header, sh, ps and wc.
  EXPECT_THAT(ps.out, ::testing::StartsWith("1\n"));
  EXPECT_LE(std::stoi(ps.out.substr(2)), 4) << ps.out;
  EXPECT_EQ(mini({"run", "--rm", "alpine:3.20", "sh", "-c", "exit 3"}).exit_code, 3);
  EXPECT_EQ(mini({"run", "--rm", "--storage-driver", "copy", "alpine:3.20", "true"}).exit_code, 0);
}

}  // namespace
}  // namespace mini::test
