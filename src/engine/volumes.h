#pragma once
// Named volumes live in the store at volumes/<name>/_data, created on
// first use by -v NAME:/path or by `mini volume create`.
#include <functional>
#include <string>
#include <vector>

#include "engine/context.h"

namespace mini::engine {

// Sorted names of the volumes there are.
std::vector<std::string> volume_names(Context& ctx);
// Throws mini::Error for a name that is not a valid volume name.
void create_volume(Context& ctx, const std::string& name);
// Throws mini::Error when there is no such volume or, as Docker does, a
// container (running or not) still mounts it.
void remove_volume(Context& ctx, const std::string& name);
// Removes the volumes no container mounts, telling `removed` each name as
// it goes.
void prune_volumes(Context& ctx, const std::function<void(const std::string&)>& removed);

}  // namespace mini::engine
