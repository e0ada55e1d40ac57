#include "engine/containers.h"

#include <signal.h>

#include <chrono>
#include <map>
#include <optional>

#include "common/error.h"
#include "common/process.h"
#include "engine/container_run.h"
#include "engine/container_watch.h"
#include "engine/monitor.h"
#include "runtime/cgroup.h"

namespace mini::engine {

namespace {

using store::ContainerRecord;
using Clock = std::chrono::steady_clock;

// Waits until the monitor (or foreground mini) has written the exit down.
void wait_for_record(Context& ctx, const std::string& id) {
  ContainerWatch watch(ctx.containers().dir(id));
  auto deadline = Clock::now() + std::chrono::seconds(10);
  for (;;) {
    ObservedContainer seen = observe(ctx, id);
    if (!seen.record || seen.record->status != "running" || !seen.record->detached || !seen.monitored()) return;
    if (!watch.wait(deadline, {seen.monitor.get()})) return;
  }
}

// A monitor that saw its container end still unmounts and writes the log's
// last lines; a new start waits for it.
void wait_for_monitor_exit(Context& ctx, const std::string& id) {
  ContainerWatch watch(ctx.containers().dir(id));
  auto deadline = Clock::now() + std::chrono::seconds(10);
  for (;;) {
    ObservedContainer seen = observe(ctx, id);
    if (!seen.record) throw Error("container " + id + " was removed");
    if (!seen.monitored()) return;
    if (!watch.wait(deadline, {seen.monitor.get()}))
      throw Error("container " + id + " is still shutting down; try again");
  }
}

void restart_detached(Context& ctx, const GlobalOptions& global, const std::string& id) {
  wait_for_monitor_exit(ctx, id);
  ctx.containers().update(id, [](ContainerRecord& rec) {
    rec.stop_requested = false;
    rec.detached = true;
  });
  start_detached(ctx, global, id);
}

}  // namespace

bool is_running(const ContainerRecord& r) { return r.status == "running" && process_alive(r.pid, r.pid_start_time); }

bool monitor_alive(const ContainerRecord& r) {
  return r.monitor_pid > 0 && process_alive(r.monitor_pid, r.monitor_start_time);
}

std::string effective_status(const ContainerRecord& r) {
  if (r.status == "running") return is_running(r) ? "running" : "unknown";
  return r.status.empty() ? "created" : r.status;
}

ContainerRecord find_container(Context& ctx, const std::string& id_or_name) {
  auto record = ctx.containers().find(id_or_name);
  if (!record) throw Error("no such container: " + id_or_name + "; see mini ps -a");
  return *record;
}

int parse_signal(const std::string& text) {
  std::string name = text;
  if (name.rfind("SIG", 0) == 0) name = name.substr(3);
  static const std::map<std::string, int> names = {
      {"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"KILL", SIGKILL}, {"USR1", SIGUSR1},
      {"USR2", SIGUSR2}, {"TERM", SIGTERM}, {"STOP", SIGSTOP}, {"CONT", SIGCONT}, {"WINCH", SIGWINCH},
      {"ALRM", SIGALRM}, {"PIPE", SIGPIPE}};
  if (auto it = names.find(name); it != names.end()) return it->second;
  try {
    size_t used = 0;
    int number = std::stoi(text, &used);
    if (used == text.size() && number > 0 && number < NSIG) return number;
  } catch (const std::exception&) {
  }
  throw Error("invalid signal \"" + text + "\"; use a name like TERM or a number");
}

void kill_container(Context& ctx, const ContainerRecord& record, int sig) {
  if (sig == SIGKILL || sig == SIGTERM || sig == SIGINT)
    ctx.containers().update(record.id, [](ContainerRecord& rec) { rec.stop_requested = true; });
  fsutil::UniqueFd pidfd;
  if (record.status == "running") pidfd = open_pidfd(record.pid, record.pid_start_time);
  if (!pidfd) throw Error("container " + record.name + " is not running");
  if (!signal_pidfd(pidfd.get(), sig)) throw_errno("signal container " + record.name);
}

void stop_container(Context& ctx, const ContainerRecord& found, int timeout_seconds, int sig) {
  auto r = ctx.containers().update(found.id, [](ContainerRecord& rec) { rec.stop_requested = true; });
  if (!r || r->status != "running") return;
  fsutil::UniqueFd pidfd = open_pidfd(r->pid, r->pid_start_time);
  if (!pidfd) return;
  signal_pidfd(pidfd.get(), sig);
  // PID 1 ignores a signal it has no handler for; SIGKILL after the grace period, as Docker does.
  if (!wait_pidfd(pidfd.get(), std::chrono::seconds(timeout_seconds))) {
    signal_pidfd(pidfd.get(), SIGKILL);
    wait_pidfd(pidfd.get(), std::chrono::seconds(10));
  }
  wait_for_record(ctx, r->id);
}

void start_container(Context& ctx, const GlobalOptions& global, const ContainerRecord& record) {
  if (!is_running(record)) restart_detached(ctx, global, record.id);
}

void restart_container(Context& ctx, const GlobalOptions& global, const ContainerRecord& record,
                       int timeout_seconds) {
  stop_container(ctx, record, timeout_seconds);
  restart_detached(ctx, global, record.id);
}

int wait_container(Context& ctx, const ContainerRecord& record) {
  ContainerWatch watch(ctx.containers().dir(record.id));
  // Between the process's end and the record of its exit code the status
  // still says running: a live monitor is writing it down or restarting,
  // a foreground mini gets a moment to do the same.
  constexpr auto kRecording = std::chrono::seconds(2);
  auto recording_deadline = Clock::now() + kRecording;
  bool was_running = false;
  for (;;) {
    ObservedContainer seen = observe(ctx, record.id);
    if (!seen.record) throw Error("container " + record.name + " was removed");
    bool running = seen.running();
    if (running || was_running) recording_deadline = Clock::now() + kRecording;
    was_running = running;
    bool unrecorded = seen.record->status == "running" && Clock::now() < recording_deadline;
    if (!running && !seen.monitored() && !unrecorded) return seen.record->exit_code;
    std::optional<Clock::time_point> deadline;
    if (!running && !seen.monitored()) deadline = recording_deadline;
    watch.wait(deadline, {seen.process.get(), seen.monitor.get()});
  }
}

void remove_container(Context& ctx, const ContainerRecord& found, bool force) {
  if (is_running(found)) {
    if (!force)
      throw Error("cannot remove running container " + found.name + "; stop it first or use mini rm -f");
    stop_container(ctx, found, 0, SIGKILL);
  }
  // The monitor may still be finishing (unmounting, --rm); let it.
  ContainerWatch watch(ctx.containers().dir(found.id));
  auto deadline = Clock::now() + std::chrono::seconds(10);
  for (;;) {
    ObservedContainer seen = observe(ctx, found.id);
    if (!seen.record) return;  // --rm got there first
    if (!seen.monitored()) {
      remove_container_files(ctx, *seen.record);
      return;
    }
    if (!watch.wait(deadline, {seen.monitor.get()}))
      throw Error("container " + found.name + " is still shutting down; try mini rm again");
  }
}

std::vector<std::string> prune_containers(Context& ctx, const std::function<void(const std::string&)>& removed) {
  std::vector<std::string> ids;
  for (const auto& r : ctx.containers().list()) {
    if (is_running(r) || monitor_alive(r)) continue;
    remove_container_files(ctx, r);
    ids.push_back(r.id);
    if (removed) removed(r.id);
  }
  return ids;
}

store::ContainerProbe container_probe() {
  store::ContainerProbe probe;
  probe.alive = [](const ContainerRecord& r) {
    return (r.pid > 0 && process_alive(r.pid, r.pid_start_time)) || monitor_alive(r);
  };
  auto manager = [](const std::string& id) {
    return runtime::cgroup::make_manager(runtime::cgroup::detect_hierarchy(), "mini/" + id);
  };
  probe.has_cgroups = [manager](const std::string& id) {
    for (const auto& dir : manager(id)->paths())
      if (std::filesystem::exists(dir)) return true;
    return false;
  };
  probe.remove_cgroups = [manager](const std::string& id) { manager(id)->destroy(); };
  return probe;
}

}  // namespace mini::engine
