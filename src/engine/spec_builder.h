#pragma once
// Image config + `mini run` flags -> OCI runtime-spec document. Pure: no
// I/O, so every rule here is unit-tested without root.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/isolation_flags.h"
#include "engine/userns.h"

namespace mini::engine {

struct RunFlags {
  std::vector<std::string> env;        // -e, in order; "K" alone takes the host's value
  std::vector<std::string> env_file;   // lines of --env-file files, already read
  std::optional<std::string> workdir;  // -w
  std::optional<std::string> hostname;
  std::optional<std::string> entrypoint;  // --entrypoint ("" clears the image's)
  std::vector<std::string> command;       // CMD... after the image name
  bool interactive = false;
  bool tty = false;
  bool read_only = false;
  IsolationFlags isolation;
};

struct ResolvedUser {
  uint32_t uid = 0, gid = 0;
  std::vector<uint32_t> additional_gids;
  std::string home = "/root";
};

// --device HOST[:CONTAINER[:PERMISSIONS]], with the host node's numbers.
struct DeviceFlag {
  std::string host_path, container_path;
  char type = 'c';  // 'c' or 'b'
  int64_t major = 0, minor = 0;
  uint32_t file_mode = 0666;
  std::string permissions = "rwm";
};

struct SpecInputs {
  nlohmann::json image_config;  // the whole image config document
  RunFlags flags;
  std::string container_id;
  std::string rootfs = "rootfs";  // relative to the bundle
  ResolvedUser user;
  // Host files bind-mounted over the container's /etc/{hostname,hosts,resolv.conf}.
  std::string etc_hostname, etc_hosts, etc_resolv_conf;
  // -v, --mount and --tmpfs, already turned into OCI mounts.
  nlohmann::json user_mounts = nlohmann::json::array();
  std::vector<DeviceFlag> devices;
  // --init: the host path of mini-init, run as PID 1 in front of the command.
  std::string init_binary;
  // --userns=remap: container IDs 0.. map to this host range.
  std::optional<IdRange> userns_remap;
  // A rootless mini (rootless.h) is root of its own user namespace, so the
  // spec asks for no user namespace of its own, and what such a root can't
  // mount (cgroup v1, the sysfs of a network namespace it doesn't own) is
  // bound from the host, read-only, as runc --rootless does.
  bool rootless = false;
  // Its namespace maps the user alone: there is no gid 5 for devpts's tty group.
  bool single_id = false;
  // --network host: no network namespace, and the host's hostname unless -h
  // gives one, as in Docker.
  bool host_network = false;
  std::string host_hostname;
  // A Docker-format seccomp profile from --security-opt seccomp=FILE; null
  // means Docker's default profile.
  nlohmann::json seccomp_profile;
  // The capabilities mini itself holds (its bounding set); --privileged and
  // --cap-add ALL grant these. Empty means every capability mini knows.
  std::vector<std::string> host_capabilities;
  std::string arch = "amd64";     // GOARCH of the host
  std::string kernel_release;     // uname -r, for the profile's minKernel
  // Looks up host environment variables for "-e NAME" (getenv in production).
  std::function<std::optional<std::string>(const std::string&)> host_env;
};

constexpr const char* kInitPathInContainer = "/sbin/mini-init";
constexpr const char* kDefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// The hostname Docker gives a container: the first 12 digits of its ID.
std::string default_hostname(const std::string& container_id);
// Entrypoint + Cmd after Docker's override rules. Empty means "no command".
std::vector<std::string> resolve_args(const nlohmann::json& image_config, const RunFlags& flags);
// Image Env, then --env-file, then -e; PATH defaulted; HOSTNAME, HOME, TERM added.
std::vector<std::string> resolve_env(const SpecInputs& in, const std::string& hostname);
// Throws mini::Error for an empty command or a relative working directory.
nlohmann::json build_spec(const SpecInputs& in);

// Docker's default capability set.
const std::vector<std::string>& default_capabilities();
const std::vector<std::string>& default_masked_paths();
const std::vector<std::string>& default_readonly_paths();

}  // namespace mini::engine
