#pragma once
// The spec's mounts as plain values the child can execute with bare
// syscalls: flags decoded, data joined, bind targets typed. Pure, so the
// rules are unit-tested without root.
#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "runtime/cgroup.h"
#include "runtime/mount_rules.h"
#include "runtime/spec.h"

namespace mini::runtime {

struct MountOptions {
  unsigned long flags = 0;        // MS_* set by the options
  unsigned long propagation = 0;  // MS_PRIVATE, MS_SLAVE, ... with MS_REC for the r- forms
  bool bind = false, recursive = false;
  std::string data;  // what the filesystem parses itself: "mode=755,size=65536k"
};

// Throws mini::Error for options that are neither flags nor filesystem data
// mini passes on (an unknown word without '=' is passed on as data too, as
// runc does; only conflicting propagation is refused).
MountOptions parse_mount_options(const std::vector<std::string>& options);

struct MountStep {
  std::string target;  // absolute inside the container
  std::string source;
  std::string fstype;  // empty for binds
  unsigned long flags = 0;
  unsigned long propagation = 0;
  std::string data;
  bool bind = false;
  // A bind ignores every flag but MS_REC on its first mount; a second
  // MS_REMOUNT applies ro, nosuid, nodev, noexec.
  bool remount = false;
  bool target_is_file = false;
  // Not a mount: remounts what is at `target` read-only with `flags` and
  // `data` (the tmpfs that holds the cgroup v1 hierarchies, once they are
  // in it, and before any later mount can cover it).
  bool seal_readonly = false;
  // Mounted only on a real directory, every component reached without a
  // symlink (proc, sysfs, devpts, mqueue, cgroup, the /dev tmpfs); binds and
  // other tmpfs resolve symlinks inside the root.
  bool real_directory = false;
};

// Destinations come out clean (clean_container_path); one that is the
// container's root is refused with Docker's message. `is_directory` says whether a bind source on the host is a directory
// (stat in production, a fake in tests). A "cgroup" mount becomes what the
// host has: cgroup2 alone, or a tmpfs holding each v1 hierarchy (and the
// unified one) as Docker shows them; the container's cgroup namespace makes
// each show only the container's own cgroup.
std::vector<MountStep> plan_mounts(const std::vector<Mount>& mounts,
                                   const std::function<bool(const std::string&)>& is_directory,
                                   const cgroup::Hierarchy& cgroups = {});
bool host_path_is_directory(const std::string& path);
// Every mount option word parse_mount_options knows (flags, propagation,
// bind and rbind), for the runtime-spec features document.
std::vector<std::string> mount_option_names();

struct DeviceNode {
  const char* name;  // under /dev
  unsigned major, minor;
};

// The devices every container gets in its /dev tmpfs, as Docker gives them.
const std::vector<DeviceNode>& default_devices();
// /dev symlinks: name -> target.
const std::vector<std::pair<const char*, const char*>>& default_dev_symlinks();

}  // namespace mini::runtime
