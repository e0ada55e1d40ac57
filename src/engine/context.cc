#include "engine/context.h"

#include <sys/utsname.h>

#include <cstdio>
#include <cstdlib>

#include "common/fs_util.h"
#include "common/identity.h"
#include "config/paths.h"
#include "engine/rootless.h"

namespace mini::engine {

std::filesystem::path resolve_root(const std::string& flag) {
  if (!flag.empty()) return std::filesystem::absolute(flag);
  if (const char* env = std::getenv("MINI_ROOT"); env && *env) return std::filesystem::absolute(env);
  return config::default_paths().store;
}

std::filesystem::path state_dir() { return config::default_paths().state; }

namespace {

store::Layout make_layout(const GlobalOptions& options, UserNamespace userns) {
  // Paths first: they follow the user as the host knows them.
  store::Layout layout{resolve_root(options.root)};
  if (userns == UserNamespace::Enter) enter_rootless_namespace();
  layout.create();
  // Said once per store: the cost of a namespace without a subuid range.
  if (single_id_namespace()) {
    std::filesystem::path marker = layout.root / "single-id-noticed";
    std::error_code ec;
    if (!std::filesystem::exists(marker, ec)) {
      const char* user = std::getenv("USER");
      std::fprintf(stderr, "%s\n", single_id_notice(user && *user ? user : std::to_string(identity::host_uid())).c_str());
      fsutil::write_file_atomic(marker, "", 0644, false);
    }
  }
  return layout;
}

}  // namespace

Context::Context(const GlobalOptions& options, UserNamespace userns)
    : layout_(make_layout(options, userns)),
      config_flag_(options.config),
      blobs_(layout_), layers_(layout_), images_(layout_), containers_(layout_) {
  layers_.set_max_bytes([this] { return config().store.max_layer_bytes; });
}

const config::Config& Context::config() {
  if (!config_) config_ = config::load(config_flag_);
  return *config_;
}

std::string host_architecture() {
  utsname name{};
  uname(&name);
  std::string machine = name.machine;
  if (machine == "x86_64") return "amd64";
  if (machine == "aarch64") return "arm64";
  if (machine == "i686" || machine == "i386") return "386";
  if (machine.rfind("armv", 0) == 0) return "arm";
  return machine;
}

}  // namespace mini::engine
