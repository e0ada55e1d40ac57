#pragma once
// The commands' handle on the store and the config file is the engine's
// Context; --root and --config fill its GlobalOptions.
#include "engine/context.h"

namespace mini::cli {

using engine::Context;
using engine::GlobalOptions;
using engine::host_architecture;
using engine::resolve_root;

}  // namespace mini::cli
