// mini-oci pause ID: every process of the container frozen (freezer cgroup).
#include "oci/context.h"

namespace mini::oci {

int cmd_pause(Context& context, const std::vector<std::string>& argv) {
  Args args = parse_args(argv, {});
  runtime::pause(context.root, one_id(args, "pause ID"));
  return 0;
}

}  // namespace mini::oci
