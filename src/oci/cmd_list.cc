// mini-oci list [--format table|json] [--quiet]: every container under --root.
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "oci/context.h"
#include "oci/state_json.h"

namespace mini::oci {

int cmd_list(Context& context, const std::vector<std::string>& argv) {
  Args args = parse_args(argv, {{{"format", "f"}, true}, {{"quiet", "q"}, false}});
  if (!args.positional.empty()) throw Error("usage: mini-oci list [--format table|json] [--quiet]");
  std::string format = args.value("format").value_or("table");
  std::vector<runtime::State> states = runtime::list(context.root);
  if (args.flag("quiet")) {
    for (const auto& s : states) std::cout << s.id << "\n";
    return 0;
  }
  if (format == "json") {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& s : states) out.push_back(state_json(s));
    std::cout << out.dump() << "\n";
    return 0;
  }
  if (format != "table") throw Error("--format " + format + " is not a format; use table or json");
  std::vector<std::vector<std::string>> rows = {{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"}};
  for (const auto& s : states) {
    nlohmann::json doc = state_json(s);
    rows.push_back({s.id, std::to_string(doc["pid"].get<int>()), runtime::status_name(s.status), s.bundle.string(),
                    s.created, doc["owner"].get<std::string>()});
  }
  std::vector<size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      std::cout << row[i];
      if (i + 1 < row.size()) std::cout << std::string(widths[i] - row[i].size() + 3, ' ');
    }
    std::cout << "\n";
  }
  return 0;
}

}  // namespace mini::oci
