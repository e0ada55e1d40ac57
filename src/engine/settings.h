#pragma once
// The config file's values, handed to the modules that use them: they take
// plain structs of their own and never read the file.
#include "config/config.h"
#include "registry/config.h"

namespace mini::engine {

registry::RegistryConfig registry_settings(const config::Registry& config);

}  // namespace mini::engine
