// mini-oci resume ID: a paused container thawed.
#include "oci/context.h"

namespace mini::oci {

int cmd_resume(Context& context, const std::vector<std::string>& argv) {
  Args args = parse_args(argv, {});
  runtime::resume(context.root, one_id(args, "resume ID"));
  return 0;
}

}  // namespace mini::oci
