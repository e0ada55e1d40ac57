#include "engine/container_exec.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include "common/error.h"
#include "common/fs_util.h"
#include "engine/containers.h"
#include "engine/user.h"
#include "runtime/container.h"
#include "runtime/spec.h"

namespace mini::engine {

namespace {

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

}  // namespace

int exec_command(const GlobalOptions& global, const ExecRequest& options) {
  // Rootless: not a namespace of its own; the runtime joins the container's.
  Context ctx(global, UserNamespace::Stay);
  auto record = ctx.containers().find(options.container);
  if (!record) throw Error("no such container: " + options.container + "; see mini ps");
  if (!is_running(*record))
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


}  // namespace mini::engine
