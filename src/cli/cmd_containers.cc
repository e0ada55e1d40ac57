// Containers after `mini run`: ps, logs, stop, kill, start, restart, wait,
// rm, inspect and container prune. No daemon: every answer comes from
// state.json, checked against the live process table.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "cli/commands.h"
#include "engine/container_log.h"
#include "engine/container_run.h"
#include "cli/format.h"
#include "engine/monitor.h"
#include "engine/container_network.h"
#include "common/process.h"
#include "common/error.h"
#include "common/fs_util.h"
#include "registry/reference.h"

namespace mini::cli {

using engine::LogEntry;
using engine::RestartPolicy;
using engine::describe_ports;
using engine::parse_log_line;
using engine::remove_container_files;
using engine::start_detached;

namespace {

namespace fs = std::filesystem;
using store::ContainerRecord;
using Clock = std::chrono::steady_clock;

bool is_running(const ContainerRecord& r) { return r.status == "running" && process_alive(r.pid, r.pid_start_time); }

// What `ps` and `inspect` call the state: a record that says running but
// whose process is gone (its monitor was killed, or the host rebooted) is
// never shown as running.
std::string effective_status(const ContainerRecord& r) {
  if (r.status == "running") return is_running(r) ? "running" : "unknown";
  return r.status.empty() ? "created" : r.status;
}

std::string status_text(const ContainerRecord& r) {
  std::string status = effective_status(r);
  if (status == "running") return "Up " + human_duration(seconds_since(r.started));
  if (status == "exited")
    return "Exited (" + std::to_string(r.exit_code) + ") " + human_duration(seconds_since(r.finished)) + " ago";
  if (status == "unknown") return "Unknown";
  return "Created";
}

ContainerRecord find_container(Context& ctx, const std::string& id_or_name) {
  auto record = ctx.containers().find(id_or_name);
  if (!record) throw Error("no such container: " + id_or_name + "; see mini ps -a");
  return *record;
}

std::string quoted_command(const std::vector<std::string>& args) {
  std::string text;
  for (const auto& arg : args) text += (text.empty() ? "" : " ") + arg;
  if (text.size() > 20) text = text.substr(0, 19) + "…";
  return "\"" + text + "\"";
}

std::string familiar_image(const std::string& image) {
  try {
    return registry::parse_reference(image).familiar();
  } catch (const std::exception&) {
    return image;
  }
}

nlohmann::json inspect_json(Context& ctx, const ContainerRecord& r) {
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(fsutil::read_file(ctx.containers().dir(r.id) / "config.json"));
  } catch (const std::exception&) {
    config = nlohmann::json::object();
  }
  std::string status = effective_status(r);
  nlohmann::json mounts = nlohmann::json::array();
  for (const auto& m : config.value("mounts", nlohmann::json::array())) {
    if (m.value("type", "") != "bind" && m.value("type", "") != "tmpfs") continue;
    std::string destination = m.value("destination", "");
    if (destination.rfind("/dev", 0) == 0 || destination.rfind("/etc/", 0) == 0 || destination == "/sbin/mini-init")
      continue;
    auto options = m.value("options", std::vector<std::string>{});
    bool read_only = std::find(options.begin(), options.end(), "ro") != options.end();
    mounts.push_back({{"Type", m.value("type", "")},
                      {"Source", m.value("source", "")},
                      {"Destination", destination},
                      {"RW", !read_only}});
  }
  return {
      {"Id", r.id},
      {"Name", "/" + r.name},
      {"Created", r.created},
      {"Image", r.image_digest},
      {"Path", r.command.empty() ? "" : r.command.front()},
      {"Args", r.command.size() > 1 ? std::vector<std::string>(r.command.begin() + 1, r.command.end())
                                    : std::vector<std::string>{}},
      {"State",
       {{"Status", status},
        {"Running", status == "running"},
        {"Pid", status == "running" ? r.pid : 0},
        {"ExitCode", r.exit_code},
        {"OOMKilled", r.oom_killed},
        {"StartedAt", r.started},
        {"FinishedAt", r.finished}}},
      {"RestartCount", r.restart_count},
      {"Driver", r.driver},
      {"HostConfig",
       {{"AutoRemove", r.auto_remove},
        {"RestartPolicy", {{"Name", r.restart_policy}, {"MaximumRetryCount", r.restart_max}}},
        {"NetworkMode", r.network_mode}}},
      {"Mounts", mounts},
      {"Config",
       {{"Hostname", config.value("hostname", "")},
        {"Image", familiar_image(r.image)},
        {"Env", config.value("/process/env"_json_pointer, nlohmann::json::array())},
        {"Cmd", r.command},
        {"WorkingDir", config.value("/process/cwd"_json_pointer, "/")}}},
      {"NetworkSettings", {{"IPAddress", r.ip_address}, {"Ports", r.ports}}},
  };
}

// Waits for the container's process to end; false on timeout.
bool wait_for_exit(const ContainerRecord& r, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (process_alive(r.pid, r.pid_start_time)) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// Waits until the monitor (or foreground mini) has written the exit down.
void wait_for_record(Context& ctx, const std::string& id) {
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    auto r = ctx.containers().load(id);
    if (!r || r->status != "running" || !process_alive(r->monitor_pid, 0)) return;
    if (r->detached && r->monitor_pid == 0) return;
    if (!r->detached) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// A monitor that saw its container end still unmounts and writes the log's
// last lines; a new start waits for it.
void wait_for_monitor_exit(Context& ctx, const std::string& id) {
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    auto now = ctx.containers().load(id);
    if (!now) throw Error("container " + id + " was removed");
    if (!process_alive(now->monitor_pid, 0)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw Error("container " + id + " is still shutting down; try again");
}

void restart_detached(Context& ctx, const GlobalOptions& global, const std::string& id) {
  wait_for_monitor_exit(ctx, id);
  ctx.containers().update(id, [](ContainerRecord& rec) {
    rec.stop_requested = false;
    rec.detached = true;
  });
  start_detached(ctx, global, id);
}

void send_signal(const ContainerRecord& r, int sig) {
  if (!is_running(r)) throw Error("container " + r.name + " is not running");
  if (::kill(r.pid, sig) != 0) throw_errno("signal container " + r.name);
}

void stop_container(Context& ctx, const ContainerRecord& found, int timeout_seconds, int sig = SIGTERM) {
  auto r = ctx.containers().update(found.id, [](ContainerRecord& rec) { rec.stop_requested = true; });
  if (!r || !is_running(*r)) return;
  ::kill(r->pid, sig);
  // PID 1 ignores a signal it has no handler for; SIGKILL after the grace period, as Docker does.
  if (!wait_for_exit(*r, std::chrono::seconds(timeout_seconds))) {
    ::kill(r->pid, SIGKILL);
    wait_for_exit(*r, std::chrono::seconds(10));
  }
  wait_for_record(ctx, r->id);
}

void remove_container(Context& ctx, const ContainerRecord& found, bool force) {
  if (is_running(found)) {
    if (!force)
      throw Error("cannot remove running container " + found.name + "; stop it first or use mini rm -f");
    stop_container(ctx, found, 0, SIGKILL);
  }
  // The monitor may still be finishing (unmounting, --rm); let it.
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    auto r = ctx.containers().load(found.id);
    if (!r) return;  // --rm got there first
    if (!process_alive(r->monitor_pid, 0)) {
      remove_container_files(ctx, *r);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw Error("container " + found.name + " is still shutting down; try mini rm again");
}

void print_entry(const LogEntry& entry, bool timestamps) {
  FILE* out = entry.stream == "stderr" ? stderr : stdout;
  if (timestamps) std::fprintf(out, "%s ", entry.time.c_str());
  std::fwrite(entry.log.data(), 1, entry.log.size(), out);
  std::fflush(out);
}

int show_logs(Context& ctx, const std::string& name, bool follow, const std::string& tail, bool timestamps) {
  ContainerRecord r = find_container(ctx, name);
  fs::path path = ctx.containers().dir(r.id) / "container.log";
  std::ifstream in(path);
  std::vector<LogEntry> entries;
  std::string line;
  while (std::getline(in, line)) {
    LogEntry entry;
    if (parse_log_line(line, entry)) entries.push_back(std::move(entry));
  }
  size_t first = 0;
  if (tail != "all") {
    size_t count;
    try {
      count = std::stoul(tail);
    } catch (const std::exception&) {
      throw Error("invalid --tail \"" + tail + "\"; give a number of lines or all");
    }
    if (count < entries.size()) first = entries.size() - count;
  }
  for (size_t i = first; i < entries.size(); ++i) print_entry(entries[i], timestamps);
  if (!follow) return 0;
  in.clear();
  std::string partial;
  for (;;) {
    bool ended = false;
    if (auto now = ctx.containers().load(r.id); !now || !is_running(*now)) ended = !now || !process_alive(now->monitor_pid, 0);
    while (std::getline(in, line)) {
      if (in.eof()) {  // no newline yet: the monitor is mid-write
        partial += line;
        break;
      }
      LogEntry entry;
      if (parse_log_line(partial + line, entry)) print_entry(entry, timestamps);
      partial.clear();
    }
    in.clear();
    if (ended) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

int list_containers(Context& ctx, bool all, bool quiet, const std::string& format) {
  std::vector<ContainerRecord> records = ctx.containers().list();
  std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) { return a.created > b.created; });
  if (format == "json") {
    for (const auto& r : records) {
      if (!all && effective_status(r) != "running") continue;
      nlohmann::json row = {{"ID", r.id.substr(0, 12)},    {"Image", familiar_image(r.image)},
                            {"Command", quoted_command(r.command)}, {"CreatedAt", r.created},
                            {"State", effective_status(r)},  {"Status", status_text(r)},
                            {"Names", r.name},                {"Ports", r.ports}};
      std::printf("%s\n", row.dump().c_str());
    }
    return 0;
  }
  if (!format.empty()) throw Error("unsupported --format \"" + format + "\"; use json");
  std::vector<std::vector<std::string>> rows = {{"CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"}};
  for (const auto& r : records) {
    if (!all && effective_status(r) != "running") continue;
    if (quiet) {
      std::printf("%s\n", r.id.substr(0, 12).c_str());
      continue;
    }
    std::string ports;
    for (const auto& p : describe_ports(r)) ports += (ports.empty() ? "" : ", ") + p;
    rows.push_back({r.id.substr(0, 12), familiar_image(r.image), quoted_command(r.command),
                    human_duration(seconds_since(r.created)) + " ago", status_text(r), ports, r.name});
  }
  if (!quiet) std::fputs(format_table(rows).c_str(), stdout);
  return 0;
}

// Runs `action` for each named container, as Docker does: errors are
// reported per container and make the exit code 1.
int for_each(const std::vector<std::string>& names, const std::function<void(const std::string&)>& action) {
  int code = 0;
  for (const auto& name : names) {
    try {
      action(name);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "mini: %s\n", e.what());
      code = 1;
    }
  }
  return code;
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

}  // namespace

void add_container_commands(CLI::App& app, const GlobalOptions& global, Command& chosen) {
  {
    auto* cmd = app.add_subcommand("ps", "List containers");
    auto all = std::make_shared<bool>(false), quiet = std::make_shared<bool>(false);
    auto format = std::make_shared<std::string>();
    cmd->add_flag("-a,--all", *all, "Show all containers (default shows just running)");
    cmd->add_flag("-q,--quiet", *quiet, "Only display container IDs");
    cmd->add_option("--format", *format, "json: one JSON object per container");
    cmd->callback([&global, &chosen, all, quiet, format] {
      chosen.action = [&global, all, quiet, format] {
        Context ctx(global);
        return list_containers(ctx, *all, *quiet, *format);
      };
    });
  }
  {
    auto* cmd = app.add_subcommand("logs", "Fetch the logs of a container");
    auto name = std::make_shared<std::string>(), tail = std::make_shared<std::string>("all");
    auto follow = std::make_shared<bool>(false), timestamps = std::make_shared<bool>(false);
    cmd->add_option("CONTAINER", *name)->required();
    cmd->add_flag("-f,--follow", *follow, "Follow log output");
    cmd->add_option("-n,--tail", *tail, "Number of lines to show from the end of the logs");
    cmd->add_flag("-t,--timestamps", *timestamps, "Show timestamps");
    cmd->callback([&global, &chosen, name, tail, follow, timestamps] {
      chosen.action = [&global, name, tail, follow, timestamps] {
        Context ctx(global);
        return show_logs(ctx, *name, *follow, *tail, *timestamps);
      };
    });
  }
  auto names_command = [&](const char* name, const char* help,
                           std::function<void(Context&, const std::string&)> each,
                           std::function<void(CLI::App*)> extra = {}) {
    auto* cmd = app.add_subcommand(name, help);
    auto names = std::make_shared<std::vector<std::string>>();
    cmd->add_option("CONTAINER", *names)->required();
    if (extra) extra(cmd);
    cmd->callback([&global, &chosen, names, each] {
      chosen.action = [&global, names, each] {
        Context ctx(global);
        return for_each(*names, [&](const std::string& n) { each(ctx, n); });
      };
    });
  };
  auto stop_timeout = std::make_shared<int>(10);
  names_command(
      "stop", "Stop running containers (SIGTERM, then SIGKILL after the timeout)",
      [stop_timeout](Context& ctx, const std::string& n) {
        stop_container(ctx, find_container(ctx, n), *stop_timeout);
        std::printf("%s\n", n.c_str());
      },
      [stop_timeout](CLI::App* cmd) { cmd->add_option("-t,--time", *stop_timeout, "Seconds to wait before killing"); });
  auto kill_signal = std::make_shared<std::string>("KILL");
  names_command(
      "kill", "Kill running containers",
      [kill_signal](Context& ctx, const std::string& n) {
        int sig = parse_signal(*kill_signal);
        ContainerRecord r = find_container(ctx, n);
        if (sig == SIGKILL || sig == SIGTERM || sig == SIGINT)
          ctx.containers().update(r.id, [](ContainerRecord& rec) { rec.stop_requested = true; });
        send_signal(r, sig);
        std::printf("%s\n", n.c_str());
      },
      [kill_signal](CLI::App* cmd) { cmd->add_option("-s,--signal", *kill_signal, "Signal to send (default KILL)"); });
  names_command("start", "Start stopped containers in the background", [&global](Context& ctx, const std::string& n) {
    ContainerRecord r = find_container(ctx, n);
    if (!is_running(r)) restart_detached(ctx, global, r.id);
    std::printf("%s\n", n.c_str());
  });
  auto restart_timeout = std::make_shared<int>(10);
  names_command(
      "restart", "Restart containers",
      [&global, restart_timeout](Context& ctx, const std::string& n) {
        ContainerRecord r = find_container(ctx, n);
        stop_container(ctx, r, *restart_timeout);
        restart_detached(ctx, global, r.id);
        std::printf("%s\n", n.c_str());
      },
      [restart_timeout](CLI::App* cmd) {
        cmd->add_option("-t,--time", *restart_timeout, "Seconds to wait before killing");
      });
  names_command("wait", "Block until containers stop, then print their exit codes",
                [](Context& ctx, const std::string& n) {
                  ContainerRecord r = find_container(ctx, n);
                  // Between the process's end and the record of its exit
                  // code the status still says running: a live monitor is
                  // writing it down or restarting, a foreground mini gets a
                  // moment to do the same.
                  auto recording_deadline = Clock::now() + std::chrono::seconds(2);
                  for (;;) {
                    auto now = ctx.containers().load(r.id);
                    if (!now) throw Error("container " + n + " was removed");
                    bool monitored = process_alive(now->monitor_pid, 0);
                    bool unrecorded = now->status == "running" && Clock::now() < recording_deadline;
                    if (is_running(*now)) recording_deadline = Clock::now() + std::chrono::seconds(2);
                    if (!is_running(*now) && !monitored && !unrecorded) {
                      std::printf("%d\n", now->exit_code);
                      return;
                    }
                    std::this_thread::sleep_for(std::chrono::milliseconds(50));
                  }
                });
  auto force = std::make_shared<bool>(false);
  names_command(
      "rm", "Remove containers",
      [force](Context& ctx, const std::string& n) {
        remove_container(ctx, find_container(ctx, n), *force);
        std::printf("%s\n", n.c_str());
      },
      [force](CLI::App* cmd) { cmd->add_flag("-f,--force", *force, "Force the removal of a running container"); });
  {
    auto* cmd = app.add_subcommand("inspect", "Show low-level information on containers as JSON");
    auto names = std::make_shared<std::vector<std::string>>();
    cmd->add_option("CONTAINER", *names)->required();
    cmd->callback([&global, &chosen, names] {
      chosen.action = [&global, names] {
        Context ctx(global);
        nlohmann::json out = nlohmann::json::array();
        int code = for_each(*names, [&](const std::string& n) { out.push_back(inspect_json(ctx, find_container(ctx, n))); });
        std::printf("%s\n", out.dump(4).c_str());
        return code;
      };
    });
  }
  {
    auto* container = app.add_subcommand("container", "Manage containers");
    container->require_subcommand(1);
    auto* prune = container->add_subcommand("prune", "Remove all stopped containers");
    auto yes = std::make_shared<bool>(false);
    prune->add_flag("-f,--force", *yes, "Do not prompt for confirmation (mini never prompts)");
    // The callback holds `yes`: the flag writes through it after this scope ends.
    prune->callback([&global, &chosen, yes] {
      chosen.action = [&global] {
        Context ctx(global);
        std::printf("Deleted Containers:\n");
        for (const auto& r : ctx.containers().list()) {
          if (is_running(r) || process_alive(r.monitor_pid, 0)) continue;
          remove_container_files(ctx, r);
          std::printf("%s\n", r.id.c_str());
        }
        return 0;
      };
    });
  }
}

}  // namespace mini::cli
