// The container lifecycle: create, start, state, kill, delete, exec, and
// run() made of them. The child's half is contain/; the launch sequence
// both births share is launch.cc.
#include "common/time.h"
#include "runtime/lifecycle.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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
#include "runtime/hooks.h"
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
  plan.domainname = spec.domainname;
  for (const auto& [key, value] : spec.sysctl) {
    std::string name = key;
    std::replace(name.begin(), name.end(), '.', '/');
    plan.sysctls.emplace_back(name, value);
  }
  plan.rootfs_propagation = spec.rootfs_propagation;
  if (spec.personality) plan.personality = static_cast<long>(spec.personality->domain);
  plan.hook_sync = !spec.hooks.prestart.empty() || !spec.hooks.create_runtime.empty() ||
                   !spec.hooks.create_container.empty();
  plan.new_user = namespaces.has(CLONE_NEWUSER);
  plan.new_uts = namespaces.has(CLONE_NEWUTS);
  // A network namespace joined by path is someone else's to configure.
  plan.new_net = namespaces.creates(CLONE_NEWNET);
  plan.new_cgroup = namespaces.new_cgroup;
  if (!plan.hostname.empty() && !plan.new_uts)
    throw Error("config.json: hostname needs a \"uts\" namespace; add it or drop the hostname");
  if (!plan.domainname.empty() && !plan.new_uts)
    throw Error("config.json: domainname needs a \"uts\" namespace; add it or drop the domainname");
  if (!spec.sysctl.empty() && !namespaces.has(CLONE_NEWNS))
    throw Error("config.json: linux.sysctl needs a mount namespace");
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

// The runtime-spec State a hook reads on stdin: only the spec's fields.
std::string hook_state(const State& state, Status status) {
  nlohmann::json doc = {{"ociVersion", state.oci_version},
                        {"id", state.id},
                        {"status", status_name(status)},
                        {"bundle", state.bundle.string()}};
  if (status != Status::Stopped && state.pid > 0) doc["pid"] = state.pid;
  doc["annotations"] = state.annotations;
  return doc.dump();
}

// The config.json a container was created with, kept in its state
// directory: the bundle's may have changed since (runc keeps it too).
constexpr const char* kSavedConfig = "config.json";

Spec saved_spec(const StateDir& dir, const State& state) {
  std::error_code ec;
  if (fs::exists(dir.path() / kSavedConfig, ec)) return load_spec(dir.path() / kSavedConfig);
  return load_spec(state.bundle / "config.json");
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
  std::optional<Spec> spec;
  try {
    spec = saved_spec(dir, state);
  } catch (const Error& e) {
    if (!force) throw;
  }
  if (status != Status::Stopped && status != Status::Creating) {
    // Created counts as not stopped: the runtime-spec wants an error there too.
    if (!force)
      throw Error("container " + state.id + " is " + status_name(status) +
                  "; stop it first, or delete it with force");
    // A frozen process can't die until it is thawed.
    if (status == Status::Paused) {
      try {
        cgroup::set_frozen(state.cgroup_paths, false);
      } catch (const Error&) {
      }
    }
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
  // poststop: after the container is gone, before the state goes; a failure
  // is a warning (runtime-spec), the rest of the hooks still run.
  if (spec && !spec->hooks.poststop.empty()) {
    auto failures = run_hooks_collecting(spec->hooks.poststop, {"poststop", hook_state(state, Status::Stopped), 0});
    problems.insert(problems.end(), failures.begin(), failures.end());
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
    state.rootfs = plan.rootfs;
    state.status = Status::Creating;
    dir.save(state);
    fsutil::write_file_atomic(dir.path() / kSavedConfig, spec.document.is_null() ? "{}" : spec.document.dump(), 0600,
                              false);
    if (::mkfifo(dir.fifo().c_str(), 0622) != 0 || ::chmod(dir.fifo().c_str(), 0622) != 0)
      throw_errno("create " + dir.fifo().string());
    // Its own open file description: the child must not hold our lock.
    UniqueFd state_dir(::open(dir.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!state_dir) throw_errno("open " + dir.path().string());
    plan.state_dir_fd = state_dir.get();
    plan.lock_fd = dir.fd();

    birth.cgroups = make_cgroup(spec, options.id, options.cgroup.driver, hierarchy);
    cgroup::Limits limits = cgroup::parse_limits(spec.resources);
    // The nodes linux.devices creates are the container's to use, as runc
    // allows them: after the spec's own rules, so a "deny all" can't hide them.
    for (const auto& device : spec.devices)
      if (device.type != 'p')
        limits.devices.push_back({true, device.type == 'b' ? 'b' : 'c', device.major, device.minor, "rwm"});
    // So are the standard nodes the runtime puts in a /dev tmpfs, and the
    // terminals (ptmx, /dev/pts/*, tty, console): runc allows them always.
    if (plan.populate_dev) {
      for (const auto& node : default_devices()) limits.devices.push_back({true, 'c', node.major, node.minor, "rwm"});
      for (int64_t minor : {0, 1, 2}) limits.devices.push_back({true, 'c', 5, minor, "rwm"});
      limits.devices.push_back({true, 'c', 136, -1, "rwm"});
    }
    try {
      birth.cgroups->create(limits);
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
    dir.save(state);  // before anything can fail, so delete finds the cgroups
    cgroup::apply_more(state.cgroup_paths, limits);

    LaunchTarget target;
    target.clone_flags = namespaces.clone_flags;
    target.cgroup_join_files = birth.cgroups->self_join_files();
    target.joins = namespaces.joins;
    target.pid_namespace_path = namespaces.pid_path;
    target.new_time = namespaces.new_time;
    target.monotonic_offset = spec.monotonic_offset;
    target.boottime_offset = spec.boottime_offset;
    birth.launch = std::make_unique<Launch>(plan, target);
    pid_t pid = birth.launch->pid();
    if (namespaces.creates(CLONE_NEWUSER)) write_id_maps(pid, spec);
    if (target.cgroup_join_files.empty()) birth.cgroups->add_process(pid);
    if (spec.process.oom_score_adj) {
      std::string path = "/proc/" + std::to_string(pid) + "/oom_score_adj";
      std::string value = std::to_string(*spec.process.oom_score_adj);
      UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
      if (!fd || ::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size()))
        throw Error("process.oomScoreAdj " + value + ": write " + path + ": " + std::strerror(errno) +
                    " (lowering it needs CAP_SYS_RESOURCE)");
    }
    if (options.before_start) options.before_start(pid);
    birth.launch->go(plan.hook_sync);
    if (spec.process.terminal) birth.created.console = birth.launch->receive_console();
    Step stop = birth.launch->next_step(spec.process.args.front());
    if (stop == Step::Hooks) {
      // Mounts are done, pivot_root is not: prestart and createRuntime in
      // the runtime's namespaces, createContainer in the container's.
      state.pid = pid;
      if (auto stat = read_process_stat(pid)) state.pid_start_time = stat->start_time;
      dir.save(state);
      run_hooks(spec.hooks.prestart, {"prestart", hook_state(state, Status::Created), 0});
      run_hooks(spec.hooks.create_runtime, {"createRuntime", hook_state(state, Status::Creating), 0});
      run_hooks(spec.hooks.create_container, {"createContainer", hook_state(state, Status::Creating), pid});
      birth.launch->go();
      stop = birth.launch->next_step(spec.process.args.front());
    }
    if (stop != Step::Ready) throw Error("the container's init exec'd before start; this runtime is broken");
    if (plan.seccomp.notify) {
      UniqueFd listener = birth.launch->receive_seccomp_listener();
      if (!listener) throw Error("the container's init sent no seccomp listener; this runtime is broken");
      state.pid = pid;
      send_seccomp_listener(plan.seccomp, listener.get(), pid, hook_state(state, Status::Creating));
    }

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
                  const ExecOptions& options, pid_t* started = nullptr);

}  // namespace

Created create(const Spec& spec, const CreateOptions& options) {
  Birth birth = give_birth(spec, options, nullptr);
  birth.launch->release();
  return std::move(birth.created);
}

std::vector<std::string> start(const fs::path& state_root, const std::string& id) {
  StateDir dir(state_root, id, false);
  State state = dir.load();
  Status status = current_status(state, dir);
  if (status == Status::Stopped) throw Error("cannot start a container that has stopped; delete it and create it again");
  if (status != Status::Created)
    throw Error("container " + id + " is " + status_name(status) + "; only a created container can be started");
  Spec spec = saved_spec(dir, state);
  // startContainer: in the container, before its process runs.
  run_hooks(spec.hooks.start_container, {"startContainer", hook_state(state, Status::Created), state.pid});
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
  // poststart: a failure is a warning; the container runs on (runtime-spec).
  return run_hooks_collecting(spec.hooks.poststart, {"poststart", hook_state(state, Status::Running), 0});
}

void pause(const fs::path& state_root, const std::string& id) {
  StateDir dir(state_root, id, false);
  State state = dir.load();
  Status status = current_status(state, dir);
  if (status != Status::Running && status != Status::Created)
    throw Error("container " + id + " is " + status_name(status) + "; only a running container can be paused");
  cgroup::set_frozen(state.cgroup_paths, true);
  state.status = Status::Paused;
  dir.save(state);
}

void resume(const fs::path& state_root, const std::string& id) {
  StateDir dir(state_root, id, false);
  State state = dir.load();
  Status status = current_status(state, dir);
  if (status != Status::Paused)
    throw Error("container " + id + " is " + status_name(status) + ", not paused; there is nothing to resume");
  cgroup::set_frozen(state.cgroup_paths, false);
  std::error_code ec;
  state.status = fs::exists(dir.fifo(), ec) ? Status::Created : Status::Running;
  dir.save(state);
}

void update(const fs::path& state_root, const std::string& id, const nlohmann::json& resources) {
  StateDir dir(state_root, id, false);
  State state = dir.load();
  Status status = current_status(state, dir);
  if (status == Status::Stopped) throw Error("container " + id + " is stopped; there is nothing to update");
  if (state.cgroup_paths.empty()) throw Error("container " + id + " has no cgroup (driver none); nothing to update");
  cgroup::update_limits(state.cgroup_paths, cgroup::parse_limits(resources));
}

std::vector<pid_t> processes(const fs::path& state_root, const std::string& id) {
  State current = locked_state(state_root, id);
  std::vector<pid_t> pids = cgroup_members(current);
  std::sort(pids.begin(), pids.end());
  pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
  if (pids.empty() && current.status != Status::Stopped && current.pid > 0) pids.push_back(current.pid);
  return pids;
}

std::vector<State> list(const fs::path& state_root) {
  std::vector<State> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(state_root, ec)) {
    if (!entry.is_directory(ec)) continue;
    try {
      out.push_back(state(state_root, entry.path().filename().string()));
    } catch (const Error&) {
      // Deleted meanwhile, or never created completely: not a container to list.
    }
  }
  std::sort(out.begin(), out.end(), [](const State& a, const State& b) { return a.created < b.created; });
  return out;
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
  // containerd's shim tells errors apart by these words.
  if (!pidfd) throw Error("container " + id + ": container not running; there is no process to signal");
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

std::vector<std::string> delete_container(const fs::path& state_root, const std::string& id, bool force) {
  StateDir dir(state_root, id, false);
  return destroy(dir, force);
}

RunResult exec(const fs::path& state_root, const std::string& id, const Process& process, const StdioFds& stdio) {
  ExecOptions options;
  options.stdio = stdio;
  return exec(state_root, id, process, options).result;
}

Spec container_spec(const fs::path& state_root, const std::string& id) {
  StateDir dir(state_root, id, false);
  return saved_spec(dir, dir.load());
}

Execed exec(const fs::path& state_root, const std::string& id, const Process& process, const ExecOptions& options) {
  Spec spec;
  State current;
  {
    StateDir dir(state_root, id, false);
    current = dir.load();
    current.status = current_status(current, dir);
    if (current.status != Status::Running && current.status != Status::Created)
      throw Error("container " + id + " is " + status_name(current.status) + "; exec needs a running container");
    spec = saved_spec(dir, current);
  }
  Execed out;
  out.result = exec_in(spec, current.pid, current.pid_start_time, process, options, &out.pid);
  return out;
}

RunResult run(const Spec& spec, const RunOptions& options) {
  CreateOptions create_options;
  create_options.id = options.container_id;
  create_options.bundle = options.bundle;
  create_options.state_root = options.state_root.empty() ? default_state_root() : options.state_root;
  create_options.stdio = options.stdio;
  create_options.cgroup = options.cgroup;
  create_options.before_start = options.before_start;
  create_options.pid_file = options.pid_file;
  create_options.preserve_fds = options.preserve_fds;
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
    if (birth.created.console && options.on_console) options.on_console(std::move(birth.created.console));
    result.warnings = start(root, options.container_id);
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
  auto problems = destroy(dir, true);
  result.warnings.insert(result.warnings.end(), problems.begin(), problems.end());
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
                  const ExecOptions& options, pid_t* started) {
  const StdioFds& stdio = options.stdio;
  if (process.args.empty()) throw Error("exec: no command given");
  ChildPlan plan;
  plan_process(plan, process, spec.seccomp, stdio);
  plan.preserve_fds = options.preserve_fds;
  plan.die_with_parent = !options.detach;
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
  if (process.oom_score_adj) {
    std::string path = "/proc/" + std::to_string(launch.pid()) + "/oom_score_adj";
    std::string value = std::to_string(*process.oom_score_adj);
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd || ::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size()))
      throw_errno("process.oomScoreAdj " + value + ": write " + path);
  }
  launch.go();
  UniqueFd master;
  if (process.terminal) master = launch.receive_console();
  UniqueFd listener;
  if (plan.seccomp.notify) listener = launch.receive_seccomp_listener();
  launch.next_report(process.args.front());
  if (plan.seccomp.notify) {
    if (!listener) throw Error("the exec process sent no seccomp listener; this runtime is broken");
    State state;
    state.oci_version = spec.oci_version;
    state.status = Status::Running;
    state.pid = container_pid;
    state.annotations = spec.annotations;
    send_seccomp_listener(plan.seccomp, listener.get(), launch.pid(), hook_state(state, Status::Running));
  }
  if (started) *started = launch.pid();
  if (options.pid_file) fsutil::write_file_atomic(*options.pid_file, std::to_string(launch.pid()), 0644, false);
  if (master && options.on_console) options.on_console(std::move(master));
  if (options.detach) {
    launch.release();  // whoever reaps our orphans (a subreaper) reaps it
    return RunResult{};
  }
  int status = supervise(launch.pid(), signals.fd(), master.get(), stdio);
  launch.release();
  return RunResult{exit_code_from_wait_status(status), false, {}};
}

}  // namespace

RunResult run_container(const Spec& spec, const RunOptions& options) { return run(spec, options); }

RunResult exec_in_container(const Spec& spec, pid_t container_pid, const Process& process, const StdioFds& stdio) {
  ExecOptions options;
  options.stdio = stdio;
  return exec_in(spec, container_pid, std::nullopt, process, options);
}

}  // namespace mini::runtime
