#include "oci/args.h"

#include "common/error.h"

namespace mini::oci {

bool Args::flag(const std::string& name) const {
  auto it = values.find(name);
  if (it == values.end() || it->second.empty()) return false;
  const std::string& v = it->second.back();
  return v != "false" && v != "0";
}

std::optional<std::string> Args::value(const std::string& name) const {
  auto it = values.find(name);
  if (it == values.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> Args::all(const std::string& name) const {
  auto it = values.find(name);
  return it == values.end() ? std::vector<std::string>{} : it->second;
}

Args parse_args(const std::vector<std::string>& argv, const std::vector<FlagSpec>& specs, bool stop_at_positional) {
  Args args;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (arg == "--") {
      args.positional.insert(args.positional.end(), argv.begin() + static_cast<long>(i) + 1, argv.end());
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      args.positional.push_back(arg);
      if (stop_at_positional) {
        args.positional.insert(args.positional.end(), argv.begin() + static_cast<long>(i) + 1, argv.end());
        break;
      }
      continue;
    }
    std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
    std::optional<std::string> inline_value;
    if (auto eq = body.find('='); eq != std::string::npos) {
      inline_value = body.substr(eq + 1);
      body = body.substr(0, eq);
    }
    const FlagSpec* spec = nullptr;
    for (const auto& candidate : specs)
      for (const auto& name : candidate.names)
        if (name == body) spec = &candidate;
    if (!spec) throw Error("flag provided but not defined: -" + body + "; see --help");
    std::string value;
    if (inline_value) {
      value = *inline_value;
    } else if (spec->takes_value) {
      if (i + 1 >= argv.size()) throw Error("flag needs an argument: -" + body);
      value = argv[++i];
    } else {
      value = "true";
    }
    args.values[spec->names.front()].push_back(value);
  }
  return args;
}

}  // namespace mini::oci
