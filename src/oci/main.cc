// mini-oci: an OCI runtime with runc's command line, over mini's runtime
// (src/runtime). One verb per cmd_*.cc; this file has the global flags.
#include <seccomp.h>
#include <unistd.h>

#include <cstring>
#include <iostream>
#include <map>

#include "common/error.h"
#include "oci/context.h"
#include "runtime/lifecycle.h"

namespace mini::oci {
namespace {

constexpr const char* kSpecVersion = "1.0.2";

const std::map<std::string, Verb>& verbs() {
  static const std::map<std::string, Verb> table = {
      {"create", cmd_create}, {"start", cmd_start},   {"state", cmd_state},     {"kill", cmd_kill},
      {"delete", cmd_delete}, {"run", cmd_run},       {"exec", cmd_exec},       {"ps", cmd_ps},
      {"pause", cmd_pause},   {"resume", cmd_resume}, {"update", cmd_update},   {"list", cmd_list},
      {"features", cmd_features}, {"spec", cmd_spec}, {"checkpoint", cmd_checkpoint}, {"restore", cmd_restore},
  };
  return table;
}

void print_version() {
  const scmp_version* seccomp = seccomp_version();
  std::cout << "mini-oci version " << MINI_VERSION << "\n"
            << "commit: " << MINI_COMMIT << "\n"
            << "spec: " << kSpecVersion << "\n"
            << "libseccomp: " << seccomp->major << "." << seccomp->minor << "." << seccomp->micro << "\n";
}

void print_help() {
  std::cout << "usage: mini-oci [global flags] COMMAND [flags] ID ...\n\n"
               "An OCI runtime with runc's command line.\n\n"
               "commands:\n"
               "  create    create a container (its process waits for start)\n"
               "  start     run the process of a created container\n"
               "  run       create and start a container (--detach to return at once)\n"
               "  state     print the state of a container (runtime-spec JSON)\n"
               "  kill      send a signal to a container's init (--all: every process)\n"
               "  delete    delete a container (--force: also a running one)\n"
               "  exec      run another process in a container\n"
               "  ps        list the processes of a container\n"
               "  pause     freeze every process of a container\n"
               "  resume    thaw a paused container\n"
               "  update    change a container's resource limits\n"
               "  list      list containers\n"
               "  features  print what this runtime supports (runtime-spec features)\n"
               "  spec      write a config.json template\n"
               "  checkpoint, restore  not supported\n\n"
               "global flags:\n"
               "  --root DIR             state directory (default /run/mini-oci)\n"
               "  --log FILE             log file (default stderr)\n"
               "  --log-format text|json\n"
               "  --debug                log debug lines\n"
               "  --systemd-cgroup       cgroupsPath is systemd's slice:prefix:name\n"
               "  --version, -v          print the version\n";
}

int main_impl(int argc, char** argv, Context& context) {
  std::vector<std::string> all(argv + 1, argv + argc);
  Args global = parse_args(all,
                           {{{"root"}, true},
                            {{"log"}, true},
                            {{"log-format"}, true},
                            {{"debug"}, false},
                            {{"systemd-cgroup"}, false},
                            {{"rootless"}, true},
                            {{"criu"}, true},
                            {{"version", "v"}, false},
                            {{"help", "h"}, false}},
                           true);
  if (auto root = global.value("root")) context.root = *root;
  if (auto log = global.value("log"); log && !log->empty()) context.log_file = *log;
  if (auto format = global.value("log-format")) {
    if (*format != "text" && *format != "json")
      throw Error("--log-format " + *format + " is not a log format; use text or json");
    context.log_format = *format;
  }
  context.debug = global.flag("debug");
  context.systemd_cgroup = global.flag("systemd-cgroup");
  if (global.flag("version")) {
    print_version();
    return 0;
  }
  if (global.positional.empty() || global.flag("help")) {
    print_help();
    return global.positional.empty() && !global.flag("help") ? 1 : 0;
  }
  std::string verb = global.positional.front();
  std::vector<std::string> rest(global.positional.begin() + 1, global.positional.end());
  if (verb == "help") {
    print_help();
    return 0;
  }
  auto it = verbs().find(verb);
  if (it == verbs().end()) throw Error("no such command \"" + verb + "\"; see mini-oci --help");
  context.log("debug", "mini-oci " + verb);
  return it->second(context, rest);
}

}  // namespace
}  // namespace mini::oci

int main(int argc, char** argv) {
  mini::oci::Context context;
  try {
    return mini::oci::main_impl(argc, argv, context);
  } catch (const mini::runtime::ExecError& e) {
    context.log("error", e.what());
    return e.exit_code;
  } catch (const std::exception& e) {
    context.log("error", e.what());
    return 1;
  }
}
