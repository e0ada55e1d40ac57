#pragma once
// `mini run`: an image and Docker's flags become a container directory with
// its config.json, which runs in the foreground or under a monitor. The
// runtime only ever sees the config.json.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/context.h"
#include "engine/mount_flags.h"
#include "engine/spec_builder.h"

namespace mini::engine {

// The flags of `mini run` that are not the spec builder's own.
struct RunRequest {
  RunFlags flags;
  std::string image;
  std::string name;
  std::vector<std::string> env_files;
  std::string user;
  std::string storage_driver = "overlay";
  MountFlags mounts;
  bool remove = false;
  bool init = false;
  std::string userns;
  std::string network;               // --network
  std::vector<std::string> publish;  // -p
  bool dry_run = false;
  bool detach = false;
  std::vector<std::string> group_add;
  std::vector<std::string> devices;
  std::string restart = "no";
};

struct RunOutcome {
  nlohmann::json dry_run_spec;  // --dry-run: the config.json it would run; else null
  std::string detached_id;      // -d: the container now running under its monitor
  int exit_code = 0;            // in the foreground: the container's
};

// Checks the flags, pulls a missing image (its progress on stderr, keeping
// stdout for the container), creates the container and runs it. Throws
// mini::Error (or runtime::ExecError) when it can't.
RunOutcome run_image(const GlobalOptions& global, RunRequest& request);

}  // namespace mini::engine
