// `mini exec`: a new process in a running container, in every namespace and
// cgroup of it, with the same capabilities, seccomp profile and
// no-new-privileges as the container's own process.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include "cli/commands.h"
#include "net/etc_files.h"
#include "common/process.h"
#include "engine/user.h"
#include "common/error.h"
#include "common/fs_util.h"
#include "runtime/container.h"
#include "runtime/spec.h"

namespace mini::cli {

using engine::ResolvedUser;
using engine::UserFiles;
using engine::resolve_user;
using engine::user_files_from_root;

namespace {

struct ExecOptions {
  std::string container;
  std::vector<std::string> command, env;
  std::string user, workdir;
  bool interactive = false, tty = false;
};

void set_env(std::vector<std::string>& env, const std::string& entry) {
  std::string key = entry.substr(0, entry.find('='));
  for (auto& existing : env) {
    if (existing.substr(0, existing.find('=')) == key) {
      existing = entry;
      return;
    }
  }
  env.push_back(entry);
}

int exec(const GlobalOptions& global, const ExecOptions& options) {
  // Rootless: not a namespace of its own; the runtime joins the container's.
  Context ctx(global, engine::UserNamespace::Stay);
  auto record = ctx.containers().find(options.container);
  if (!record) throw Error("no such container: " + options.container + "; see mini ps");
  if (record->status != "running" || !process_alive(record->pid, record->pid_start_time))
    throw Error("container " + options.container + " is not running; start it with mini start " + options.container);
  if (options.tty && options.interactive && !::isatty(STDIN_FILENO))
    throw Error("the input device is not a TTY; drop -t, or run from a terminal");

  runtime::Spec spec = runtime::load_spec(ctx.containers().dir(record->id) / "config.json");
  runtime::Process process = spec.process;
  process.args = options.command;
  process.terminal = options.tty;
  // Docker's exec keeps the container's environment and adds -e on top.
  for (const auto& entry : options.env) {
    if (entry.find('=') != std::string::npos) {
      set_env(process.env, entry);
    } else if (const char* value = std::getenv(entry.c_str())) {
      set_env(process.env, entry + "=" + value);
    }
  }
  if (!options.workdir.empty()) {
    if (options.workdir.front() != '/') throw Error("the working directory \"" + options.workdir + "\" must be absolute");
    process.cwd = options.workdir;
  }
  if (!options.user.empty()) {
    // Read through the container's own root, never following its symlinks out of it.
    std::filesystem::path root = "/proc/" + std::to_string(record->pid) + "/root";
    UserFiles files = user_files_from_root(root);
    ResolvedUser user = resolve_user(options.user, files.passwd, files.group);
    process.uid = user.uid;
    process.gid = user.gid;
    process.additional_gids.assign(user.additional_gids.begin(), user.additional_gids.end());
  }

  fsutil::UniqueFd null_stdin;
  runtime::StdioFds stdio;
  if (!options.interactive) {
    null_stdin.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    stdio.in = null_stdin.get();
    // Not attached, but with -t still the terminal to put raw, as Podman.
    stdio.terminal = STDIN_FILENO;
  }
  return runtime::exec_in_container(spec, record->pid, process, stdio).exit_code;
}

}  // namespace

void add_exec_command(CLI::App& app, const GlobalOptions& global, Command& chosen) {
  auto options = std::make_shared<ExecOptions>();
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
    chosen.action = [&global, options] { return exec(global, *options); };
  });
  cmd->preparse_callback([&chosen](size_t) { chosen.failure_exit_code = 126; });
}

}  // namespace mini::cli
