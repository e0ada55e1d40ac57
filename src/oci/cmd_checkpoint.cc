// mini-oci checkpoint / restore: refused by name; there is no CRIU support.
#include "common/error.h"
#include "oci/context.h"

namespace mini::oci {

int cmd_checkpoint(Context&, const std::vector<std::string>&) {
  throw Error("checkpoint is not supported: mini-oci has no CRIU support; use runc or crun to checkpoint");
}

int cmd_restore(Context&, const std::vector<std::string>&) {
  throw Error("restore is not supported: mini-oci has no CRIU support; use runc or crun to restore");
}

}  // namespace mini::oci
