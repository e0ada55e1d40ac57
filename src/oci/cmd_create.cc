// mini-oci create [--bundle B] [--console-socket S] [--pid-file F] [--preserve-fds N] ID
#include "common/error.h"
#include "oci/context.h"

namespace mini::oci {

int cmd_create(Context& context, const std::vector<std::string>& argv) {
  Args args = parse_args(argv, create_flags());
  std::string id = one_id(args, "create [--bundle DIR] [--console-socket SOCK] [--pid-file FILE] ID");
  runtime::CreateOptions options = create_options(context, args, id);
  runtime::Spec spec = runtime::load_spec(options.bundle / "config.json");
  auto console = args.value("console-socket");
  if (spec.process.terminal && !console)
    throw Error("process.terminal is true, so create needs --console-socket to hand the terminal to");
  if (!spec.process.terminal && console)
    throw Error("--console-socket is given but process.terminal is false; there is no terminal to send");
  runtime::Created created = runtime::create(spec, options);
  if (console) {
    try {
      send_console(*console, created.console.get());
    } catch (const Error&) {
      runtime::delete_container(context.root, id, true);
      throw;
    }
  }
  return 0;
}

}  // namespace mini::oci
