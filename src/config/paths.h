#pragma once
// Where mini keeps things, for root and for anyone else. Root keeps the
// system paths; an ordinary user gets the XDG base directories, so two
// users never share or see each other's store:
//                 root                   a user
//   store         /var/lib/mini          $XDG_DATA_HOME/mini   (~/.local/share/mini)
//   run state     /run/mini              $XDG_RUNTIME_DIR/mini (or /tmp/mini-run-UID/mini, 0700)
//   config file   /etc/mini/config.json  $XDG_CONFIG_HOME/mini/config.json (~/.config/mini)
// --root/$MINI_ROOT and --config/$MINI_CONFIG still win for both.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace mini::config {

struct Paths {
  std::filesystem::path store, state, config_file;
};

// `rootless`: the caller is not the host's root. `env` looks up environment
// variables (getenv in production; tests pass their own). The state
// directory of a user without $XDG_RUNTIME_DIR is left empty here: making
// it is default_paths()'s job.
Paths paths_for(bool rootless, const std::function<std::optional<std::string>(const std::string&)>& env);

// paths_for() for this process (identity::rootless(), getenv), with the
// /tmp fallback for the state directory made and checked. Throws mini::Error.
Paths default_paths();

}  // namespace mini::config
