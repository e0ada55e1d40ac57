#include "engine/context.h"

#include <sys/utsname.h>

#include <cstdlib>

namespace mini::engine {

std::filesystem::path resolve_root(const std::string& flag) {
  if (!flag.empty()) return std::filesystem::absolute(flag);
  if (const char* env = std::getenv("MINI_ROOT"); env && *env) return std::filesystem::absolute(env);
  return "/var/lib/mini";
}

namespace {
store::Layout make_layout(const GlobalOptions& options) {
  store::Layout layout{resolve_root(options.root)};
  layout.create();
  return layout;
}
}  // namespace

Context::Context(const GlobalOptions& options)
    : layout_(make_layout(options)),
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
