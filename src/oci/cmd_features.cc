// mini-oci features: what this runtime implements, as the runtime-spec's
// features document (features.md) says it.
#include <seccomp.h>

#include <iostream>

#include <nlohmann/json.hpp>

#include "oci/context.h"
#include "runtime/capabilities.h"
#include "runtime/mount_plan.h"
#include "runtime/namespaces.h"
#include "runtime/seccomp.h"

namespace mini::oci {

int cmd_features(Context&, const std::vector<std::string>& argv) {
  parse_args(argv, {});
  using nlohmann::json;
  json namespaces = json::array();
  for (const auto& kind : runtime::namespace_table()) namespaces.push_back(kind.type);
  json capabilities = json::array();
  for (int cap = 0; cap <= runtime::read_last_cap(); ++cap) capabilities.push_back(runtime::capability_name(cap));
  json doc = {
      {"ociVersionMin", "1.0.0"},
      {"ociVersionMax", "1.0.2"},
      {"hooks", {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}},
      {"mountOptions", runtime::mount_option_names()},
      {"linux",
       {{"namespaces", namespaces},
        {"capabilities", capabilities},
        {"cgroup", {{"v1", true}, {"v2", true}, {"systemd", false}, {"systemdUser", false}, {"rdma", false}}},
        {"seccomp",
         {{"enabled", true},
          {"actions",
           {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
            "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"}},
          {"operators",
           {"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ",
            "SCMP_CMP_NE"}},
          {"archs",
           {"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32",
            "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390X", "SCMP_ARCH_RISCV64"}},
          {"knownFlags", runtime::seccomp_flag_names()},
          {"supportedFlags", runtime::seccomp_flag_names()}}},
        {"apparmor", {{"enabled", false}}},
        {"selinux", {{"enabled", false}}},
        {"intelRdt", {{"enabled", false}}}}},
      {"annotations",
       {{"org.opencontainers.runtime-spec.features.mini-oci.version", MINI_VERSION},
        {"io.github.seccomp.libseccomp.version",
         std::to_string(seccomp_version()->major) + "." + std::to_string(seccomp_version()->minor) + "." +
             std::to_string(seccomp_version()->micro)}}},
  };
  std::cout << doc.dump(4) << "\n";
  return 0;
}

}  // namespace mini::oci
