// mini-oci start ID: the created container's process runs.
#include "oci/context.h"

namespace mini::oci {

int cmd_start(Context& context, const std::vector<std::string>& argv) {
  Args args = parse_args(argv, {});
  std::string id = one_id(args, "start ID");
  for (const auto& warning : runtime::start(context.root, id)) context.warn(warning);
  return 0;
}

}  // namespace mini::oci
