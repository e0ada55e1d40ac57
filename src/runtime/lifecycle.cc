// The container lifecycle: create, start, state, kill, delete, exec, and
// run() made of them. The child's half is contain/; the launch sequence
// both births share is launch.cc.
#include "runtime/lifecycle.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <sstream>

#include "common/error.h"
#include "common/identity.h"
#include "runtime/cgroup.h"
#include "runtime/container.h"
#include "runtime/exit_status.h"
#include "runtime/launch.h"
#include "runtime/namespaces.h"

namespace mini::runtime {

namespace {

namespace fs = std::filesystem;
using fsutil::UniqueFd;

fs::path resolve_rootfs(const Spec& spec, const fs::path& bundle) {
  fs::path root = spec.root_path.is_absolute() ? spec.root_path : bundle / spec.root_path;
  std::error_code ec;
  root = fs::absolute(root, ec).lexically_normal();
  if (!fs::is_directory(root, ec))
    throw Error("root.path " + root.string() + " is not a directory; prepare the rootfs before starting");
  return root;
}

ChildPlan make_plan(const Spec& spec, const NamespacePlan& namespaces, const CreateOptions& options,
                    const cgroup::Hierarchy& cgroups) {
  ChildPlan plan;
  plan.rootfs = resolve_rootfs(spec, options.bundle).string();
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
  plan.new_user = namespaces.has(CLONE_NEWUSER);
  plan.new_uts = namespaces.has(CLONE_NEWUTS);
  // A network namespace joined by path is someone else's to configure.
  plan.new_net = namespaces.creates(CLONE_NEWNET);
  plan.new_cgroup = namespaces.new_cgroup;
  if (!plan.hostname.empty() && !plan.new_uts)
    throw Error("config.json: hostname needs a \"uts\" namespace; add it or drop the hostname");
  plan_process(plan, spec.process, spec.seccomp, options.stdio);
  plan.die_with_parent = options.die_with_parent;
  plan.preserve_fds = options.preserve_fds;
  return plan;
}

std::unique_ptr<cgroup::Manager> make_cgroup(const Spec& spec, const std::string& id, CgroupDriver driver,
                                             const cgroup::Hierarchy& hierarchy) {
  if (driver == CgroupDriver::Systemd) return cgroup::make_systemd_manager(spec.cgroups_path, id);
  std::string relative = spec.cgroups_path.empty() ? "mini/" + id : spec.cgroups_path;
  while (!relative.empty() && relative.front() == '/') relative.erase(0, 1);
  switch (driver) {
    case CgroupDriver::None: return cgroup::make_none_manager();
    case CgroupDriver::CgroupfsV1: return cgroup::make_v1_manager(hierarchy, relative);
    case CgroupDriver::CgroupfsV2:
      if (!hierarchy.unified) throw Error("cgroup: no cgroup2 filesystem is mounted; mount it or use the v1 driver");
      return cgroup::make_v2_manager(*hierarchy.unified, relative);
    default: return cgroup::make_manager(hierarchy, relative);
  }
}

std::string now_rfc3339() {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  tm utc{};
  ::gmtime_r(&now.tv_sec, &utc);
  char text[64];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &utc);
  return std::string(text) + "." + std::to_string(now.tv_nsec / 1000000 + 1000).substr(1) + "Z";
}

// Every process in the container's cgroups, as they list them now.
std::vector<pid_t> cgroup_members(const State& state) {
  std::vector<pid_t> pids;
  for (const auto& path : state.cgroup_paths) {
    std::string procs;
    try {
      procs = cgroup::read_control(path, "cgroup.procs");
    } catch (const Error&) {
      continue;
    }
    std::istringstream lines(procs);
    pid_t pid;
    while (lines >> pid)
      if (pid > 0) pids.push_back(pid);
  }
  return pids;
}

// What create hands to run: the launch, whose report pipe says whether the
// command exec'd, and the cgroup, whose OOM count run reports.
struct Birth {
  std::unique_ptr<Launch> launch;
  std::unique_ptr<cgroup::Manager> cgroups;
  Created created;
};

// Removes what a container left: kills what is still running (`force`),
// reaps init if it is ours, removes its cgroup and its state. Returns what
// could not be removed.
std::vector<std::string> destroy(StateDir& dir, bool force) {
  std::vector<std::string> problems;
  State state;
  try {
    state = dir.load();
  } catch (const Error&) {
    if (!force) throw;
    dir.remove();
    return problems;
  }
  Status status = current_status(state, dir);
  if (status != Status::Stopped && status != Status::Creating) {
    if (!force)
      throw Error("container " + state.id + " is " + status_name(status) +
                  "; stop it first, or delete it with force");
    UniqueFd pidfd = open_process(state.pid, state.pid_start_time);
    // Listed by the container's own cgroup a moment ago.
    for (pid_t pid : cgroup_members(state)) ::kill(pid, SIGKILL);
    if (pidfd) {
      ::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0);
      pollfd wait{pidfd.get(), POLLIN, 0};
      while (::poll(&wait, 1, 10000) < 0 && errno == EINTR) {
      }
    }
  }
  // Ours to reap when we created it; the start time says it is still that one.
  if (state.pid > 0 && is_same_process(state.pid, state.pid_start_time)) {
    int wait_status;
    ::waitpid(state.pid, &wait_status, WNOHANG);
  }
  for (const auto& path : state.cgroup_paths) {
    try {
      cgroup::remove_cgroup_dir(path);
    } catch (const Error& e) {
      problems.push_back(e.what());
    }
  }
  dir.remove();
  return problems;
}

Birth give_birth(const Spec& spec, const CreateOptions& options, const sigset_t* original_mask) {
  check_container_id(options.id);
  if (spec.process.args.empty()) throw Error("config.json: process.args is empty; name the command to run");
  NamespacePlan namespaces = plan_namespaces(spec.namespaces);
  cgroup::Hierarchy hierarchy = options.cgroup.hierarchy ? *options.cgroup.hierarchy : cgroup::detect_hierarchy();
  ChildPlan plan = make_plan(spec, namespaces, options, hierarchy);
  finalize_exec_arrays(plan);  // pointers into plan's strings: plan stays put from here on
  if (original_mask) {
    plan.original_mask = *original_mask;
  } else {
    pthread_sigmask(SIG_BLOCK, nullptr, &plan.original_mask);
  }

  StateDir dir(options.state_root, options.id, true);
  Birth birth;
  try {
    State state;
    state.oci_version = spec.oci_version;
    state.id = options.id;
    state.bundle = fs::absolute(options.bundle);
    state.annotations = spec.annotations;
    state.created = now_rfc3339();
    state.status = Status::Creating;
    dir.save(state);
    if (::mkfifo(dir.fifo().c_str(), 0622) != 0 || ::chmod(dir.fifo().c_str(), 0622) != 0)
      throw_errno("create " + dir.fifo().string());
    // Its own open file description: the child must not hold our lock.
    UniqueFd state_dir(::open(dir.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!state_dir) throw_errno("open " + dir.path().string());
    plan.state_dir_fd = state_dir.get();
    plan.lock_fd = dir.fd();

    birth.cgroups = make_cgroup(spec, options.id, options.cgroup.driver, hierarchy);
    try {
      birth.cgroups->create(cgroup::parse_limits(spec.resources));
    } catch (const Error&) {
      // As runc --rootless: a user without a delegated cgroup runs the
      // container without one, unless a driver was asked for by name.
      if (!identity::rootless() || options.cgroup.driver != CgroupDriver::Auto) throw;
      try {
        birth.cgroups->destroy();  // what it made before it was refused
      } catch (const Error&) {
      }
      birth.cgroups = cgroup::make_none_manager();
      birth.cgroups->create({});
    }
    state.cgroup_paths = birth.cgroups->paths();
    dir.save(state);

    LaunchTarget target;
    target.clone_flags = namespaces.clone_flags;
    target.cgroup_join_files = birth.cgroups->self_join_files();
    target.joins = namespaces.joins;
    target.pid_namespace_path = namespaces.pid_path;
    birth.launch = std::make_unique<Launch>(plan, target);
    pid_t pid = birth.launch->pid();
    if (namespaces.creates(CLONE_NEWUSER)) write_id_maps(pid, spec);
    if (target.cgroup_join_files.empty()) birth.cgroups->add_process(pid);
    if (options.before_start) options.before_start(pid);
    birth.launch->go();
    if (spec.process.terminal) birth.created.console = birth.launch->receive_console();
    if (!birth.launch->next_report(spec.process.args.front()))
      throw Error("the container's init exec'd before start; this runtime is broken");

    auto stat = read_process_stat(pid);
    if (!stat) throw Error("the container's init died while it was created");
    state.pid = pid;
    state.pid_start_time = stat->start_time;
    state.status = Status::Created;
    dir.save(state);
    if (options.pid_file) fsutil::write_file_atomic(*options.pid_file, std::to_string(pid), 0644, false);
    birth.created.pid = pid;
    return birth;
  } catch (...) {
    birth.launch.reset();  // killed and reaped before its cgroup goes
    if (birth.cgroups) {
      try {
        birth.cgroups->destroy();
      } catch (const Error&) {
      }
    }
    dir.remove();
    throw;
  }
}

// The state of a container, read under its lock.
State locked_state(const fs::path& state_root, const std::string& id) {
  StateDir dir(state_root, id, false);
  State state = dir.load();
  state.status = current_status(state, dir);
  return state;
}

RunResult exec_in(const Spec& spec, pid_t container_pid, std::optional<uint64_t> start_time, const Process& process,
                  const StdioFds& stdio);

}  // namespace

Created create(const Spec& spec, const CreateOptions& options) {
  Birth birth = give_birth(spec, options, nullptr);
  birth.launch->release();
  return std::move(birth.created);
}

void start(const fs::path& state_root, const std::string& id) {
  StateDir dir(state_root, id, false);
  State state = dir.load();
  Status status = current_status(state, dir);
  if (status != Status::Created)
    throw Error("container " + id + " is " + status_name(status) + "; only a created container can be started");
  UniqueFd fifo(::open(dir.fifo().c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fifo) throw_errno("open " + dir.fifo().string());
  // init is blocked opening the fifo for writing; our open lets it through,
  // and its byte says it got there. Between polls: is it still alive?
  for (;;) {
    pollfd ready{fifo.get(), POLLIN, 0};
    int n = ::poll(&ready, 1, 100);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("wait for the container's init");
    if (n > 0) {
      char byte;
      ssize_t got = ::read(fifo.get(), &byte, 1);
      if (got == 1) break;
      if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      throw Error("container " + id + "'s init went away before it could start; delete it and create it again");
    }
    auto stat = read_process_stat(state.pid);
    if (!stat || stat->start_time != state.pid_start_time || stat->state == 'Z')
      throw Error("container " + id + "'s init exited before it could start; delete it and create it again");
  }
  ::unlink(dir.fifo().c_str());
  state.status = Status::Running;
  dir.save(state);
}

State state(const fs::path& state_root, const std::string& id) {
  State state = locked_state(state_root, id);
  if (state.status == Status::Stopped) state.pid = 0;
  return state;
}

void kill(const fs::path& state_root, const std::string& id, int signal, bool all) {
  StateDir dir(state_root, id, false);
  State state = dir.load();
  Status status = current_status(state, dir);
  UniqueFd pidfd;
  if (status != Status::Stopped && status != Status::Creating) pidfd = open_process(state.pid, state.pid_start_time);
  if (!pidfd) throw Error("container " + id + " is not running; there is no process to signal");
  if (all) {
    for (pid_t pid : cgroup_members(state)) {
      if (pid == state.pid) continue;
      UniqueFd member(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
      if (member) ::syscall(SYS_pidfd_send_signal, member.get(), signal, nullptr, 0);
    }
  }
  if (::syscall(SYS_pidfd_send_signal, pidfd.get(), signal, nullptr, 0) != 0)
    throw_errno("send signal " + std::to_string(signal) + " to container " + id);
}

void delete_container(const fs::path& state_root, const std::string& id, bool force) {
  StateDir dir(state_root, id, false);
  auto problems = destroy(dir, force);
  if (!problems.empty()) throw Error(problems.front());
}

RunResult exec(const fs::path& state_root, const std::string& id, const Process& process, const StdioFds& stdio) {
  State current = locked_state(state_root, id);
  if (current.status != Status::Running)
    throw Error("container " + id + " is " + status_name(current.status) + "; exec needs a running container");
  Spec spec = load_spec(current.bundle / "config.json");
  return exec_in(spec, current.pid, current.pid_start_time, process, stdio);
}

RunResult run(const Spec& spec, const RunOptions& options) {
  CreateOptions create_options;
  create_options.id = options.container_id;
  create_options.bundle = options.bundle;
  create_options.state_root = options.state_root.empty() ? default_state_root() : options.state_root;
  create_options.stdio = options.stdio;
  create_options.cgroup = options.cgroup;
  create_options.before_start = options.before_start;
  const fs::path& root = create_options.state_root;
  check_container_id(options.container_id);
  // A run that was killed left its state; its container died with it.
  if (std::error_code ec; fs::exists(root / options.container_id, ec)) {
    StateDir stale(root, options.container_id, false);
    destroy(stale, false);
  }

  SignalMask signals;
  Birth birth = give_birth(spec, create_options, &signals.original());
  RunResult result;
  try {
    start(root, options.container_id);
    birth.launch->next_report(spec.process.args.front());
    pid_t pid = birth.created.pid;
    if (options.on_started) options.on_started(pid);
    int status = supervise(pid, signals.fd(), birth.created.console.get(), options.stdio);
    birth.launch->release();
    result.exit_code = exit_code_from_wait_status(status);
    result.oom_killed = birth.cgroups->oom_killed();
  } catch (...) {
    birth.launch.reset();
    try {
      StateDir dir(root, options.container_id, false);
      destroy(dir, true);
    } catch (const Error&) {
    }
    throw;
  }
  StateDir dir(root, options.container_id, false);
  result.warnings = destroy(dir, true);
  return result;
}

fs::path default_state_root() {
  // The host's root, not geteuid(): a rootless mini is root of its own user namespace.
  if (!identity::rootless()) return "/run/mini/runtime";
  return identity::runtime_dir() / "mini" / "runtime";
}

namespace {

// The files through which a new process joins every cgroup `container` is
// in, as /proc shows them: v1 `tasks`, which a thread moving itself writes
// without the kernel's global lock (cgroup_v1.cc), and v2 cgroup.procs.
std::vector<fs::path> cgroup_join_files(pid_t container, const cgroup::Hierarchy& hierarchy) {
  std::vector<fs::path> files;
  std::string text = fsutil::read_file("/proc/" + std::to_string(container) + "/cgroup", 1 << 16);
  // Where we already are needs no joining, and a rootless container without
  // a cgroup of its own sits in its user's, which the user may not write.
  std::string own = "\n" + fsutil::read_file("/proc/self/cgroup", 1 << 16);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    if (own.find("\n" + line + "\n") != std::string::npos) continue;
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

// True when this process is (now) in the user namespace of `pid`. A
// rootless container lives in the namespace of the mini that made it (or
// its spec's own): an unprivileged caller enters it first, since only from
// inside does it hold the capabilities that entering the container's other
// namespaces needs (setns into a pid namespace, too, for the clone). Root's
// child joins it with the rest.
bool enter_user_namespace_of(pid_t pid) {
  struct stat mine {}, theirs {};
  std::string path = "/proc/" + std::to_string(pid) + "/ns/user";
  if (::stat("/proc/self/ns/user", &mine) != 0 || ::stat(path.c_str(), &theirs) != 0)
    throw_errno("read the user namespace of process " + std::to_string(pid));
  if (mine.st_ino == theirs.st_ino && mine.st_dev == theirs.st_dev) return true;
  if (!identity::rootless()) return false;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd || ::setns(fd.get(), CLONE_NEWUSER) != 0)
    throw_errno("join the user namespace of the container (process " + std::to_string(pid) +
                "); a rootless container is entered by the user who runs it");
  identity::refresh();
  return true;
}

RunResult exec_in(const Spec& spec, pid_t container_pid, std::optional<uint64_t> start_time, const Process& process,
                  const StdioFds& stdio) {
  if (process.args.empty()) throw Error("exec: no command given");
  ChildPlan plan;
  plan_process(plan, process, spec.seccomp, stdio);
  finalize_exec_arrays(plan);
  cgroup::Hierarchy hierarchy = cgroup::detect_hierarchy();

  UniqueFd pidfd = start_time ? open_process(container_pid, *start_time)
                              : UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, container_pid, 0)));
  if (!pidfd) throw_errno("find the container's process " + std::to_string(container_pid) + " (is it running?)");
  bool in_its_userns = enter_user_namespace_of(container_pid);
  LaunchTarget target;
  target.cgroup_join_files = cgroup_join_files(container_pid, hierarchy);
  target.exec_pidfd = pidfd.get();
  target.exec_namespaces = exec_namespace_flags(spec.namespaces);
  // setns refuses the user namespace one is already in.
  if (in_its_userns) target.exec_namespaces &= ~CLONE_NEWUSER;
  target.exec_joins_pid = spec.has_namespace("pid");
  SignalMask signals;
  plan.original_mask = signals.original();
  Launch launch(plan, target);
  launch.go();
  UniqueFd master;
  if (process.terminal) master = launch.receive_console();
  launch.next_report(process.args.front());
  int status = supervise(launch.pid(), signals.fd(), master.get(), stdio);
  launch.release();
  return RunResult{exit_code_from_wait_status(status), false, {}};
}

}  // namespace

RunResult run_container(const Spec& spec, const RunOptions& options) { return run(spec, options); }

RunResult exec_in_container(const Spec& spec, pid_t container_pid, const Process& process, const StdioFds& stdio) {
  return exec_in(spec, container_pid, std::nullopt, process, stdio);
}

}  // namespace mini::runtime
