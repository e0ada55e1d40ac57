// `-t` through a real terminal, byte for byte: mini under util-linux
// script(1), whose stdin is either a terminal this test drives (a pty of
// its own) or a file that ends (script then sends the end-of-file key).
// Expected bytes are Podman's (and Docker's with -it): the user's terminal
// fully raw, so the container's "\r\n" arrives as is, and nothing reaches
// the container's terminal that was not typed.
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "lib/harness.h"

namespace mini::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

bool have_script() { return run_process({"sh", "-c", "command -v script"}).exit_code == 0; }

// Shell text for `script -c`: the terminal settings before and after
// `command`, and its exit code, into files under `dir`; only the command
// writes to the terminal.
std::string wrapped(const fs::path& dir, const std::string& command) {
  std::string d = quote(dir.string());
  return "stty -g >" + d + "/before.g; stty -a >" + d + "/before.a; " + command + "; echo $? >" + d +
         "/rc; stty -g >" + d + "/after.g; stty -a >" + d + "/after.a";
}

struct Captured {
  int status = -1;
  std::string out;
};

// Runs `script -qE<echo> -c <shell> /dev/null` with stdin from `input_file`.
// Echo "never" keeps the line discipline of script's pty from echoing input
// mini has not switched to raw yet, which Podman would show too: the bytes
// then depend on nothing but the container.
Captured script_with_file(const std::string& shell, const fs::path& input_file, const char* echo = "auto") {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return {};
  pid_t pid = ::fork();
  if (pid == 0) {
    int in = ::open(input_file.c_str(), O_RDONLY | O_CLOEXEC);
    ::dup2(in, 0);
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    ::setenv("SHELL", "/bin/sh", 1);
    ::execlp("script", "script", "-q", "-E", echo, "-c", shell.c_str(), "/dev/null", nullptr);
    ::_exit(127);
  }
  ::close(out[1]);
  Captured result;
  auto deadline = Clock::now() + 20s;
  char buffer[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd p{out[0], POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) == 0) {
      ADD_FAILURE() << "script still running after 20s; output so far: " << result.out;
      ::kill(pid, SIGKILL);  // its pty hangs up, and mini with it
      break;
    }
    ssize_t n = ::read(out[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    result.out.append(buffer, static_cast<size_t>(n));
  }
  ::close(out[0]);
  ::waitpid(pid, &result.status, 0);
  return result;
}

// script(1) on a pty this test holds the master of: the user at a terminal.
class Terminal {
 public:
  Terminal(const std::string& shell, unsigned short rows, unsigned short cols) {
    master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master_ < 0 || ::grantpt(master_) != 0 || ::unlockpt(master_) != 0) return;
    std::string slave = ::ptsname(master_);
    resize(rows, cols);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setsid();
      int fd = ::open(slave.c_str(), O_RDWR);
      ::ioctl(fd, TIOCSCTTY, 0);
      ::dup2(fd, 0);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::setenv("SHELL", "/bin/sh", 1);
      ::execlp("script", "script", "-q", "-c", shell.c_str(), "/dev/null", nullptr);
      ::_exit(127);
    }
  }
  ~Terminal() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (master_ >= 0) ::close(master_);
  }

  bool ok() const { return master_ >= 0 && pid_ > 0; }
  const std::string& output() const { return output_; }

  void type(const std::string& keys) { (void)!::write(master_, keys.data(), keys.size()); }
  void resize(unsigned short rows, unsigned short cols) {
    winsize size{rows, cols, 0, 0};
    ::ioctl(master_, TIOCSWINSZ, &size);
  }

  // Reads until the output holds `text`; false after `timeout`.
  bool wait_for(const std::string& text, std::chrono::milliseconds timeout = 10s) {
    auto deadline = Clock::now() + timeout;
    while (output_.find(text) == std::string::npos) {
      if (!read_some(deadline)) return false;
    }
    return true;
  }

  // Reads to the end (the slave's last close) and reaps script; its wait
  // status, or -1 after `timeout`.
  int wait_exit(std::chrono::milliseconds timeout = 15s) {
    auto deadline = Clock::now() + timeout;
    while (read_some(deadline)) {
    }
    if (Clock::now() >= deadline) return -1;
    int status = -1;
    ::waitpid(pid_, &status, 0);
    reaped_ = true;
    return status;
  }

 private:
  bool read_some(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{master_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) return false;
    char buffer[4096];
    ssize_t n = ::read(master_, buffer, sizeof buffer);
    if (n <= 0) return false;  // EIO: every slave closed
    output_.append(buffer, static_cast<size_t>(n));
    return true;
  }

  int master_ = -1;
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::string output_;
};

class TerminalTest : public MiniTest {
 protected:
  void SetUp() override {
    MiniTest::SetUp();
    if (skipped_) return;
    if (!have_script()) {
      skipped_ = true;
      if (in_ci()) {
        ADD_FAILURE() << "util-linux script(1) is required under CI=true";
        return;
      }
      GTEST_SKIP() << "util-linux script(1) is not installed";
    }
    import_busybox();
    dir_ = root_ / "tty";
    fs::create_directories(dir_);
    std::ofstream(dir_ / "empty");
  }

  std::string mini_line(const std::string& args) const {
    return std::string(MINI_BINARY) + " --root " + quote(root_.string()) + " " + args;
  }
  fs::path input(const std::string& bytes) {
    fs::path file = dir_ / ("input" + std::to_string(++inputs_));
    std::ofstream(file, std::ios::binary) << bytes;
    return file;
  }
  // The terminal settings before and after the command are the same, and
  // it exited with `code`.
  void expect_restored(int code, bool compare_all = true) {
    EXPECT_EQ(read_text(dir_ / "rc"), std::to_string(code) + "\n");
    std::string before = read_text(dir_ / "before.g");
    EXPECT_FALSE(before.empty());
    EXPECT_EQ(read_text(dir_ / "after.g"), before) << "stty -g differs after the run";
    if (compare_all) {
      EXPECT_EQ(read_text(dir_ / "after.a"), read_text(dir_ / "before.a"));
    }
  }

  fs::path dir_;
  int inputs_ = 0;
};

TEST_F(TerminalTest, RunTtyWritesTheContainersBytesUntranslated) {
  if (skipped_) return;
  std::string command = mini_line("run --rm -t bb echo hi");
  Captured file = script_with_file(wrapped(dir_, command), dir_ / "empty");
  EXPECT_EQ(file.out, "hi\r\n") << "stdin from a file that ends";
  expect_restored(0);

  Terminal terminal(wrapped(dir_, command), 24, 80);
  ASSERT_TRUE(terminal.ok());
  EXPECT_EQ(terminal.wait_exit(), 0);
  EXPECT_EQ(terminal.output(), "hi\r\n") << "stdin from a terminal";
  expect_restored(0);

  // Podman, where it is here and has the image, must agree byte for byte.
  if (run_process({"sh", "-c", "command -v podman && podman image exists busybox"}).exit_code == 0) {
    Captured podman = script_with_file("podman run --rm -t busybox echo hi", dir_ / "empty");
    EXPECT_EQ(podman.out, file.out) << "podman's bytes";
  }
}

TEST_F(TerminalTest, InteractiveReadGetsTheLineAndTheEndOfFile) {
  if (skipped_) return;
  std::string command = mini_line("run --rm -it bb sh -c 'read x; echo \"got $x\"'");
  Captured line = script_with_file(wrapped(dir_, command), input("hello\n"), "never");
  EXPECT_EQ(line.out, "hello\r\ngot hello\r\n");
  expect_restored(0);

  // The line, then the end of the file: script sends the end-of-file key,
  // which must end cat's input as it would at the container's terminal.
  std::string then_cat = mini_line("run --rm -it bb sh -c 'read x; cat; echo \"got $x\"'");
  Captured both = script_with_file(wrapped(dir_, then_cat), input("hello\n"), "never");
  EXPECT_EQ(both.out, "hello\r\ngot hello\r\n");
  expect_restored(0);

  // Input that ends at once: the end-of-file key arrives before mini is
  // raw and must reach cat as the key, not as a NUL its terminal echoes.
  std::string cat = mini_line("run --rm -it bb sh -c 'cat; echo done'");
  Captured eof = script_with_file(wrapped(dir_, cat), dir_ / "empty");
  EXPECT_EQ(eof.out, "done\r\n");
  expect_restored(0);
}

TEST_F(TerminalTest, InteractiveAtATerminal) {
  if (skipped_) return;
  Terminal terminal(wrapped(dir_, mini_line("run --rm -it bb sh -c 'echo ready; read x; echo \"got $x\"; cat'")),
                    24, 80);
  ASSERT_TRUE(terminal.ok());
  ASSERT_TRUE(terminal.wait_for("ready\r\n")) << terminal.output();
  terminal.type("hello\r");
  ASSERT_TRUE(terminal.wait_for("got hello\r\n")) << terminal.output();
  terminal.type("abc\r");
  ASSERT_TRUE(terminal.wait_for("abc\r\nabc\r\n")) << terminal.output();
  terminal.type("\x04");  // ^D, raw: cat's own terminal makes it the end of its input
  EXPECT_EQ(terminal.wait_exit(), 0);
  EXPECT_EQ(terminal.output(), "ready\r\nhello\r\ngot hello\r\nabc\r\nabc\r\n");
  expect_restored(0);
}

TEST_F(TerminalTest, ExecTty) {
  if (skipped_) return;
  ASSERT_EQ(mini({"run", "-d", "--name", "c", "bb", "sleep", "60"}).exit_code, 0);
  Captured echo = script_with_file(wrapped(dir_, mini_line("exec -t c echo hi")), dir_ / "empty");
  EXPECT_EQ(echo.out, "hi\r\n");
  expect_restored(0);

  std::string read_line = mini_line("exec -it c sh -c 'read x; echo \"got $x\"'");
  Captured line = script_with_file(wrapped(dir_, read_line), input("hello\n"), "never");
  EXPECT_EQ(line.out, "hello\r\ngot hello\r\n");
  expect_restored(0);

  Terminal terminal(wrapped(dir_, mini_line("exec -t c echo hi")), 24, 80);
  ASSERT_TRUE(terminal.ok());
  EXPECT_EQ(terminal.wait_exit(), 0);
  EXPECT_EQ(terminal.output(), "hi\r\n");
  expect_restored(0);
  EXPECT_EQ(mini({"rm", "-f", "c"}).exit_code, 0);
}

TEST_F(TerminalTest, WindowSizeFollowsTheTerminal) {
  if (skipped_) return;
  Terminal terminal(wrapped(dir_, mini_line("run --rm -it bb sh -c 'stty size; while read x; do stty size; done'")),
                    31, 97);
  ASSERT_TRUE(terminal.ok());
  ASSERT_TRUE(terminal.wait_for("31 97\r\n")) << terminal.output();
  terminal.resize(42, 123);
  // script passes the change on to its pty, mini (SIGWINCH) to the
  // container's; each Enter asks again until it is there.
  auto deadline = Clock::now() + 10s;
  while (terminal.output().find("42 123\r\n") == std::string::npos && Clock::now() < deadline) {
    terminal.type("\r");
    terminal.wait_for("42 123\r\n", 200ms);
  }
  EXPECT_THAT(terminal.output(), HasSubstr("\r\n42 123\r\n"));
  terminal.type("\x04");
  EXPECT_EQ(terminal.wait_exit(), 0);
  expect_restored(0, /*compare_all=*/false);  // stty -a shows the new size
}

// SIGINT and SIGTERM to mini reach the container, and a container killed
// outright ends the run: the terminal comes back as it was each time.
TEST_F(TerminalTest, TerminalIsRestoredAfterSignals) {
  if (skipped_) return;
  fs::path pid_file = dir_ / "pid";
  auto start = [&](const std::string& container_command) {
    std::string run = "sh -c " + quote("echo $$ >" + quote(pid_file.string()) + "; exec " +
                                       mini_line("run --rm -it bb sh -c " + quote(container_command)));
    return std::make_unique<Terminal>(wrapped(dir_, run), 24, 80);
  };
  auto mini_pid = [&] { return static_cast<pid_t>(std::atoi(read_text(pid_file).c_str())); };

  for (int sig : {SIGINT, SIGTERM}) {
    auto terminal = start("trap \"exit 5\" INT TERM; echo ready; while :; do sleep 0.05; done");
    ASSERT_TRUE(terminal->ok());
    ASSERT_TRUE(terminal->wait_for("ready\r\n")) << terminal->output();
    ASSERT_EQ(::kill(mini_pid(), sig), 0);
    EXPECT_EQ(terminal->wait_exit(), 0) << strsignal(sig);
    EXPECT_EQ(terminal->output(), "ready\r\n");
    expect_restored(5);
  }

  auto terminal = start("echo ready; sleep 60");
  ASSERT_TRUE(terminal->ok());
  ASSERT_TRUE(terminal->wait_for("ready\r\n")) << terminal->output();
  // The container's init is mini's child.
  std::string children = read_text("/proc/" + std::to_string(mini_pid()) + "/task/" +
                                   std::to_string(mini_pid()) + "/children");
  pid_t init = static_cast<pid_t>(std::atoi(children.c_str()));
  ASSERT_GT(init, 0) << children;
  ASSERT_EQ(::kill(init, SIGKILL), 0);
  EXPECT_EQ(terminal->wait_exit(), 0);
  expect_restored(137);
}

}  // namespace
}  // namespace mini::test
