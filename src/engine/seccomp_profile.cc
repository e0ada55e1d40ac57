#include "engine/seccomp_profile.h"

#include <algorithm>
#include <sstream>

#include "common/error.h"

namespace mini::engine {

namespace {

using nlohmann::json;

const char* native_scmp_arch(const std::string& goarch) {
  if (goarch == "amd64") return "SCMP_ARCH_X86_64";
  if (goarch == "arm64") return "SCMP_ARCH_AARCH64";
  if (goarch == "386") return "SCMP_ARCH_X86";
  if (goarch == "arm") return "SCMP_ARCH_ARM";
  return "";
}

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::vector<std::string> strings_at(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return {};
  return it->get<std::vector<std::string>>();
}

// Docker's "includes": every listed capability, one of the arches, and the kernel.
bool included(const json& rule, const SeccompTarget& target) {
  auto it = rule.find("includes");
  if (it == rule.end() || it->is_null()) return true;
  for (const auto& cap : strings_at(*it, "caps"))
    if (!contains(target.capabilities, cap)) return false;
  auto arches = strings_at(*it, "arches");
  if (!arches.empty() && !contains(arches, target.arch)) return false;
  std::string min_kernel = it->value("minKernel", "");
  return min_kernel.empty() || kernel_at_least(target.kernel_release, min_kernel);
}

// Docker's "excludes": any listed capability or arch rules the entry out.
bool excluded(const json& rule, const SeccompTarget& target) {
  auto it = rule.find("excludes");
  if (it == rule.end() || it->is_null()) return false;
  for (const auto& cap : strings_at(*it, "caps"))
    if (contains(target.capabilities, cap)) return true;
  return contains(strings_at(*it, "arches"), target.arch);
}

json architectures(const json& profile, const SeccompTarget& target) {
  std::string native = native_scmp_arch(target.arch);
  if (auto map = profile.find("archMap"); map != profile.end() && map->is_array()) {
    for (const auto& entry : *map) {
      if (entry.value("architecture", "") != native) continue;
      json arches = json::array({native});
      for (const auto& sub : strings_at(entry, "subArchitectures")) arches.push_back(sub);
      return arches;
    }
  }
  if (auto list = profile.find("architectures"); list != profile.end() && list->is_array()) return *list;
  return native.empty() ? json::array() : json::array({native});
}

}  // namespace

bool kernel_at_least(const std::string& release, const std::string& minimum) {
  auto parse = [](const std::string& text) {
    std::istringstream in(text);
    int major = 0, minor = 0;
    char dot = 0;
    in >> major >> dot >> minor;
    return std::pair(major, minor);
  };
  return parse(release) >= parse(minimum);
}

json docker_profile_to_oci(const json& profile, const SeccompTarget& target) {
  if (!profile.is_object() || !profile.contains("defaultAction"))
    throw Error("seccomp profile: not Docker's profile format (it needs \"defaultAction\")");
  json oci = {{"defaultAction", profile["defaultAction"]}, {"architectures", architectures(profile, target)},
              {"syscalls", json::array()}};
  if (profile.contains("defaultErrnoRet")) oci["defaultErrnoRet"] = profile["defaultErrnoRet"];
  try {
    for (const auto& rule : profile.value("syscalls", json::array())) {
      if (!included(rule, target) || excluded(rule, target)) continue;
      json names = rule.contains("names") ? rule["names"] : json::array({rule.at("name")});
      json out = {{"names", names}, {"action", rule.at("action")}};
      for (const char* key : {"errnoRet", "args"})
        if (rule.contains(key) && !rule[key].is_null()) out[key] = rule[key];
      oci["syscalls"].push_back(std::move(out));
    }
  } catch (const json::exception& e) {
    throw Error(std::string("seccomp profile: malformed syscall rule: ") + e.what());
  }
  return oci;
}

}  // namespace mini::engine
