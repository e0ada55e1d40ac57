#pragma once
// Docker's seccomp profile format -> the OCI linux.seccomp object the runtime
// compiles. Conditions on capabilities, architecture and kernel version are
// resolved here, once, so the runtime sees a plain rule list.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mini::engine {

const char* default_seccomp_profile();

struct SeccompTarget {
  std::vector<std::string> capabilities;  // the container's bounding set
  std::string arch = "amd64";             // GOARCH name
  std::string kernel_release;             // uname -r
};

// Throws mini::Error for a profile that is not Docker's format.
nlohmann::json docker_profile_to_oci(const nlohmann::json& profile, const SeccompTarget& target);

// "6.18.44-fc" >= "4.8"?
bool kernel_at_least(const std::string& release, const std::string& minimum);

}  // namespace mini::engine
