#include "runtime/cgroup.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <sstream>
#include <thread>

#include "common/error.h"
#include "common/fs_util.h"

namespace mini::runtime::cgroup {

namespace {

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, sep)) parts.push_back(part);
  return parts;
}

template <typename T>
std::optional<T> optional_field(const nlohmann::json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  return it->get<T>();
}

}  // namespace

Hierarchy parse_hierarchy(const std::string& mountinfo, const std::string& proc_self_cgroup) {
  Hierarchy h;
  std::istringstream lines(mountinfo);
  std::string line;
  while (std::getline(lines, line)) {
    auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream before(line.substr(0, dash)), after(line.substr(dash + 3));
    std::string id, parent, devs, root, point, fstype, source, super_options;
    before >> id >> parent >> devs >> root >> point;
    after >> fstype >> source >> super_options;
    if (fstype == "cgroup2") {
      if (!h.unified) h.unified = point;
    } else if (fstype == "cgroup") {
      for (const auto& option : split(super_options, ','))
        if (option != "rw" && option != "ro" && option.rfind("name=", 0) != 0 && option.find('=') == std::string::npos)
          h.v1_mounts.emplace(option, point);
    }
  }
  std::istringstream cgroups(proc_self_cgroup);
  while (std::getline(cgroups, line)) {
    auto first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    std::string controllers = line.substr(first + 1, second - first - 1), path = line.substr(second + 1);
    if (controllers.empty()) continue;  // the cgroup2 line: v2 cgroups are placed from the root
    for (const auto& controller : split(controllers, ',')) h.v1_own_paths[controller] = path;
  }
  return h;
}

Hierarchy detect_hierarchy() {
  return parse_hierarchy(fsutil::read_file("/proc/self/mountinfo"), fsutil::read_file("/proc/self/cgroup"));
}

Limits parse_limits(const nlohmann::json& resources) {
  Limits limits;
  if (resources.is_null()) return limits;
  try {
    if (auto memory = resources.find("memory"); memory != resources.end()) {
      limits.memory = optional_field<int64_t>(*memory, "limit");
      limits.memory_swap = optional_field<int64_t>(*memory, "swap");
    }
    if (auto cpu = resources.find("cpu"); cpu != resources.end()) {
      limits.cpu_shares = optional_field<uint64_t>(*cpu, "shares");
      limits.cpu_quota = optional_field<int64_t>(*cpu, "quota");
      limits.cpu_period = optional_field<uint64_t>(*cpu, "period");
      limits.cpuset_cpus = optional_field<std::string>(*cpu, "cpus");
      limits.cpuset_mems = optional_field<std::string>(*cpu, "mems");
    }
    if (auto pids = resources.find("pids"); pids != resources.end())
      limits.pids = optional_field<int64_t>(*pids, "limit");
    if (auto memory = resources.find("memory"); memory != resources.end()) {
      limits.memory_reservation = optional_field<int64_t>(*memory, "reservation");
      limits.memory_kernel = optional_field<int64_t>(*memory, "kernel");
      limits.memory_kernel_tcp = optional_field<int64_t>(*memory, "kernelTCP");
      limits.memory_swappiness = optional_field<uint64_t>(*memory, "swappiness");
      limits.memory_disable_oom_killer = optional_field<bool>(*memory, "disableOOMKiller");
      if (limits.memory_swappiness && *limits.memory_swappiness > 100)
        throw Error("config.json linux.resources.memory.swappiness " + std::to_string(*limits.memory_swappiness) +
                    " is out of range 0-100");
    }
    if (auto cpu = resources.find("cpu"); cpu != resources.end()) {
      limits.cpu_rt_runtime = optional_field<int64_t>(*cpu, "realtimeRuntime");
      limits.cpu_rt_period = optional_field<uint64_t>(*cpu, "realtimePeriod");
    }
    if (auto blkio = resources.find("blockIO"); blkio != resources.end() && blkio->is_object()) {
      limits.blkio_weight = optional_field<uint64_t>(*blkio, "weight");
      limits.blkio_leaf_weight = optional_field<uint64_t>(*blkio, "leafWeight");
      auto devices = [&](const char* key, const char* value_key, std::vector<Limits::DeviceValue>& out) {
        auto it = blkio->find(key);
        if (it == blkio->end() || it->is_null()) return;
        for (const auto& d : *it)
          out.push_back({d.at("major").get<int64_t>(), d.at("minor").get<int64_t>(),
                         optional_field<uint64_t>(d, value_key),
                         std::string(value_key) == "weight" ? optional_field<uint64_t>(d, "leafWeight") : std::nullopt});
      };
      devices("weightDevice", "weight", limits.blkio_weight_devices);
      devices("throttleReadBpsDevice", "rate", limits.blkio_read_bps);
      devices("throttleWriteBpsDevice", "rate", limits.blkio_write_bps);
      devices("throttleReadIOPSDevice", "rate", limits.blkio_read_iops);
      devices("throttleWriteIOPSDevice", "rate", limits.blkio_write_iops);
    }
    if (auto huge = resources.find("hugepageLimits"); huge != resources.end() && huge->is_array())
      for (const auto& h : *huge) limits.hugepages.emplace_back(h.at("pageSize").get<std::string>(), h.at("limit").get<uint64_t>());
    if (auto net = resources.find("network"); net != resources.end() && net->is_object()) {
      limits.net_class_id = optional_field<uint32_t>(*net, "classID");
      if (auto prio = net->find("priorities"); prio != net->end() && prio->is_array())
        for (const auto& p : *prio) limits.net_priorities.emplace_back(p.at("name").get<std::string>(), p.at("priority").get<uint32_t>());
    }
    if (auto unified = resources.find("unified"); unified != resources.end() && unified->is_object())
      for (const auto& [key, value] : unified->items()) {
        if (key.find('/') != std::string::npos || key.find("..") != std::string::npos)
          throw Error("config.json linux.resources.unified: \"" + key + "\" is not a cgroup file name");
        limits.unified[key] = value.get<std::string>();
      }
    if (auto rdma = resources.find("rdma"); rdma != resources.end() && !rdma->is_null() && !rdma->empty())
      throw Error("config.json linux.resources.rdma is not supported by this runtime; remove it");
    if (auto devices = resources.find("devices"); devices != resources.end() && devices->is_array()) {
      for (const auto& d : *devices) {
        DeviceRule rule;
        rule.allow = d.at("allow").get<bool>();
        std::string type = d.value("type", "a");
        if (type != "a" && type != "c" && type != "b")
          throw Error("config.json linux.resources.devices: type \"" + type + "\" must be a, c or b");
        rule.type = type[0];
        rule.major = d.contains("major") && !d["major"].is_null() ? d["major"].get<int64_t>() : -1;
        rule.minor = d.contains("minor") && !d["minor"].is_null() ? d["minor"].get<int64_t>() : -1;
        rule.access = d.value("access", "rwm");
        limits.devices.push_back(rule);
      }
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("config.json linux.resources is malformed: ") + e.what());
  }
  return limits;
}

uint64_t shares_to_weight(uint64_t shares) {
  if (shares == 0) return 0;
  if (shares < 2) shares = 2;
  if (shares > 262144) shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

void ControlFiles::write(const fs::path& dir, const std::string& file, const std::string& value) const {
  fs::path path = dir / file;
  fsutil::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  if (!fd) throw_errno("cgroup: open " + path.string() + " (is the controller enabled?)");
  if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size()))
    throw_errno("cgroup: write \"" + value + "\" to " + path.string());
}

std::string ControlFiles::read(const fs::path& dir, const std::string& file) const {
  return fsutil::read_file(dir / file, 1 << 20);
}

void ControlFiles::remove(const fs::path& dir) const {
  for (int attempt = 0; attempt < 50; ++attempt) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return;
    if (errno != EBUSY) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw_errno("cgroup: remove " + dir.string());
}

const ControlFiles& kernel_files() {
  static const ControlFiles files;
  return files;
}

void write_control(const fs::path& dir, const std::string& file, const std::string& value) {
  kernel_files().write(dir, file, value);
}

std::string read_control(const fs::path& dir, const std::string& file) { return kernel_files().read(dir, file); }

void remove_cgroup_dir(const fs::path& dir) { kernel_files().remove(dir); }

}  // namespace mini::runtime::cgroup
