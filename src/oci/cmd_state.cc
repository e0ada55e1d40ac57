// mini-oci state ID: the runtime-spec State, as runc prints it.
#include <unistd.h>

#include <iostream>

#include <nlohmann/json.hpp>

#include "oci/context.h"
#include "oci/state_json.h"

namespace mini::oci {

int cmd_state(Context& context, const std::vector<std::string>& argv) {
  Args args = parse_args(argv, {});
  std::string id = one_id(args, "state ID");
  std::cout << state_json(runtime::state(context.root, id)).dump(2) << "\n";
  return 0;
}

}  // namespace mini::oci
