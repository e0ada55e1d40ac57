#include "config/paths.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "common/error.h"
#include "common/identity.h"

namespace mini::config {

namespace fs = std::filesystem;

namespace {

// XDG's rule: a relative value is invalid and ignored.
std::optional<fs::path> absolute_env(const std::function<std::optional<std::string>(const std::string&)>& env,
                                     const std::string& name) {
  auto value = env(name);
  if (!value || value->empty() || (*value)[0] != '/') return std::nullopt;
  return fs::path(*value);
}

fs::path home(const std::function<std::optional<std::string>(const std::string&)>& env) {
  if (auto h = absolute_env(env, "HOME")) return *h;
  // runuser and setpriv may leave HOME as the caller's; passwd is the truth then.
  if (passwd* pw = ::getpwuid(identity::host_uid()); pw && pw->pw_dir && pw->pw_dir[0] == '/') return pw->pw_dir;
  throw Error("cannot tell where your home directory is; set HOME or XDG_DATA_HOME, or pass --root");
}

}  // namespace

Paths paths_for(bool rootless, const std::function<std::optional<std::string>(const std::string&)>& env) {
  if (!rootless) return {"/var/lib/mini", "/run/mini", "/etc/mini/config.json"};
  Paths paths;
  auto data = absolute_env(env, "XDG_DATA_HOME");
  paths.store = (data ? *data : home(env) / ".local" / "share") / "mini";
  auto config = absolute_env(env, "XDG_CONFIG_HOME");
  paths.config_file = (config ? *config : home(env) / ".config") / "mini" / "config.json";
  if (auto runtime = absolute_env(env, "XDG_RUNTIME_DIR")) paths.state = *runtime / "mini";
  return paths;
}

Paths default_paths() {
  auto getenv_fn = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
  bool rootless = identity::rootless();
  Paths paths = paths_for(rootless, getenv_fn);
  if (rootless && paths.state.empty()) paths.state = identity::runtime_dir() / "mini";
  return paths;
}

}  // namespace mini::config
