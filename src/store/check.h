#pragma once
// `mini system check [--repair]`: what a crash, a kill or a full disk can
// leave in the store, found and (with repair) cleaned up.
//   blobs/       each file hashes to its name; nothing else lives there
//   ingest/      only downloads in progress (scratch.h); the rest is debris
//   layers/      <hex>/ with its complete marker and fs/; <hex>.tmp-* and
//                import-*.tmp only while an unpack is in progress
//   images.json  parses; every tag's manifest, config and layers are here
//   containers/  a state.json each; a container recorded as running has a
//                live process, and a stopped one has nothing mounted
// Repair removes what is partial or corrupt and never what is in use; it
// leaves what only the user can fix (a tag whose layers are gone, which a
// pull or import repairs) and says so.
#include <functional>
#include <string>
#include <vector>

#include "store/container_store.h"
#include "store/layout.h"

namespace mini::store {

struct CheckProblem {
  std::string what;      // one line, naming the thing and what is wrong with it
  std::string fix;       // what --repair does about it, or what the user must do
  bool repairable = false;
  bool repaired = false;
};

struct CheckReport {
  std::vector<CheckProblem> problems;
  size_t blobs = 0, layers = 0, images = 0, containers = 0;
  bool clean() const;  // no problems left unrepaired
};

// What the store can't know by itself, supplied by the runtime side.
struct ContainerProbe {
  // Whether any process of the container (its init, or the monitor of a
  // detached one) is still alive.
  std::function<bool(const ContainerRecord&)> alive;
  // Removes whatever cgroups the container left (repair only).
  std::function<void(const std::string& id)> remove_cgroups;
  // Whether the container still has cgroup directories.
  std::function<bool(const std::string& id)> has_cgroups;
};

struct CheckOptions {
  bool repair = false;
  ContainerProbe probe;
};

// Never throws for a problem it finds; throws mini::Error only when the
// store can't be read at all.
CheckReport check_store(const Layout& layout, const CheckOptions& options);

// Mount points at or below `dir`, deepest first, from /proc/self/mountinfo.
std::vector<std::string> mounts_below(const fs::path& dir);

}  // namespace mini::store
