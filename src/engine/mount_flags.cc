#include "engine/mount_flags.h"

#include <regex>
#include <sstream>

#include "common/error.h"
#include "runtime/mount_rules.h"

namespace mini::engine {

namespace {

using nlohmann::json;

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, sep)) parts.push_back(part);
  if (!text.empty() && text.back() == sep) parts.emplace_back();
  return parts;
}

// Docker's checks in Docker's order: a destination that is the root, in
// any spelling ("//", "/bin/..", "/./", "."), then one that is relative.
// Returns the destination clean, as Docker stores it.
std::string check_destination(const std::string& target, const std::string& type, const std::string& flag) {
  if (!target.empty() && runtime::clean_container_path(target) == "/") {
    if (flag.rfind("-v ", 0) == 0)
      throw Error("invalid volume specification: '" + flag.substr(3) + "': " + runtime::root_destination_error(type));
    if (flag.rfind("--tmpfs ", 0) == 0) throw Error(runtime::kDestinationIsRoot);
    throw Error(runtime::root_destination_error(type));
  }
  if (target.empty() || target.front() != '/')
    throw Error("invalid mount " + flag + ": the destination \"" + target + "\" must be an absolute path");
  return runtime::clean_container_path(target);
}

// A bind of a host path or a named volume, with Docker's options.
json volume_mount(const std::string& source, const std::string& target, bool read_only,
                  const std::filesystem::path& volumes_dir, ParsedMounts& out) {
  std::string host_path = source;
  if (source.front() != '/') {
    if (!is_valid_volume_name(source))
      throw Error("\"" + source + "\" includes invalid characters for a local volume name; host paths must be absolute");
    out.named_volumes.push_back(source);
    host_path = (volumes_dir / source / "_data").string();
  }
  std::vector<std::string> options = {"rbind", "rprivate"};
  if (read_only) options.push_back("ro");
  return json{{"destination", target}, {"type", "bind"}, {"source", host_path}, {"options", options}};
}

json parse_volume(const std::string& spec, const std::filesystem::path& volumes_dir, ParsedMounts& out) {
  auto parts = split(spec, ':');
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty())
    throw Error("invalid volume specification \"" + spec + "\"; use -v HOST_PATH_OR_NAME:CONTAINER_PATH[:ro]");
  std::string target = check_destination(parts[1], parts[0].front() == '/' ? "bind" : "volume", "-v " + spec);
  bool read_only = false;
  if (parts.size() == 3) {
    for (const auto& option : split(parts[2], ',')) {
      if (option == "ro") read_only = true;
      else if (option != "rw" && option != "z" && option != "Z")
        throw Error("invalid mode \"" + option + "\" in -v " + spec + "; use ro or rw");
    }
  }
  // Docker creates a missing host directory for -v (not for --mount).
  if (parts[0].front() == '/') out.host_dirs.push_back(parts[0]);
  return volume_mount(parts[0], target, read_only, volumes_dir, out);
}

json tmpfs_mount(const std::string& target, std::vector<std::string> options) {
  std::vector<std::string> all = {"nosuid", "nodev", "noexec"};
  all.insert(all.end(), options.begin(), options.end());
  return json{{"destination", target}, {"type", "tmpfs"}, {"source", "tmpfs"}, {"options", all}};
}

json parse_mount(const std::string& spec, const std::filesystem::path& volumes_dir, ParsedMounts& out) {
  std::string type = "volume", source, target;
  bool read_only = false;
  std::vector<std::string> tmpfs_options;
  for (const auto& field : split(spec, ',')) {
    auto eq = field.find('=');
    std::string key = field.substr(0, eq), value = eq == std::string::npos ? "" : field.substr(eq + 1);
    if (key == "type") type = value;
    else if (key == "source" || key == "src") source = value;
    else if (key == "target" || key == "destination" || key == "dst") target = value;
    else if (key == "readonly" || key == "ro") read_only = value.empty() || value == "true" || value == "1";
    else if (key == "tmpfs-size") tmpfs_options.push_back("size=" + value);
    else if (key == "tmpfs-mode") tmpfs_options.push_back("mode=" + value);
    else throw Error("unexpected key \"" + key + "\" in --mount " + spec);
  }
  target = check_destination(target, type, "--mount " + spec);
  if (type == "tmpfs") {
    if (read_only) tmpfs_options.push_back("ro");
    return tmpfs_mount(target, tmpfs_options);
  }
  if (type != "bind" && type != "volume")
    throw Error("--mount type \"" + type + "\" is not supported; use bind, volume or tmpfs");
  if (source.empty()) throw Error("--mount " + spec + ": source is required for type=" + type);
  if (type == "bind" && source.front() != '/') throw Error("--mount " + spec + ": a bind source must be an absolute path");
  if (type == "volume" && source.front() == '/') throw Error("--mount " + spec + ": a volume source is a name, not a path");
  return volume_mount(source, target, read_only, volumes_dir, out);
}

}  // namespace

bool is_valid_volume_name(const std::string& name) {
  static const std::regex re("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
  return std::regex_match(name, re);
}

ParsedMounts parse_mount_flags(const MountFlags& flags, const std::filesystem::path& volumes_dir) {
  ParsedMounts out;
  for (const auto& v : flags.volumes) out.mounts.push_back(parse_volume(v, volumes_dir, out));
  for (const auto& m : flags.mounts) out.mounts.push_back(parse_mount(m, volumes_dir, out));
  for (const auto& t : flags.tmpfs) {
    auto colon = t.find(':');
    std::string target = check_destination(t.substr(0, colon), "tmpfs", "--tmpfs " + t);
    std::vector<std::string> options = colon == std::string::npos ? std::vector<std::string>{} : split(t.substr(colon + 1), ',');
    out.mounts.push_back(tmpfs_mount(target, options));
  }
  return out;
}

}  // namespace mini::engine
