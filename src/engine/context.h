#pragma once
// What every command needs: the store root and handles on its parts.
#include <filesystem>
#include <optional>
#include <string>

#include "config/config.h"
#include "store/container_store.h"
#include "store/content_store.h"
#include "store/image_index.h"
#include "store/layer_store.h"

namespace mini::engine {

struct GlobalOptions {
  std::string root;    // --root; empty means MINI_ROOT, /var/lib/mini or a user's ~/.local/share/mini
  std::string config;  // --config; empty means MINI_CONFIG, /etc/mini/config.json or ~/.config/mini/config.json
};

// Whether a rootless command enters its own user namespace (rootless.h):
// everything that unpacks, mounts or removes the store's files does. exec
// stays out, to join the namespace of the container it enters instead.
enum class UserNamespace { Enter, Stay };

class Context {
 public:
  explicit Context(const GlobalOptions& options, UserNamespace userns = UserNamespace::Enter);
  // The layer store asks this Context for its limit.
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const store::Layout& layout() const { return layout_; }
  // --config as given; "" means $MINI_CONFIG or /etc/mini/config.json.
  const std::string& config_flag() const { return config_flag_; }
  // The config file, read on first use: commands that need none of it run
  // even when it is broken.
  const config::Config& config();
  store::ContentStore& blobs() { return blobs_; }
  store::LayerStore& layers() { return layers_; }
  store::ImageIndex& images() { return images_; }
  store::ContainerStore& containers() { return containers_; }

 private:
  store::Layout layout_;
  std::string config_flag_;
  std::optional<config::Config> config_;
  store::ContentStore blobs_;
  store::LayerStore layers_;
  store::ImageIndex images_;
  store::ContainerStore containers_;
};

std::filesystem::path resolve_root(const std::string& flag);
// Where this user's run-time state goes (/run/mini for root, paths.h).
std::filesystem::path state_dir();

// The GOARCH name of this machine ("amd64", "arm64", ...).
std::string host_architecture();

}  // namespace mini::engine
