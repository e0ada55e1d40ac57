#pragma once
// One run of a created container: mount its rootfs, execute its config.json
// with the given stdio, and record each transition in state.json. Shared by
// `mini run` in the foreground, the detached monitor, and `mini start`.
#include <functional>
#include <string>

#include "engine/context.h"
#include "runtime/container.h"
#include "store/rootfs.h"

namespace mini::engine {

store::RootfsPlan rootfs_plan_for(Context& ctx, const store::ContainerRecord& record);

// Throws mini::Error (or runtime::ExecError) when the container can't
// start; the record then says exited with 125, 126 or 127.
runtime::RunResult run_created_container(Context& ctx, const std::string& id, const runtime::StdioFds& stdio,
                                         const std::function<void(pid_t)>& on_started = {});

// Removes the container's rootfs, state and directory (mini rm, --rm).
void remove_container_files(Context& ctx, const store::ContainerRecord& record);

}  // namespace mini::engine
