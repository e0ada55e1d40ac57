#pragma once
// A container's state as runc prints it (state, list --format json): the
// runtime-spec State plus rootfs, created and owner, which go-runc reads.
#include <nlohmann/json.hpp>

#include "runtime/state.h"

namespace mini::oci {

nlohmann::json state_json(const runtime::State& state);

}  // namespace mini::oci
