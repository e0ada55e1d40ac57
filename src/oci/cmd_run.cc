// mini-oci run [create's flags] [--detach] ID: create + start, and in the
// foreground wait + delete, exiting with the container's status.
#include <unistd.h>

#include "common/error.h"
#include "oci/context.h"

namespace mini::oci {

int cmd_run(Context& context, const std::vector<std::string>& argv) {
  Args args = parse_args(argv, create_flags());
  std::string id = one_id(args, "run [--bundle DIR] [--detach] [--console-socket SOCK] [--pid-file FILE] ID");
  runtime::CreateOptions options = create_options(context, args, id);
  runtime::Spec spec = runtime::load_spec(options.bundle / "config.json");
  auto console = args.value("console-socket");
  if (!spec.process.terminal && console)
    throw Error("--console-socket is given but process.terminal is false; there is no terminal to send");
  if (args.flag("detach")) {
    if (spec.process.terminal && !console)
      throw Error("process.terminal is true, so run --detach needs --console-socket to hand the terminal to");
    runtime::Created created = runtime::create(spec, options);
    try {
      if (console) send_console(*console, created.console.get());
      for (const auto& warning : runtime::start(context.root, id)) context.warn(warning);
    } catch (const Error&) {
      runtime::delete_container(context.root, id, true);
      throw;
    }
    return 0;
  }
  // The foreground: the same lifecycle, relaying signals (and the terminal
  // unless a console socket takes it), deleting the container at the end.
  runtime::RunOptions run;
  run.container_id = id;
  run.bundle = options.bundle;
  run.state_root = context.root;
  run.cgroup = options.cgroup;
  run.pid_file = options.pid_file;
  run.preserve_fds = options.preserve_fds;
  if (console) run.on_console = [&](fsutil::UniqueFd master) { send_console(*console, master.get()); };
  runtime::RunResult result = runtime::run(spec, run);
  for (const auto& warning : result.warnings) context.warn(warning);
  return result.exit_code;
}

}  // namespace mini::oci
