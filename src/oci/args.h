#pragma once
// runc's command line, as urfave/cli parses it: flags spelled -x, --x,
// -flag or --flag, values as "--flag value" or "--flag=value", booleans as
// "--flag" or "--flag=false". Flags may follow positional arguments (urfave
// reorders them) unless the verb stops at its first positional (exec: what
// follows the id is the command's own), and "--" ends them.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mini::oci {

struct FlagSpec {
  std::vector<std::string> names;  // the first is the canonical one: {"bundle", "b"}
  bool takes_value = false;
};

struct Args {
  std::map<std::string, std::vector<std::string>> values;  // canonical name -> every value given
  std::vector<std::string> positional;

  bool flag(const std::string& name) const;  // a boolean flag, last one wins
  std::optional<std::string> value(const std::string& name) const;  // the last value given
  std::vector<std::string> all(const std::string& name) const;
};

// Throws mini::Error for an unknown flag or a missing value.
Args parse_args(const std::vector<std::string>& argv, const std::vector<FlagSpec>& specs,
                bool stop_at_positional = false);

}  // namespace mini::oci
