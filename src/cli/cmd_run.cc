// `mini run [FLAGS] IMAGE [COMMAND...]`: Docker's flags, parsed; the rest
// is the engine's (engine/container_create.h).
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "engine/container_create.h"

namespace mini::cli {

void add_run_command(CLI::App& app, const GlobalOptions& global, Command& chosen) {
  auto options = std::make_shared<engine::RunRequest>();
  auto* cmd = app.add_subcommand("run", "Create and run a new container from an image");
  // -h is --hostname, as in Docker; the inherited -h,--help must go first.
  cmd->set_help_flag("--help", "Print this help message and exit");
  cmd->prefix_command();  // everything after IMAGE belongs to the container
  // CLI11 2.1 hands a positional to the parent before honouring
  // prefix_command when falling through (and refuses it outright with
  // positionals_at_end), so IMAGE would never reach remaining().
  cmd->fallthrough(false);
  auto& f = options->flags;
  cmd->add_flag("--rm", options->remove, "Remove the container when it exits");
  cmd->add_flag("-d,--detach", options->detach, "Run the container in the background and print its ID");
  cmd->add_option("--restart", options->restart, "Restart policy: no, on-failure[:N], always, unless-stopped");
  cmd->add_option("--name", options->name, "Assign a name to the container");
  cmd->add_option("-e,--env", f.env, "Set environment variables (K=V, or K to copy the host's)")->take_all();
  cmd->add_option("--env-file", options->env_files, "Read environment variables from a file");
  cmd->add_option("-w,--workdir", f.workdir, "Working directory inside the container");
  cmd->add_option("-h,--hostname", f.hostname, "Container host name");
  cmd->add_option("--entrypoint", f.entrypoint, "Overwrite the default ENTRYPOINT of the image");
  cmd->add_option("-u,--user", options->user, "Username or UID (format: <name|uid>[:<group|gid>])");
  cmd->add_option("--group-add", options->group_add, "Add additional groups to join");
  cmd->add_option("--device", options->devices, "Add a host device to the container (HOST[:CONTAINER[:rwm]])");
  cmd->add_flag("-i,--interactive", f.interactive, "Keep STDIN open");
  cmd->add_flag("-t,--tty", f.tty, "Allocate a pseudo-TTY");
  cmd->add_flag("--read-only", f.read_only, "Mount the container's root filesystem as read only");
  auto& iso = f.isolation;
  cmd->add_option("-m,--memory", iso.memory, "Memory limit (e.g. 32m, 1g)");
  cmd->add_option("--memory-swap", iso.memory_swap, "Memory plus swap limit; -1 for unlimited swap");
  cmd->add_option("--cpus", iso.cpus, "Number of CPUs (e.g. 1.5)");
  cmd->add_option("-c,--cpu-shares", iso.cpu_shares, "CPU shares (relative weight)");
  cmd->add_option("--cpuset-cpus", iso.cpuset_cpus, "CPUs in which to allow execution (0-3, 0,1)");
  cmd->add_option("--pids-limit", iso.pids_limit, "Tune container pids limit (-1 for unlimited)");
  cmd->add_option("--cap-add", iso.cap_add, "Add Linux capabilities");
  cmd->add_option("--cap-drop", iso.cap_drop, "Drop Linux capabilities");
  cmd->add_flag("--privileged", iso.privileged, "Give extended privileges to this container");
  cmd->add_option("--security-opt", iso.security_opt, "seccomp=unconfined|PROFILE.json, no-new-privileges");
  cmd->add_option("--ulimit", iso.ulimits, "Ulimit options (e.g. nofile=1024:2048)");
  cmd->add_option("-v,--volume", options->mounts.volumes, "Bind mount a volume (HOST_PATH_OR_NAME:CONTAINER_PATH[:ro])");
  cmd->add_option("--mount", options->mounts.mounts, "Attach a mount: type=bind|volume|tmpfs,source=,target=[,readonly]");
  cmd->add_option("--tmpfs", options->mounts.tmpfs, "Mount a tmpfs directory (PATH[:OPTIONS])");
  cmd->add_option("--userns", options->userns, "User namespace: host (default) or remap");
  cmd->add_option("--network,--net", options->network, "Network: bridge (default as root), slirp4netns or pasta (default rootless), host or none");
  cmd->add_option("-p,--publish", options->publish, "Publish a port: [IP:]HOSTPORT:PORT[/tcp|udp]");
  cmd->add_flag("--init", options->init, "Run an init inside the container that forwards signals and reaps processes");
  cmd->add_option("--storage-driver", options->storage_driver, "overlay (default), fuse-overlayfs (rootless) or copy");
  cmd->add_flag("--dry-run", options->dry_run, "Print the OCI runtime config.json instead of running");
  // One value per flag, as in Docker: `-e A=1 IMAGE CMD` must not take IMAGE
  // and CMD as more values of -e.
  for (CLI::Option* option : cmd->get_options()) option->allow_extra_args(false);
  cmd->callback([&global, &chosen, options, cmd] {
    auto rest = cmd->remaining();
    if (rest.empty()) throw CLI::RequiredError("IMAGE");
    options->image = rest.front();
    options->flags.command.assign(rest.begin() + 1, rest.end());
    chosen.action = [&global, options] {
      engine::RunOutcome outcome = engine::run_image(global, *options);
      if (!outcome.dry_run_spec.is_null()) std::printf("%s\n", outcome.dry_run_spec.dump(2).c_str());
      if (!outcome.detached_id.empty()) std::printf("%s\n", outcome.detached_id.c_str());
      return outcome.exit_code;
    };
  });
  cmd->preparse_callback([&chosen](size_t) { chosen.failure_exit_code = 125; });
}

}  // namespace mini::cli
