// mini-oci delete [--force] ID: a created or stopped container goes (with
// --force a running one too); --force of one that is gone already is fine.
#include <filesystem>

#include "common/error.h"
#include "oci/context.h"

namespace mini::oci {

int cmd_delete(Context& context, const std::vector<std::string>& argv) {
  Args args = parse_args(argv, {{{"force", "f"}, false}});
  std::string id = one_id(args, "delete [--force] ID");
  bool force = args.flag("force");
  runtime::check_container_id(id);
  std::error_code ec;
  if (!std::filesystem::exists(context.root / id, ec)) {
    if (force) return 0;
    throw Error("container " + id + " does not exist");
  }
  for (const auto& warning : runtime::delete_container(context.root, id, force)) context.warn(warning);
  return 0;
}

}  // namespace mini::oci
