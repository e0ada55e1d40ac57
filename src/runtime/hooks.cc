#include "runtime/hooks.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "common/error.h"
#include "common/fs_util.h"
#include "runtime/namespaces.h"

namespace mini::runtime {

namespace {

using fsutil::UniqueFd;

// The namespaces of `pid` that differ from ours, as CLONE_NEW* flags: setns
// refuses to "join" the user namespace one is already in.
int differing_namespaces(pid_t pid) {
  int flags = 0;
  for (const auto& kind : namespace_table()) {
    if (kind.flag == CLONE_NEWPID) continue;  // applies to children only; the hook stays in ours
    struct stat mine {}, theirs {};
    std::string own = std::string("/proc/self/ns/") + kind.proc_name;
    std::string other = "/proc/" + std::to_string(pid) + "/ns/" + kind.proc_name;
    if (::stat(own.c_str(), &mine) != 0 || ::stat(other.c_str(), &theirs) != 0) continue;
    if (mine.st_ino != theirs.st_ino || mine.st_dev != theirs.st_dev) flags |= kind.flag;
  }
  return flags;
}

// Runs one hook; "" when it succeeded, else why not.
std::string run_one(const Hook& hook, const HookContext& context) {
  std::vector<std::string> args = hook.args.empty() ? std::vector<std::string>{hook.path} : hook.args;
  std::vector<char*> argv, envp;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = hook.env;
  for (auto& entry : env) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::string name = "hook " + std::string(context.kind) + " " + hook.path;

  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) throw_errno("pipe for " + name);
  UniqueFd in_read(in[0]), in_write(in[1]), out_read(out[0]), out_write(out[1]);
  // The state goes in before the hook runs: it fits a pipe's buffer, and a
  // hook that never reads its stdin can't make us block (or take SIGPIPE).
  ::fcntl(in_write.get(), F_SETFL, O_NONBLOCK);
  (void)::write(in_write.get(), context.state_json.data(), context.state_json.size());
  in_write.reset();

  UniqueFd target;
  int namespaces = 0;
  if (context.enter_namespaces_of > 0) {
    target.reset(static_cast<int>(::syscall(SYS_pidfd_open, context.enter_namespaces_of, 0)));
    if (!target) throw_errno(name + ": find the container's process");
    namespaces = differing_namespaces(context.enter_namespaces_of);
  }
  pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork for " + name);
  if (pid == 0) {
    if (namespaces && ::setns(target.get(), namespaces) != 0) ::_exit(126);
    ::dup2(in_read.get(), 0);
    ::dup2(out_write.get(), 1);
    ::dup2(out_write.get(), 2);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(hook.path.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  in_read.reset();
  out_write.reset();
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(hook.timeout.value_or(0));
  std::string output;
  bool out_open = true, timed_out = false;
  int status = 0;
  for (;;) {
    int wait_ms = -1;
    if (hook.timeout) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      wait_ms = left.count() > 0 ? static_cast<int>(left.count()) : 0;
    }
    pollfd fds[2] = {{pidfd.get(), POLLIN, 0}, {out_open ? out_read.get() : -1, POLLIN, 0}};
    int n = ::poll(fds, 2, wait_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) {
      timed_out = true;
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    if (fds[1].revents) {
      char buffer[4096];
      ssize_t got = ::read(out_read.get(), buffer, sizeof(buffer));
      if (got > 0 && output.size() < 4096) output.append(buffer, static_cast<size_t>(got));
      if (got <= 0) out_open = false;
    }
    if (fds[0].revents & POLLIN) {
      if (::waitpid(pid, &status, 0) == pid) break;
    }
  }
  while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
  for (char& c : output)
    if (c == '\n') c = ' ';
  std::string said = output.empty() ? "" : " (it said: " + output.substr(0, 400) + ")";
  if (timed_out) return name + " timed out after " + std::to_string(*hook.timeout) + "s and was killed" + said;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && output.empty())
    return name + " could not be executed; check that the path exists and is executable";
  if (WIFEXITED(status)) return name + " failed with exit status " + std::to_string(WEXITSTATUS(status)) + said;
  return name + " was killed by signal " + std::to_string(WTERMSIG(status)) + said;
}

}  // namespace

void run_hooks(const std::vector<Hook>& hooks, const HookContext& context) {
  for (const auto& hook : hooks)
    if (std::string failure = run_one(hook, context); !failure.empty()) throw Error(failure);
}

std::vector<std::string> run_hooks_collecting(const std::vector<Hook>& hooks, const HookContext& context) {
  std::vector<std::string> failures;
  for (const auto& hook : hooks) {
    try {
      if (std::string failure = run_one(hook, context); !failure.empty()) failures.push_back(failure);
    } catch (const Error& e) {
      failures.push_back(e.what());
    }
  }
  return failures;
}

}  // namespace mini::runtime
