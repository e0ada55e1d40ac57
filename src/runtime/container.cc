// The parent's half of a container's life: plan, clone, hand over, relay,
// wait, tear down. The child's half is contain() in child.cc.
#include "runtime/container.h"

#include <fcntl.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/error.h"
#include "common/fs_util.h"
#include "runtime/cgroup.h"
#include "runtime/child.h"
#include "runtime/exit_status.h"
#include "runtime/terminal.h"

namespace mini::runtime {

namespace {

namespace fs = std::filesystem;
using fsutil::UniqueFd;

constexpr int kForwardedSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD};

int user_terminal(const StdioFds& stdio) { return stdio.terminal >= 0 ? stdio.terminal : stdio.in; }

// Where a pty's window size comes from: the user's terminal, else stdout.
int window_size_source(const StdioFds& stdio) {
  int terminal = user_terminal(stdio);
  return terminal >= 0 && ::isatty(terminal) ? terminal : stdio.out;
}

unsigned long clone_flags(const Spec& spec) {
  unsigned long flags = 0;
  for (const auto& ns : spec.namespaces) {
    if (!ns.path.empty())
      throw Error("config.json: joining an existing " + ns.type + " namespace (" + ns.path +
                  ") is not supported yet; drop its \"path\" to create a new one");
    if (ns.type == "pid") flags |= CLONE_NEWPID;
    else if (ns.type == "network") flags |= CLONE_NEWNET;
    else if (ns.type == "mount") flags |= CLONE_NEWNS;
    else if (ns.type == "ipc") flags |= CLONE_NEWIPC;
    else if (ns.type == "uts") flags |= CLONE_NEWUTS;
    else if (ns.type == "user") flags |= CLONE_NEWUSER;
    // cgroup: unshared by the child once it sits in its cgroup.
  }
  if (!(flags & CLONE_NEWNS))
    throw Error("config.json: mini needs a \"mount\" namespace in linux.namespaces; it never mounts in the host's");
  return flags;
}

fs::path resolve_rootfs(const Spec& spec, const RunOptions& options) {
  fs::path root = spec.root_path.is_absolute() ? spec.root_path : options.bundle / spec.root_path;
  std::error_code ec;
  root = fs::absolute(root, ec).lexically_normal();
  if (!fs::is_directory(root, ec))
    throw Error("root.path " + root.string() + " is not a directory; prepare the rootfs before starting");
  return root;
}

// The process half of a plan, shared by run and exec.
void plan_process(ChildPlan& plan, const Process& process, const nlohmann::json& seccomp, const StdioFds& stdio) {
  for (const auto& limit : process.rlimits)
    plan.rlimits.push_back({rlimit_resource(limit.type), {limit.soft, limit.hard}});
  plan.uid = process.uid;
  plan.gid = process.gid;
  plan.groups = process.additional_gids;
  plan.capabilities = resolve_capabilities(process.capabilities, read_last_cap());
  plan.no_new_privileges = process.no_new_privileges;
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

ChildPlan make_plan(const Spec& spec, const RunOptions& options, const cgroup::Hierarchy& cgroups) {
  ChildPlan plan;
  plan.rootfs = resolve_rootfs(spec, options).string();
  plan.mounts = plan_mounts(spec.mounts, host_path_is_directory, cgroups);
  plan.source_fds.assign(plan.mounts.size(), -1);
  for (const auto& step : plan.mounts)
    if (step.target == "/dev" && step.fstype == "tmpfs") plan.populate_dev = true;
  for (const auto& device : spec.devices) {
    fs::path path(device.path);
    mode_t type = device.type == 'b' ? S_IFBLK : device.type == 'p' ? S_IFIFO : S_IFCHR;
    plan.devices.push_back({path.parent_path().string(), path.filename().string(), device.path,
                            static_cast<mode_t>(type | (device.file_mode & 07777)),
                            makedev(static_cast<unsigned>(device.major), static_cast<unsigned>(device.minor)),
                            device.uid, device.gid});
  }
  plan.masked_paths = spec.masked_paths;
  plan.readonly_paths = spec.readonly_paths;
  plan.root_readonly = spec.root_readonly;
  plan.hostname = spec.hostname;
  plan.new_user = spec.has_namespace("user");
  plan.new_uts = spec.has_namespace("uts");
  plan.new_net = spec.has_namespace("network");
  plan.new_cgroup = spec.has_namespace("cgroup");
  if (!plan.hostname.empty() && !plan.new_uts)
    throw Error("config.json: hostname needs a \"uts\" namespace; add it or drop the hostname");
  plan_process(plan, spec.process, spec.seccomp, options.stdio);
  return plan;
}

std::pair<UniqueFd, UniqueFd> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe");
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

std::string hint_for(const std::string& step, int err) {
  if (err == EPERM || err == EACCES) {
    if (step.rfind("exec", 0) == 0) return "";
    return "; mini run needs root (or the capabilities to create namespaces and mount)";
  }
  if (step.rfind("create mount target", 0) == 0 && (err == ENOTDIR || err == EEXIST))
    return "; something in the image is in the way of that mount target";
  if (step.rfind("enter working directory", 0) == 0) return "; check -w/WORKDIR and the user's permissions";
  return "";
}

// What the child reported, as the error the user sees.
[[noreturn]] void throw_child_failure(const ChildReport& report, const std::string& command) {
  std::string step = report.step;
  if (step == "exec") {
    if (report.err == ENOENT || report.err == ENOTDIR) {
      std::string why = command.find('/') == std::string::npos ? "executable file not found in $PATH"
                                                                : "no such file or directory";
      throw ExecError("exec: \"" + command + "\": " + why, kExitNotFound);
    }
    throw ExecError("exec: \"" + command + "\": " + std::strerror(report.err),
                    exit_code_from_exec_errno(report.err));
  }
  // Refusals arrive as the whole message, without an errno.
  if (report.err == 0) throw Error(step);
  throw Error(step + ": " + std::strerror(report.err) + hint_for(step, report.err));
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

// Opens, in the parent, the files the child writes "0" to to join its
// cgroups (child.cc join_cgroups), and lists them in `plan`. The parent
// keeps them open until the clone, then closes its copies.
std::vector<UniqueFd> open_cgroup_join_files(const std::vector<fs::path>& files, ChildPlan& plan) {
  std::vector<UniqueFd> opened;
  for (const auto& file : files) {
    UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) throw_errno("cgroup: open " + file.string());
    plan.cgroup_join_fds.push_back(fd.get());
    opened.push_back(std::move(fd));
  }
  return opened;
}

// Kills and reaps the child if we leave early; tears the cgroup down last.
class ChildReaper {
 public:
  ChildReaper(pid_t pid, cgroup::Manager& cgroups) : pid_(pid), cgroups_(cgroups) {}
  ~ChildReaper() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status;
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
    }
    try {
      cgroups_.destroy();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "mini: warning: %s\n", e.what());
    }
  }
  void reaped() { pid_ = -1; }

 private:
  pid_t pid_;
  cgroup::Manager& cgroups_;
};

class SignalMask {
 public:
  SignalMask() {
    sigemptyset(&blocked_);
    for (int sig : kForwardedSignals) sigaddset(&blocked_, sig);
    pthread_sigmask(SIG_BLOCK, &blocked_, &original_);
    fd_.reset(::signalfd(-1, &blocked_, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd_) throw_errno("signalfd");
  }
  ~SignalMask() { pthread_sigmask(SIG_SETMASK, &original_, nullptr); }
  const sigset_t& original() const { return original_; }
  int fd() const { return fd_.get(); }

 private:
  sigset_t blocked_, original_;
  UniqueFd fd_;
};

// Relays signals (and the pty, with a terminal) until PID 1 exits; returns
// its wait status. `to_master` starts with what was typed before the relay.
int supervise(pid_t pid, int signal_fd, int master, const StdioFds& stdio, std::string to_master) {
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

}  // namespace

RunResult run_container(const Spec& spec, const RunOptions& options) {
  unsigned long flags = clone_flags(spec);
  cgroup::Hierarchy hierarchy = cgroup::detect_hierarchy();
  ChildPlan plan = make_plan(spec, options, hierarchy);
  finalize_exec_arrays(plan);  // pointers into plan's strings: plan stays put from here on

  std::string relative = spec.cgroups_path.empty() ? "mini/" + options.container_id : spec.cgroups_path;
  while (!relative.empty() && relative.front() == '/') relative.erase(0, 1);
  auto cgroups = cgroup::make_manager(hierarchy, relative);
  cgroups->create(cgroup::parse_limits(spec.resources));

  std::vector<UniqueFd> cgroup_join = open_cgroup_join_files(cgroups->self_join_files(), plan);
  auto [go_read, go_write] = make_pipe();
  auto [report_read, report_write] = make_pipe();
  int console[2] = {-1, -1};
  if (spec.process.terminal && ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, console) != 0)
    throw_errno("socketpair");
  UniqueFd console_parent(console[0]), console_child(console[1]);
  plan.go_fd = go_read.get();
  plan.report_fd = report_write.get();
  plan.console_fd = console_child.get();

  SignalMask signals;
  plan.original_mask = signals.original();
  std::fflush(nullptr);  // the child shares stdio buffers until exec
  pid_t pid = static_cast<pid_t>(::syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr));
  if (pid == 0) contain(plan);
  if (pid < 0) {
    int err = errno;
    try {
      cgroups->destroy();
    } catch (const std::exception&) {
    }
    std::string hint = err == EPERM ? "; creating namespaces needs root"
                       : err == EINVAL || err == ENOSPC
                           ? "; the kernel refused a namespace (see /proc/sys/user/max_*_namespaces)"
                           : "";
    throw Error(std::string("create the container's namespaces (clone): ") + std::strerror(err) + hint);
  }
  ChildReaper reaper(pid, *cgroups);
  cgroup_join.clear();
  go_read.reset();
  report_write.reset();
  console_child.reset();

  if (plan.new_user) {
    write_id_map(pid, "uid_map", spec.uid_mappings);
    // Without CAP_SETGID in the parent namespace the kernel takes a gid_map
    // only once setgroups is denied (user_namespaces(7)); root keeps it, so
    // the container's root can still set supplementary groups.
    if (::geteuid() != 0) write_proc_file(pid, "setgroups", "deny");
    write_id_map(pid, "gid_map", spec.gid_mappings);
  }
  if (plan.cgroup_join_fds.empty()) cgroups->add_process(pid);
  if (options.before_start) options.before_start(pid);
  if (::write(go_write.get(), "g", 1) != 1) throw_errno("start the container");
  go_write.reset();

  UniqueFd master;
  if (spec.process.terminal) master = receive_fd(console_parent.get());
  console_parent.reset();
  ChildReport report;
  ssize_t n;
  do {
    n = ::read(report_read.get(), &report, sizeof(report));
  } while (n < 0 && errno == EINTR);
  if (n == sizeof(report)) throw_child_failure(report, spec.process.args.front());
  if (n != 0) throw Error("the container died while starting; run again, or check the kernel log (dmesg)");
  report_read.reset();

  if (options.on_started) options.on_started(pid);
  int terminal = user_terminal(options.stdio);
  std::optional<RawMode> raw;
  if (master) raw.emplace(terminal, terminal == options.stdio.in);
  int status = supervise(pid, signals.fd(), master.get(), options.stdio,
                         raw ? raw->take_typed_ahead() : std::string());
  raw.reset();
  reaper.reaped();

  RunResult result;
  result.exit_code = exit_code_from_wait_status(status);
  result.oom_killed = cgroups->oom_killed();
  return result;
}

namespace {

// The files through which a new process joins every cgroup `container` is
// in, as /proc shows them: v1 `tasks`, which a thread moving itself writes
// without the kernel's global lock (cgroup_v1.cc), and v2 cgroup.procs.
std::vector<fs::path> cgroup_join_files(pid_t container, const cgroup::Hierarchy& hierarchy) {
  std::vector<fs::path> files;
  std::string text = fsutil::read_file("/proc/" + std::to_string(container) + "/cgroup", 1 << 16);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    auto first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    std::string controllers = line.substr(first + 1, second - first - 1), path = line.substr(second + 1);
    std::optional<fs::path> mount;
    if (controllers.empty()) {
      mount = hierarchy.unified;
    } else {
      std::string controller = controllers.substr(0, controllers.find(','));
      if (auto it = hierarchy.v1_mounts.find(controller); it != hierarchy.v1_mounts.end()) mount = it->second;
    }
    if (!mount || controllers.rfind("name=", 0) == 0) continue;
    fs::path dir = *mount / fs::path(path).relative_path();
    // A v2 cgroup with children takes no processes; the container's own leaf does.
    fs::path file = dir / (controllers.empty() ? "cgroup.procs" : "tasks");
    if (fs::exists(file)) files.push_back(file);
  }
  return files;
}

int namespace_flags(const Spec& spec) {
  int flags = 0;
  for (const auto& ns : spec.namespaces) {
    if (ns.type == "user") flags |= CLONE_NEWUSER;
    else if (ns.type == "mount") flags |= CLONE_NEWNS;
    else if (ns.type == "network") flags |= CLONE_NEWNET;
    else if (ns.type == "ipc") flags |= CLONE_NEWIPC;
    else if (ns.type == "uts") flags |= CLONE_NEWUTS;
    else if (ns.type == "cgroup") flags |= CLONE_NEWCGROUP;
  }
  return flags;
}

}  // namespace

RunResult exec_in_container(const Spec& spec, pid_t container_pid, const Process& process, const StdioFds& stdio) {
  ChildPlan plan;
  plan_process(plan, process, spec.seccomp, stdio);
  finalize_exec_arrays(plan);
  cgroup::Hierarchy hierarchy = cgroup::detect_hierarchy();

  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, container_pid, 0)));
  if (!pidfd) throw_errno("find the container's process " + std::to_string(container_pid) + " (is it running?)");
  std::vector<UniqueFd> cgroup_join = open_cgroup_join_files(cgroup_join_files(container_pid, hierarchy), plan);
  auto [go_read, go_write] = make_pipe();
  auto [report_read, report_write] = make_pipe();
  int console[2] = {-1, -1};
  if (process.terminal && ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, console) != 0) throw_errno("socketpair");
  UniqueFd console_parent(console[0]), console_child(console[1]);
  plan.go_fd = go_read.get();
  plan.report_fd = report_write.get();
  plan.console_fd = console_child.get();

#if defined(__SANITIZE_ADDRESS__)
  // LeakSanitizer's check at exit clones a tracer, which would be born in
  // the container's pid namespace and hang; check now instead.
  __lsan_do_leak_check();
#endif
  // The pid namespace applies to children only: enter it here, so the
  // process forked next is born inside.
  if (spec.has_namespace("pid") && ::setns(pidfd.get(), CLONE_NEWPID) != 0)
    throw_errno("join the container's pid namespace");
  SignalMask signals;
  plan.original_mask = signals.original();
  std::fflush(nullptr);
  pid_t pid = static_cast<pid_t>(::syscall(SYS_clone, SIGCHLD, nullptr, nullptr, nullptr, nullptr));
  if (pid == 0) enter_container(plan, pidfd.get(), namespace_flags(spec));
  if (pid < 0) throw_errno("fork the exec process");
  cgroup_join.clear();
  go_read.reset();
  report_write.reset();
  console_child.reset();
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      if (pid <= 0) return;
      ::kill(pid, SIGKILL);
      int status;
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
  } reaper{pid};

  if (::write(go_write.get(), "g", 1) != 1) throw_errno("start the exec process");
  go_write.reset();
  UniqueFd master;
  if (process.terminal) master = receive_fd(console_parent.get());
  console_parent.reset();
  ChildReport report;
  ssize_t n;
  do {
    n = ::read(report_read.get(), &report, sizeof(report));
  } while (n < 0 && errno == EINTR);
  if (n == sizeof(report)) throw_child_failure(report, process.args.front());
  if (n != 0) throw Error("the exec process died while starting");
  int terminal = user_terminal(stdio);
  std::optional<RawMode> raw;
  if (master) raw.emplace(terminal, terminal == stdio.in);
  int status = supervise(pid, signals.fd(), master.get(), stdio,
                         raw ? raw->take_typed_ahead() : std::string());
  raw.reset();
  reaper.pid = -1;
  return RunResult{exit_code_from_wait_status(status), false};
}

}  // namespace mini::runtime
