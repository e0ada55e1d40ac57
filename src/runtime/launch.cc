#include "runtime/launch.h"

#include <fcntl.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include "common/error.h"
#include "common/identity.h"
#include "runtime/exit_status.h"
#include "runtime/terminal.h"

namespace mini::runtime {

namespace fs = std::filesystem;
using fsutil::UniqueFd;

namespace {

// A namespace file config.json names (linux.namespaces[].path): opened
// without blocking (a FIFO there must not hang the runtime) and checked to
// be a namespace of the wanted kind before anything joins it.
UniqueFd open_namespace(const std::string& path, int flag) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd) throw_errno("open the namespace " + path + " to join");
  struct statfs fs_info{};
  if (::fstatfs(fd.get(), &fs_info) != 0) throw_errno("stat the namespace " + path);
  int type = fs_info.f_type == NSFS_MAGIC ? ::ioctl(fd.get(), NS_GET_NSTYPE) : -1;
  if (type != flag)
    throw Error("the namespace path " + path + " is not a namespace of the kind it is given for; name a " +
                "/proc/PID/ns file of that kind");
  return fd;
}

// CapBnd of this process, from /proc/self/status.
uint64_t own_bounding_set() {
  try {
    std::string status = fsutil::read_file("/proc/self/status", 1 << 16);
    auto at = status.find("CapBnd:");
    if (at != std::string::npos) return std::stoull(status.substr(at + 7), nullptr, 16);
  } catch (const std::exception&) {
  }
  return ~uint64_t{0};
}

constexpr int kForwardedSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD};

int user_terminal(const StdioFds& stdio) { return stdio.terminal >= 0 ? stdio.terminal : stdio.in; }

// Where a pty's window size comes from: the user's terminal, else stdout.
int window_size_source(const StdioFds& stdio) {
  int terminal = user_terminal(stdio);
  return terminal >= 0 && ::isatty(terminal) ? terminal : stdio.out;
}

std::pair<UniqueFd, UniqueFd> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe");
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// What the child reported, as the error the user sees.
[[noreturn]] void throw_child_failure(const ChildReport& report, const std::string& command) {
  if (report.step == Step::Exec) {
    if (report.err == ENOENT || report.err == ENOTDIR) {
      std::string why = command.find('/') == std::string::npos ? "executable file not found in $PATH"
                                                                : "no such file or directory";
      throw ExecError("exec: \"" + command + "\": " + why, kExitNotFound);
    }
    throw ExecError("exec: \"" + command + "\": " + std::strerror(report.err),
                    exit_code_from_exec_errno(report.err));
  }
  throw Error(report_message(report));
}

void write_proc_file(pid_t pid, const char* file, const std::string& text) {
  fs::path path = "/proc/" + std::to_string(pid) + "/" + file;
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) throw_errno("open " + path.string());
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    throw_errno("write " + path.string() + " (check the uid/gid ranges in /etc/subuid and /etc/subgid)");
}

void write_id_map(pid_t pid, const char* file, const std::vector<IdMapping>& mappings) {
  std::string text;
  for (const auto& m : mappings)
    text += std::to_string(m.container_id) + " " + std::to_string(m.host_id) + " " + std::to_string(m.size) + "\n";
  write_proc_file(pid, file, text);
}

// Relays signals (and the pty, with a terminal) until PID 1 exits; returns
// its wait status. `to_master` starts with what was typed before the relay.
int relay(pid_t pid, int signal_fd, int master, const StdioFds& stdio, std::string to_master) {
  int status = 0;
  bool exited = false, master_open = master >= 0, stdin_open = master >= 0;
  // SIGCHLD alone is not enough: in a process with other threads (the
  // monitor's log copiers) it may land on a thread that doesn't block it.
  // The pidfd turns readable when the process ends, whoever gets the signal.
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  int winsize_source = window_size_source(stdio);
  if (master >= 0) {
    copy_window_size(winsize_source, master);
    // Never block on the container's input: one that does not read would
    // stall its output too. What it has not taken yet waits in to_master.
    ::fcntl(master, F_SETFL, ::fcntl(master, F_GETFL) | O_NONBLOCK);
  }
  // Input is not read further while this much waits for the container.
  constexpr size_t kInputBacklog = 1 << 16;
  auto flush_input = [&] {
    while (master_open && !to_master.empty()) {
      ssize_t n = ::write(master, to_master.data(), to_master.size());
      if (n > 0) {
        to_master.erase(0, static_cast<size_t>(n));
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        if (n < 0 && errno != EAGAIN) {
          // Its terminal is closed (EIO): the container is ending, and the
          // rest of the input has nowhere to go.
          to_master.clear();
          stdin_open = false;
        }
        return;
      }
    }
  };
  flush_input();
  char buffer[65536];
  while (!exited) {
    bool read_input = stdin_open && to_master.size() < kInputBacklog;
    short master_events = static_cast<short>(POLLIN | (to_master.empty() ? 0 : POLLOUT));
    pollfd fds[4] = {{signal_fd, POLLIN, 0},
                     {master_open ? master : -1, master_events, 0},
                     {read_input ? stdio.in : -1, POLLIN, 0},
                     {pidfd.get(), POLLIN, 0}};
    if (::poll(fds, 4, -1) < 0) {
      if (errno == EINTR) continue;
      throw_errno("poll");
    }
    if ((fds[3].revents & POLLIN) && ::waitpid(pid, &status, WNOHANG) == pid) exited = true;
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo info;
      while (::read(signal_fd, &info, sizeof(info)) == sizeof(info)) {
        int sig = static_cast<int>(info.ssi_signo);
        if (sig == SIGCHLD) {
          if (!exited && ::waitpid(pid, &status, WNOHANG) == pid) exited = true;
        } else if (sig == SIGWINCH) {
          if (master >= 0) copy_window_size(winsize_source, master);
        } else {
          ::kill(pid, sig);
        }
      }
    }
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::read(master, buffer, sizeof(buffer));
      if (n > 0) {
        fsutil::write_all(stdio.out, std::string_view(buffer, static_cast<size_t>(n)));
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        master_open = false;  // every slave closed: the container is ending
      }
    }
    if (fds[1].revents & POLLOUT) flush_input();
    if (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::read(stdio.in, buffer, sizeof(buffer));
      if (n > 0) {
        // Passed on as they came: from a raw terminal that is every key,
        // the end-of-file key included, for the container's own line
        // discipline to interpret.
        to_master.append(buffer, static_cast<size_t>(n));
        flush_input();
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        // The end of the input (a hung-up terminal, or /dev/null without
        // -i): stop copying, as Docker does, and add nothing of our own.
        stdin_open = false;
      }
    }
  }
  if (master_open) {
    // What the container wrote just before it ended is still in the pty.
    ssize_t n;
    while ((n = ::read(master, buffer, sizeof(buffer))) > 0)
      fsutil::write_all(stdio.out, std::string_view(buffer, static_cast<size_t>(n)));
  }
  return status;
}

// Enters a pid namespace for the next clone, and goes back to our own.
class PidNamespaceForClone {
 public:
  explicit PidNamespaceForClone(const std::optional<std::string>& path, int exec_pidfd) {
    if (!path && exec_pidfd < 0) return;
    own_.reset(::open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC));
    if (!own_) throw_errno("open /proc/self/ns/pid");
    if (path) {
      UniqueFd target = open_namespace(*path, CLONE_NEWPID);
      if (::setns(target.get(), CLONE_NEWPID) != 0) throw_errno("join the pid namespace " + *path);
    } else if (::setns(exec_pidfd, CLONE_NEWPID) != 0) {
      throw_errno("join the container's pid namespace");
    }
  }
  ~PidNamespaceForClone() {
    if (own_) ::setns(own_.get(), CLONE_NEWPID);
  }

 private:
  UniqueFd own_;
};

// A new time namespace for the next clone: its offsets can only be set
// before any process is in it, and clone() has no flag for it, so the parent
// unshares it (its children go there), writes the offsets, and goes back.
class TimeNamespaceForClone {
 public:
  explicit TimeNamespaceForClone(const LaunchTarget& target) {
    if (!target.new_time) return;
    own_.reset(::open("/proc/self/ns/time", O_RDONLY | O_CLOEXEC));
    if (!own_) throw_errno("open /proc/self/ns/time (does this kernel have time namespaces?)");
    if (::unshare(CLONE_NEWTIME) != 0) throw_errno("create the time namespace");
    std::string offsets;
    auto add = [&](const char* clock, const std::optional<std::pair<int64_t, int64_t>>& offset) {
      if (offset) offsets += std::string(clock) + " " + std::to_string(offset->first) + " " + std::to_string(offset->second) + "\n";
    };
    add("monotonic", target.monotonic_offset);
    add("boottime", target.boottime_offset);
    if (!offsets.empty()) {
      UniqueFd fd(::open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC));
      if (!fd || ::write(fd.get(), offsets.data(), offsets.size()) != static_cast<ssize_t>(offsets.size())) {
        int err = errno;
        ::setns(own_.get(), CLONE_NEWTIME);
        errno = err;
        throw_errno("write linux.timeOffsets to /proc/self/timens_offsets");
      }
    }
  }
  ~TimeNamespaceForClone() {
    if (own_) ::setns(own_.get(), CLONE_NEWTIME);
  }

 private:
  UniqueFd own_;
};

}  // namespace

SignalMask::SignalMask() {
  sigemptyset(&blocked_);
  for (int sig : kForwardedSignals) sigaddset(&blocked_, sig);
  pthread_sigmask(SIG_BLOCK, &blocked_, &original_);
  fd_.reset(::signalfd(-1, &blocked_, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!fd_) throw_errno("signalfd");
}

SignalMask::~SignalMask() { pthread_sigmask(SIG_SETMASK, &original_, nullptr); }

Launch::Launch(ChildPlan& plan, const LaunchTarget& target) {
  std::vector<UniqueFd> held;  // the parent's copies, closed once the child has its own
  for (const auto& file : target.cgroup_join_files) {
    UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) throw_errno("cgroup: open " + file.string());
    plan.cgroup_join_fds.push_back(fd.get());
    held.push_back(std::move(fd));
  }
  // Opened before clone: the path is the host's, and the child may not
  // reach it any more once it is in its own namespaces.
  for (const auto& join : target.joins) {
    UniqueFd fd = open_namespace(join.path, join.flag);
    plan.join_fds.emplace_back(fd.get(), join.flag);
    held.push_back(std::move(fd));
  }
  auto [go_read, go_write] = make_pipe();
  auto [report_read, report_write] = make_pipe();
  int console[2] = {-1, -1};
  if (plan.terminal && ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, console) != 0) throw_errno("socketpair");
  UniqueFd console_parent(console[0]), console_child(console[1]);
  int seccomp[2] = {-1, -1};
  if (plan.seccomp.notify && ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, seccomp) != 0)
    throw_errno("socketpair");
  UniqueFd seccomp_parent(seccomp[0]), seccomp_child(seccomp[1]);
  plan.seccomp_fd = seccomp_child.get();
  plan.go_fd = go_read.get();
  plan.report_fd = report_write.get();
  plan.console_fd = console_child.get();

  bool exec = target.exec_pidfd >= 0;
#if defined(__SANITIZE_ADDRESS__)
  // LeakSanitizer's check at exit clones a tracer, which would be born in
  // the container's pid namespace and hang; check now instead.
  if (exec || target.pid_namespace_path) __lsan_do_leak_check();
#endif
  pid_t pid;
  int err;
  {
    PidNamespaceForClone pid_namespace(target.pid_namespace_path, target.exec_joins_pid ? target.exec_pidfd : -1);
    TimeNamespaceForClone time_namespace(target);
    std::fflush(nullptr);  // the child shares stdio buffers until exec
    pid = static_cast<pid_t>(::syscall(SYS_clone, target.clone_flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr));
    err = errno;
    if (pid == 0) {
      if (exec) enter_container(plan, target.exec_pidfd, target.exec_namespaces);
      contain(plan);
    }
  }
  if (pid < 0) {
    if (exec) throw Error(std::string("fork the exec process: ") + std::strerror(err));
    std::string hint = err == EPERM ? "; creating namespaces needs root"
                       : err == EINVAL || err == ENOSPC
                           ? "; the kernel refused a namespace (see /proc/sys/user/max_*_namespaces)"
                           : "";
    throw Error(std::string("create the container's namespaces (clone): ") + std::strerror(err) + hint);
  }
  pid_ = pid;
  go_write_ = std::move(go_write);
  report_read_ = std::move(report_read);
  console_parent_ = std::move(console_parent);
  seccomp_parent_ = std::move(seccomp_parent);
}

Launch::~Launch() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
}

void Launch::go(bool again) {
  if (::write(go_write_.get(), "g", 1) != 1) throw_errno("start the container");
  if (!again) go_write_.reset();
}

UniqueFd Launch::receive_console() {
  UniqueFd master = receive_fd(console_parent_.get());
  console_parent_.reset();
  return master;
}

bool Launch::next_report(const std::string& command) {
  Step step = next_step(command);
  if (step == Step::Hooks) throw Error("the container's init stopped for hooks it has none of; this runtime is broken");
  return step == Step::Ready;
}

UniqueFd Launch::receive_seccomp_listener() {
  // Our copy of the child's end is gone (clone gave it its own): EOF means
  // the child died or failed before it sent anything.
  UniqueFd listener = receive_fd(seccomp_parent_.get());
  seccomp_parent_.reset();
  return listener;
}

Step Launch::next_step(const std::string& command) {
  ChildReport report;
  ssize_t n;
  do {
    n = ::read(report_read_.get(), &report, sizeof(report));
  } while (n < 0 && errno == EINTR);
  if (n == sizeof(report) && (report.step == Step::Ready || report.step == Step::Hooks)) return report.step;
  if (n == sizeof(report)) throw_child_failure(report, command);
  if (n != 0) throw Error("the container died while starting; run again, or check the kernel log (dmesg)");
  report_read_.reset();
  return Step::Exec;
}

int supervise(pid_t pid, int signal_fd, int master, const StdioFds& stdio) {
  int terminal = user_terminal(stdio);
  std::optional<RawMode> raw;
  if (master >= 0) raw.emplace(terminal, terminal == stdio.in);
  return relay(pid, signal_fd, master, stdio, raw ? raw->take_typed_ahead() : std::string());
}

// The process half of a plan, shared by run and exec.
void plan_process(ChildPlan& plan, const Process& process, const nlohmann::json& seccomp, const StdioFds& stdio) {
  for (const auto& limit : process.rlimits)
    plan.rlimits.push_back({rlimit_resource(limit.type), {limit.soft, limit.hard}});
  plan.uid = process.uid;
  plan.gid = process.gid;
  plan.groups = process.additional_gids;
  plan.capabilities = resolve_capabilities(process.capabilities, read_last_cap());
  // What the runtime's own bounding set lacks no process it starts can hold
  // (this host withholds CAP_SYS_RESOURCE, for one): "every capability"
  // means every one there is; a set that names one is refused by name.
  uint64_t own = own_bounding_set();
  if (!process.capabilities) {
    plan.capabilities.bounding &= own;
    plan.capabilities.effective &= own;
    plan.capabilities.permitted &= own;
  }
  uint64_t wanted = plan.capabilities.effective | plan.capabilities.permitted | plan.capabilities.inheritable |
                    plan.capabilities.ambient;
  for (int cap = 0; cap <= plan.capabilities.last_cap; ++cap)
    if ((wanted & ~own) & (uint64_t{1} << cap))
      throw Error("process.capabilities: " + capability_name(cap) +
                  " is not in the runtime's own bounding set (the host withholds it), so the container can't have "
                  "it; remove it");
  plan.no_new_privileges = process.no_new_privileges;
  plan.umask = process.umask ? static_cast<int>(*process.umask) : -1;
  plan.seccomp = compile_seccomp(seccomp);
  plan.cwd = process.cwd;
  plan.args = process.args;
  plan.env = process.env;
  plan.exec_candidates = exec_candidates(plan.args.front(), plan.env);
  plan.terminal = process.terminal;
  plan.stdin_fd = stdio.in;
  plan.stdout_fd = stdio.out;
  plan.stderr_fd = stdio.err;
  plan.window_size_fd = window_size_source(stdio);
}

namespace {

// Whether an unprivileged process may write `mappings` itself: only its
// own id, once (user_namespaces(7)).
bool self_mapping(const std::vector<IdMapping>& mappings, uint32_t own) {
  return mappings.size() == 1 && mappings[0].size == 1 && mappings[0].host_id == own;
}

// newuidmap/newgidmap (shadow's setuid helpers) write what /etc/subuid
// and /etc/subgid grant this user; their own message goes to our stderr.
void run_map_tool(const char* tool, pid_t pid, const std::vector<IdMapping>& mappings) {
  std::vector<std::string> args = {tool, std::to_string(pid)};
  for (const auto& m : mappings)
    for (uint32_t v : {m.container_id, m.host_id, m.size}) args.push_back(std::to_string(v));
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t child = ::fork();
  if (child < 0) throw_errno(std::string("fork ") + tool);
  if (child == 0) {
    ::execvp(tool, argv.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0)
    if (errno != EINTR) throw_errno(std::string("wait for ") + tool);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
    throw Error(std::string(tool) + " is not installed; install uidmap, or map only your own id");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw Error(std::string(tool) + " refused the spec's mappings; they must lie in your ranges in /etc/subuid and "
                "/etc/subgid");
}

}  // namespace

void write_id_maps(pid_t pid, const Spec& spec) {
  // An unprivileged caller (mini-oci --rootless) may write only its own id;
  // anything more goes through newuidmap/newgidmap.
  bool unprivileged = identity::rootless() && !identity::in_user_namespace();
  if (unprivileged && !self_mapping(spec.uid_mappings, ::geteuid())) {
    run_map_tool("newuidmap", pid, spec.uid_mappings);
    if (!self_mapping(spec.gid_mappings, ::getegid())) {
      run_map_tool("newgidmap", pid, spec.gid_mappings);
      return;
    }
  } else {
    write_id_map(pid, "uid_map", spec.uid_mappings);
  }
  // Without CAP_SETGID in the parent namespace the kernel takes a gid_map
  // only once setgroups is denied (user_namespaces(7)); root keeps it, so
  // the container's root can still set supplementary groups.
  if (::geteuid() != 0) write_proc_file(pid, "setgroups", "deny");
  write_id_map(pid, "gid_map", spec.gid_mappings);
}

}  // namespace mini::runtime
