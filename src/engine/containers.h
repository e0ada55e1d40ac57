#pragma once
// The engine's containers after `mini run`: stop, kill, start, restart,
// wait, remove and prune. No daemon: every answer comes from state.json,
// checked against the live process table; signals go through pidfds and
// waits block on the container's directory and processes (container_watch.h).
#include <csignal>
#include <functional>
#include <string>
#include <vector>

#include "engine/context.h"
#include "store/check.h"
#include "store/container_store.h"

namespace mini::engine {

// Whether the container's process, or its monitor, is the one recorded and lives.
bool is_running(const store::ContainerRecord& record);
bool monitor_alive(const store::ContainerRecord& record);
// What `ps` and `inspect` call the state: a record that says running but
// whose process is gone (its monitor was killed, or the host rebooted) is
// never shown as running: "unknown".
std::string effective_status(const store::ContainerRecord& record);

// By full ID, unique ID prefix or name; throws mini::Error otherwise.
store::ContainerRecord find_container(Context& ctx, const std::string& id_or_name);

// Docker's signal names (with or without SIG) and numbers; throws mini::Error.
int parse_signal(const std::string& text);

// Sends `sig` (the restart policy won't bring back a container sent KILL,
// TERM or INT); throws mini::Error when it is not running.
void kill_container(Context& ctx, const store::ContainerRecord& record, int sig);
// `sig`, then SIGKILL after `timeout_seconds` (PID 1 ignores a signal it
// has no handler for), then waits until the exit is written down.
void stop_container(Context& ctx, const store::ContainerRecord& record, int timeout_seconds, int sig = SIGTERM);
// Starts a stopped container in the background; a running one is left be.
void start_container(Context& ctx, const GlobalOptions& global, const store::ContainerRecord& record);
void restart_container(Context& ctx, const GlobalOptions& global, const store::ContainerRecord& record,
                       int timeout_seconds);
// Blocks until the container has stopped and its exit is written down;
// returns its exit code.
int wait_container(Context& ctx, const store::ContainerRecord& record);
// Throws mini::Error for a running container unless `force` (then kills it).
void remove_container(Context& ctx, const store::ContainerRecord& record, bool force);
// Removes every container that neither runs nor has a live monitor, and
// tells `removed` each id as it goes; returns them all.
std::vector<std::string> prune_containers(Context& ctx,
                                          const std::function<void(const std::string&)>& removed = {});

// What `system check` asks of the runtime: whether a container's processes
// live, and its cgroups.
store::ContainerProbe container_probe();

}  // namespace mini::engine
