#pragma once
// What every verb of mini-oci shares: the global flags, the log, and the
// one way errors leave (one line; JSON in the log file with --log-format
// json, which is where conmon and containerd's shim read them).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "oci/args.h"
#include "runtime/lifecycle.h"

namespace mini::oci {

struct Context {
  std::filesystem::path root = "/run/mini-oci";
  std::optional<std::filesystem::path> log_file;
  std::string log_format = "text";  // text | json
  bool debug = false;
  bool systemd_cgroup = false;

  // A line at `level` (debug, info, warning, error) to the log file, or to
  // stderr without one (debug lines only with --debug).
  void log(const std::string& level, const std::string& message) const;
  void warn(const std::string& message) const { log("warning", message); }
  runtime::CgroupOptions cgroup_options() const;
};

// One verb: parses its own arguments, returns the exit code; throws
// mini::Error for the caller to log.
using Verb = int (*)(Context& context, const std::vector<std::string>& args);

int cmd_create(Context&, const std::vector<std::string>&);
int cmd_start(Context&, const std::vector<std::string>&);
int cmd_state(Context&, const std::vector<std::string>&);
int cmd_kill(Context&, const std::vector<std::string>&);
int cmd_delete(Context&, const std::vector<std::string>&);
int cmd_run(Context&, const std::vector<std::string>&);
int cmd_exec(Context&, const std::vector<std::string>&);
int cmd_ps(Context&, const std::vector<std::string>&);
int cmd_pause(Context&, const std::vector<std::string>&);
int cmd_resume(Context&, const std::vector<std::string>&);
int cmd_update(Context&, const std::vector<std::string>&);
int cmd_list(Context&, const std::vector<std::string>&);
int cmd_features(Context&, const std::vector<std::string>&);
int cmd_spec(Context&, const std::vector<std::string>&);
int cmd_checkpoint(Context&, const std::vector<std::string>&);
int cmd_restore(Context&, const std::vector<std::string>&);

// Shared by the verbs that take them.
// The one container id a verb names; throws with `usage` otherwise.
std::string one_id(const Args& args, const char* usage);
// Sends the pty master over the unix socket at `path` (SCM_RIGHTS), as runc
// does for conmon and containerd's shim; the message is the pty's name.
void send_console(const std::filesystem::path& path, int master);
// The CreateOptions a create or run flags ask for.
runtime::CreateOptions create_options(const Context& context, const Args& args, const std::string& id);
// Flags create and run share.
std::vector<FlagSpec> create_flags();

}  // namespace mini::oci
