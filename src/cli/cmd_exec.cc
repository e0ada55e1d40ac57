// `mini exec [FLAGS] CONTAINER COMMAND...` (engine/container_exec.h).
#include <memory>

#include "cli/commands.h"
#include "engine/container_exec.h"

namespace mini::cli {

void add_exec_command(CLI::App& app, const GlobalOptions& global, Command& chosen) {
  auto options = std::make_shared<engine::ExecRequest>();
  auto* cmd = app.add_subcommand("exec", "Run a command in a running container");
  cmd->prefix_command();  // everything after CONTAINER belongs to the command
  cmd->fallthrough(false);
  cmd->add_flag("-i,--interactive", options->interactive, "Keep STDIN open");
  cmd->add_flag("-t,--tty", options->tty, "Allocate a pseudo-TTY");
  cmd->add_option("-u,--user", options->user, "Username or UID (format: <name|uid>[:<group|gid>])");
  cmd->add_option("-e,--env", options->env, "Set environment variables");
  cmd->add_option("-w,--workdir", options->workdir, "Working directory inside the container");
  for (CLI::Option* option : cmd->get_options()) option->allow_extra_args(false);
  cmd->callback([&global, &chosen, options, cmd] {
    auto rest = cmd->remaining();
    if (rest.size() < 2) throw CLI::RequiredError("CONTAINER and COMMAND");
    options->container = rest.front();
    options->command.assign(rest.begin() + 1, rest.end());
    chosen.action = [&global, options] { return engine::exec_command(global, *options); };
  });
  cmd->preparse_callback([&chosen](size_t) { chosen.failure_exit_code = 126; });
}

}  // namespace mini::cli
