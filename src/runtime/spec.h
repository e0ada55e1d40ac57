#pragma once
// The part of the OCI runtime-spec (config.json) that mini executes, as plain
// values. Parsing rejects what mini cannot honour instead of ignoring it.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mini::runtime {

struct Mount {
  std::string destination;  // absolute path inside the container
  std::string type;         // "bind", "proc", "tmpfs", "sysfs", "devpts", "mqueue", ...
  std::string source;
  std::vector<std::string> options;  // OCI/fstab style: "nosuid", "ro", "rbind", "mode=755", ...
};

// linux.devices: a node the runtime creates in the container.
struct Device {
  std::string path;  // absolute inside the container
  char type = 'c';   // 'c', 'b', 'u' (unbuffered char) or 'p' (FIFO)
  int64_t major = 0, minor = 0;
  uint32_t file_mode = 0666;
  uint32_t uid = 0, gid = 0;
};

struct IdMapping {
  uint32_t container_id, host_id, size;
};

struct Rlimit {
  std::string type;  // "RLIMIT_NOFILE"
  uint64_t soft, hard;
};

struct Capabilities {
  std::vector<std::string> bounding, effective, permitted, inheritable, ambient;
};

struct Process {
  bool terminal = false;
  std::vector<std::string> args;
  std::vector<std::string> env;  // "K=V"
  std::string cwd = "/";
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> additional_gids;
  std::optional<Capabilities> capabilities;
  std::vector<Rlimit> rlimits;
  bool no_new_privileges = false;
  std::optional<int> oom_score_adj;  // written to /proc/<pid>/oom_score_adj before the process runs
  std::optional<mode_t> umask;       // unset: the runtime's own umask is inherited, as runc does
};

// hooks.*[]: a program the runtime runs at a point of the lifecycle, with
// the container's State JSON on its stdin.
struct Hook {
  std::string path;  // absolute
  std::vector<std::string> args, env;
  std::optional<int> timeout;  // seconds; killed and failed after it
};

struct Hooks {
  std::vector<Hook> prestart, create_runtime, create_container, start_container, poststart, poststop;
};

// linux.personality: the execution domain of the container's process.
struct Personality {
  unsigned long domain = 0;  // PER_LINUX or PER_LINUX32
};

struct Namespace {
  std::string type;  // "pid", "network", "mount", "ipc", "uts", "user", "cgroup"
  std::string path;  // join instead of create when set
};

struct Spec {
  std::string oci_version;
  std::filesystem::path root_path;  // absolute, or relative to the bundle
  bool root_readonly = false;
  std::string hostname, domainname;
  Process process;
  std::vector<Mount> mounts;
  std::vector<Device> devices;
  std::vector<Namespace> namespaces;
  std::vector<IdMapping> uid_mappings, gid_mappings;
  std::vector<std::string> masked_paths, readonly_paths;
  std::string cgroups_path;
  nlohmann::json resources;  // linux.resources, interpreted by the cgroup code
  nlohmann::json seccomp;    // linux.seccomp, or null
  std::map<std::string, std::string> annotations;
  Hooks hooks;
  std::map<std::string, std::string> sysctl;  // linux.sysctl, written under /proc/sys in the container
  // linux.rootfsPropagation as mount flags (MS_SHARED|MS_REC, ...); 0 when unset.
  unsigned long rootfs_propagation = 0;
  std::optional<Personality> personality;
  // linux.timeOffsets (a new "time" namespace): seconds and nanoseconds.
  std::optional<std::pair<int64_t, int64_t>> monotonic_offset, boottime_offset;
  // The document as it was parsed: a created container keeps a copy, so that
  // later verbs (exec, delete's poststop hooks) see what it was created with
  // even when the bundle's config.json changes.
  nlohmann::json document;

  bool has_namespace(const std::string& type) const;
};

// Throws mini::Error naming the offending field.
Spec parse_spec(const nlohmann::json& doc);
// A process object alone (runc exec --process FILE), checked as in a spec.
Process parse_process_object(const nlohmann::json& process);
Spec load_spec(const std::filesystem::path& config_json);

}  // namespace mini::runtime
