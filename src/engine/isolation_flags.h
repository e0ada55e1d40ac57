#pragma once
// `mini run` flags for limits and confinement -> pieces of the OCI spec.
// Pure functions; mini::Error for malformed values, worded like Docker's.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mini::engine {

struct IsolationFlags {
  std::optional<std::string> memory, memory_swap;  // "32m", "-1"
  std::optional<double> cpus;
  std::optional<uint64_t> cpu_shares;
  std::optional<std::string> cpuset_cpus;
  std::optional<int64_t> pids_limit;
  std::vector<std::string> cap_add, cap_drop;
  bool privileged = false;
  std::vector<std::string> security_opt;  // "seccomp=unconfined", "seccomp=FILE", "no-new-privileges"
  std::vector<std::string> ulimits;       // "nofile=1024:2048"
  std::vector<std::string> group_add;
};

// Docker's RAMInBytes: "32m", "1g", "512k", "100" (bytes); 1024-based.
int64_t parse_bytes(const std::string& text);

// linux.resources; memory-swap defaults to twice the memory, as in Docker.
nlohmann::json resources_from_flags(const IsolationFlags& flags);

// The capability list after --privileged, --cap-add and --cap-drop
// (names with or without CAP_, any case, and ALL).
std::vector<std::string> capabilities_from_flags(const IsolationFlags& flags,
                                                 const std::vector<std::string>& defaults);

// process.rlimits from --ulimit.
nlohmann::json rlimits_from_flags(const std::vector<std::string>& ulimits);

struct SecurityOptions {
  bool seccomp_unconfined = false;
  std::optional<std::string> seccomp_profile_path;
  bool no_new_privileges = false;
};
SecurityOptions parse_security_opts(const std::vector<std::string>& options);

}  // namespace mini::engine
