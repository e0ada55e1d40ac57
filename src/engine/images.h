#pragma once
// Removing an image (`mini rmi`): its name, and the blobs and layers that
// no other image or container still needs.
#include <functional>
#include <string>

#include "engine/context.h"

namespace mini::engine {

struct ImageRemoval {
  std::string untagged;  // the name removed, as Docker prints it
  std::string deleted;   // the config digest when the image's blobs went too; else empty
};

// Throws mini::Error when there is no such image or, unless `force`, a
// container uses it.
ImageRemoval remove_image(Context& ctx, const std::string& name, bool force);

}  // namespace mini::engine
