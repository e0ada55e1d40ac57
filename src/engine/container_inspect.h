#pragma once
// What `mini inspect` and `mini ps` show of a container, as Docker names it.
#include <string>

#include <nlohmann/json.hpp>

#include "engine/context.h"
#include "store/container_store.h"

namespace mini::engine {

// Docker's `inspect` document: the record, with the mounts, environment
// and working directory of its config.json.
nlohmann::json inspect_container(Context& ctx, const store::ContainerRecord& record);

// The image's reference as Docker prints it ("busybox:latest"); unparseable
// ones as they are.
std::string familiar_image(const std::string& image);

}  // namespace mini::engine
