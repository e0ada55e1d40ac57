#include "engine/container_run.h"

#include <cstdio>

#include "common/time.h"
#include "engine/container_network.h"
#include "engine/rootless.h"
#include "common/identity.h"
#include "common/process.h"
#include "common/error.h"
#include "runtime/cgroup.h"
#include "runtime/exit_status.h"
#include "runtime/seccomp.h"
#include "runtime/spec.h"

namespace mini::engine {

namespace {

store::StorageDriver driver_of(const std::string& name) { return store::driver_from_name(name); }

// Unmounts the rootfs when a run ends, however it ends; the files stay.
class RootfsMount {
 public:
  explicit RootfsMount(store::RootfsPlan& plan) : plan_(plan) { plan_.driver = store::mount_rootfs(plan_); }
  ~RootfsMount() {
    try {
      store::detach_rootfs(plan_);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "mini: %s\n", e.what());
    }
  }

 private:
  store::RootfsPlan& plan_;
};

}  // namespace

store::RootfsPlan rootfs_plan_for(Context& ctx, const store::ContainerRecord& record) {
  std::vector<std::filesystem::path> layers;
  for (const auto& diff_id : record.layers) {
    if (!ctx.layers().has(diff_id))
      throw Error("layer " + diff_id + " of image " + record.image + " is gone from the store; pull or import the " +
                  "image again, or remove the container");
    layers.push_back(ctx.layers().fs_path(diff_id));
  }
  store::RootfsPlan plan = store::plan_rootfs(driver_of(record.driver), layers, ctx.containers().dir(record.id));
  plan.id_shift = record.id_shift;
  plan.id_count = record.id_count;
  // --rm: the writable layer goes with the container; nothing to sync.
  plan.volatile_upper = record.auto_remove;
  plan.userxattr = ctx.layout().user_xattrs();
  return plan;
}

runtime::RunResult run_created_container(Context& ctx, const std::string& id, const runtime::StdioFds& stdio,
                                         const std::function<void(pid_t)>& on_started) {
  auto record = ctx.containers().load(id);
  if (!record) throw Error("no such container: " + id);
  std::filesystem::path dir = ctx.containers().dir(id);
  // The slot first: it cannot fail on a full disk, and state.json can. A
  // state.json left saying running is corrected from the slot on load.
  auto record_exit = [&](int exit_code, bool oom_killed) {
    store::ExitRecord exit{exit_code, oom_killed, now_rfc3339()};
    try {
      ctx.containers().record_exit(id, exit);
      ctx.containers().update(id, [&](store::ContainerRecord& r) {
        r.status = "exited";
        r.pid = 0;
        r.exit_code = exit.exit_code;
        r.oom_killed = exit.oom_killed;
        r.finished = exit.finished;
      });
    } catch (const std::exception& e) {
      std::fprintf(stderr, "mini: warning: recording the exit of container %s: %s\n", id.substr(0, 12).c_str(),
                   e.what());
    }
  };
  try {
    runtime::Spec spec = runtime::load_spec(dir / "config.json");
    runtime::RunOptions options;
    if (identity::rootless()) {
      // No cgroup at all unless v2 is delegated (mini run said what that drops).
      RootlessCgroups cgroups = rootless_cgroups(spec.resources, id);
      options.cgroup.driver = cgroups.driver;
      if (!cgroups.cgroups_path.empty()) spec.cgroups_path = cgroups.cgroups_path;
      // Without a cgroup nothing applies them, not even the device rules:
      // a user's container can't mknod a host device anyway.
      if (cgroups.driver == runtime::CgroupDriver::None) spec.resources = nlohmann::json::object();
    }
    // Released when this run ends, however it ends.
    ContainerNetwork network = attach_network(ctx, *record, spec.hostname);
    if (std::string netns = network.netns_path(); !netns.empty())
      for (auto& ns : spec.namespaces)
        if (ns.type == "network") ns.path = netns;
    store::RootfsPlan plan = rootfs_plan_for(ctx, *record);
    RootfsMount mounted(plan);
    std::string driver = store::driver_name(plan.driver);

    options.container_id = id;
    options.bundle = dir;
    options.stdio = stdio;
    options.before_start = [&network](pid_t pid) { network.connect(pid); };
    options.on_started = [&](pid_t pid) {
      uint64_t start_time = process_start_time(pid);
      ctx.containers().clear_exit(id);
      ctx.containers().update(id, [&](store::ContainerRecord& r) {
        r.status = "running";
        r.pid = pid;
        r.pid_start_time = start_time;
        r.driver = driver;
        r.started = now_rfc3339();
        r.finished.clear();
        r.exit_code = 0;
        r.oom_killed = false;
      });
      if (on_started) on_started(pid);
    };
    // Compiled once per profile, then read back: saves milliseconds a start.
    runtime::set_seccomp_cache_dir(ctx.layout().root / "cache" / "seccomp");
    runtime::RunResult result = runtime::run_container(spec, options);
    record_exit(result.exit_code, result.oom_killed);
    return result;
  } catch (const runtime::ExecError& e) {
    record_exit(e.exit_code, false);
    throw;
  } catch (const std::exception&) {
    record_exit(runtime::kExitRuntimeFailure, false);
    throw;
  }
}

void remove_container_files(Context& ctx, const store::ContainerRecord& record) {
  // The runtime removes its cgroup when the container ends; a monitor killed
  // mid-run left it behind. The processes are gone, so it can go now.
  try {
    // A rootless container's cgroup, if it had one, sits beside its mini's.
    if (!identity::rootless())
      runtime::cgroup::make_manager(runtime::cgroup::detect_hierarchy(), "mini/" + record.id)->destroy();
  } catch (const Error& e) {
    std::fprintf(stderr, "mini: warning: %s\n", e.what());
  }
  try {
    store::unmount_rootfs(rootfs_plan_for(ctx, record));
  } catch (const Error&) {
    // Layers gone: nothing of the image is mounted here; remove what is left.
    store::RootfsPlan plan = store::plan_rootfs(driver_of(record.driver), {}, ctx.containers().dir(record.id));
    store::unmount_rootfs(plan);
  }
  ctx.containers().remove(record.id);
}

}  // namespace mini::engine
