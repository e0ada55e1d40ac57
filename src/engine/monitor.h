#pragma once
// Detached containers. A small monitor process per container (what conmon
// is to podman) holds its stdio, writes the log, records the exit and
// applies the restart policy. `mini run -d` and `mini start` spawn it and
// wait only until the container runs.
#include <string>

#include "engine/context.h"

namespace mini::engine {

// Starts a monitor for the created or exited container `id`; returns once
// the container runs. Throws mini::Error (or ExecError) when it can't start.
void start_detached(Context& ctx, const GlobalOptions& global, const std::string& id);

// The monitor itself, as the hidden `mini container-monitor ID --ready-fd N`
// runs it: runs the container until its restart policy says stop, and
// returns its last exit code.
int run_monitor(const GlobalOptions& global, const std::string& id, int ready_fd);

struct RestartPolicy {
  std::string name = "no";  // no, on-failure, always, unless-stopped
  int max_retries = 0;      // on-failure:N
};
// Docker's --restart values; throws mini::Error otherwise.
RestartPolicy parse_restart_policy(const std::string& text);
// Whether the monitor starts the container again after it exited.
bool should_restart(const RestartPolicy& policy, int exit_code, int restarts_so_far, bool stop_requested);

}  // namespace mini::engine
