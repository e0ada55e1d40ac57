// The systemd driver: cgroupsPath is "slice:prefix:name" and the cgroup is a
// transient scope systemd owns. Only systemd as PID 1 can do that.
#include "common/error.h"
#include "common/fs_util.h"
#include "runtime/cgroup.h"

namespace mini::runtime::cgroup {

SystemdPath parse_systemd_path(const std::string& cgroups_path, const std::string& id) {
  SystemdPath path;
  if (cgroups_path.empty()) {
    path = {"system.slice", "mini", id};
  } else {
    size_t first = cgroups_path.find(':');
    size_t second = first == std::string::npos ? std::string::npos : cgroups_path.find(':', first + 1);
    if (second == std::string::npos || cgroups_path.find(':', second + 1) != std::string::npos)
      throw Error("linux.cgroupsPath \"" + cgroups_path +
                  "\" is not what the systemd cgroup driver takes; write it as \"slice:prefix:name\"");
    path.slice = cgroups_path.substr(0, first);
    path.prefix = cgroups_path.substr(first + 1, second - first - 1);
    path.name = cgroups_path.substr(second + 1);
    if (path.slice.empty()) path.slice = "system.slice";
    if (path.name.empty()) path.name = id;
  }
  auto check = [&](const std::string& part, const char* what) {
    if (part.find('/') != std::string::npos || part == "." || part == "..")
      throw Error("linux.cgroupsPath \"" + cgroups_path + "\": the " + what + " \"" + part +
                  "\" may not hold '/' or be '.' or '..'");
  };
  check(path.slice, "slice");
  check(path.prefix, "prefix");
  check(path.name, "name");
  if (path.slice.size() < 6 || path.slice.compare(path.slice.size() - 6, 6, ".slice") != 0)
    throw Error("linux.cgroupsPath \"" + cgroups_path + "\": the slice \"" + path.slice + "\" must end in .slice");
  return path;
}

std::string SystemdPath::unit() const {
  // A name that already is a unit is used as it is, as runc does.
  if (name.size() > 6 && name.compare(name.size() - 6, 6, ".slice") == 0) return name;
  return (prefix.empty() ? "" : prefix + "-") + name + ".scope";
}

std::unique_ptr<Manager> make_systemd_manager(const std::string& cgroups_path, const std::string& id,
                                              const std::string& pid1_comm) {
  SystemdPath path = parse_systemd_path(cgroups_path, id);
  std::string comm = pid1_comm;
  while (!comm.empty() && (comm.back() == '\n' || comm.back() == ' ')) comm.pop_back();
  if (comm != "systemd")
    throw Error("cgroup: the systemd cgroup driver needs systemd as PID 1, and PID 1 here is \"" + comm +
                "\"; choose a cgroupfs driver");
  throw Error("cgroup: the systemd cgroup driver (" + path.slice + "/" + path.unit() +
              ") is not implemented yet; choose a cgroupfs driver");
}

std::unique_ptr<Manager> make_systemd_manager(const std::string& cgroups_path, const std::string& id) {
  std::string comm;
  try {
    comm = fsutil::read_file("/proc/1/comm", 4096);
  } catch (const Error&) {
    comm = "unknown";
  }
  return make_systemd_manager(cgroups_path, id, comm);
}

}  // namespace mini::runtime::cgroup
