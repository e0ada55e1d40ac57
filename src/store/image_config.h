#pragma once
// The image config as Docker reads it: every field mini may use has its
// type checked up front, so a hostile image is refused with the field's
// name (`config.Env[0]: expected a string`) instead of a JSON library's
// message at some later use, and no string carries a NUL that C would cut.
#include <nlohmann/json.hpp>

namespace mini::store {

// Throws mini::Error naming the first field that is not what the image
// spec says it is. Unknown fields are left alone, as Docker leaves them.
void validate_image_config(const nlohmann::json& config);

}  // namespace mini::store
