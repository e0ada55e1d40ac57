#include "engine/rootless.h"

#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <iterator>
#include <sstream>

#include "common/error.h"
#include "common/fs_util.h"

extern char** environ;

namespace mini::engine {

namespace {

using fsutil::UniqueFd;

std::optional<IdRange> range_for(const std::string& content, const std::string& name, uid_t id) {
  if (!name.empty())
    if (auto r = find_subid_range(content, name)) return r;
  return find_subid_range(content, std::to_string(id));
}

std::string read_or_empty(const char* path) {
  try {
    return fsutil::read_file(path, 4 << 20);
  } catch (const Error&) {
    return "";
  }
}

void write_proc(const char* file, const std::string& text) {
  UniqueFd fd(::open(file, O_WRONLY | O_CLOEXEC));
  if (!fd || ::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    throw_errno(std::string("write ") + file + " for the rootless user namespace");
}

// Runs newuidmap or newgidmap for `pid`; the tool's own message goes to
// our stderr. Returns its exit status, or -1 when it could not run.
int run_map_tool(const char* tool, pid_t pid, const std::vector<std::string>& args) {
  std::vector<std::string> argv_s = {tool, std::to_string(pid)};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t child;
  if (::posix_spawnp(&child, tool, nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  while (::waitpid(child, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

}  // namespace

std::vector<std::string> RootlessMaps::uid_args() const {
  std::vector<std::string> args = {"0", std::to_string(uid), "1"};
  if (full()) args.insert(args.end(), {"1", std::to_string(subuid->start), std::to_string(subuid->count)});
  return args;
}

std::vector<std::string> RootlessMaps::gid_args() const {
  std::vector<std::string> args = {"0", std::to_string(gid), "1"};
  if (full()) args.insert(args.end(), {"1", std::to_string(subgid->start), std::to_string(subgid->count)});
  return args;
}

RootlessMaps plan_rootless_maps(uid_t uid, gid_t gid, const std::string& name, const std::string& subuid,
                                const std::string& subgid) {
  RootlessMaps maps;
  maps.uid = uid;
  maps.gid = gid;
  auto u = range_for(subuid, name, uid);
  auto g = range_for(subgid, name, uid);
  // One without the other would leave the image's files half unmappable.
  if (u && g) {
    maps.subuid = u;
    maps.subgid = g;
  }
  return maps;
}

void enter_rootless_namespace() {
  if (!identity::rootless() || identity::in_user_namespace()) return;
  uid_t uid = ::geteuid();
  gid_t gid = ::getegid();
  std::string name;
  if (passwd* pw = ::getpwuid(uid); pw && pw->pw_name) name = pw->pw_name;
  RootlessMaps maps = plan_rootless_maps(uid, gid, name, read_or_empty("/etc/subuid"), read_or_empty("/etc/subgid"));

  // The maps of a range must be written from outside the namespace by the
  // setuid helpers; a helper process forked now stays outside and waits
  // until we are in.
  int go[2], done[2];
  if (::pipe2(go, O_CLOEXEC) != 0 || ::pipe2(done, O_CLOEXEC) != 0) throw_errno("pipe");
  UniqueFd go_read(go[0]), go_write(go[1]), done_read(done[0]), done_write(done[1]);
  pid_t self = ::getpid();
  pid_t helper = -1;
  if (maps.full()) {
    helper = ::fork();
    if (helper < 0) throw_errno("fork the id map helper");
    if (helper == 0) {
      char byte = 0;
      if (::read(go_read.get(), &byte, 1) != 1) ::_exit(1);
      int rc = run_map_tool("newuidmap", self, maps.uid_args());
      if (rc == 0) rc = run_map_tool("newgidmap", self, maps.gid_args());
      char result = static_cast<char>(rc == 0 ? 0 : rc < 0 ? 127 : rc);
      (void)!::write(done_write.get(), &result, 1);
      ::_exit(0);
    }
  }
  auto reap = [&] {
    if (helper <= 0) return;
    go_write.reset();
    int status;
    while (::waitpid(helper, &status, 0) < 0 && errno == EINTR) {
    }
    helper = -1;
  };
  if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
    int err = errno;
    reap();
    throw Error(std::string("create a user namespace for rootless mini: ") + std::strerror(err) +
                "; unprivileged user namespaces must be enabled (sysctl user.max_user_namespaces, "
                "kernel.unprivileged_userns_clone)");
  }
  if (maps.full()) {
    if (::write(go_write.get(), "g", 1) != 1) throw_errno("start the id map helper");
    char result = 1;
    ssize_t n = ::read(done_read.get(), &result, 1);
    reap();
    if (n != 1 || result != 0)
      throw Error(std::string(result == 127 ? "newuidmap/newgidmap are not installed (apt install uidmap)"
                                            : "newuidmap/newgidmap refused the ranges of /etc/subuid and "
                                              "/etc/subgid") +
                  " for " + (name.empty() ? std::to_string(uid) : name) + "; fix the ranges, or remove them to run " +
                  "with your own id alone");
  } else {
    // Without CAP_SETGID outside, the kernel takes a gid_map only once
    // setgroups is denied (user_namespaces(7)).
    write_proc("/proc/self/setgroups", "deny");
    write_proc("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1\n");
    write_proc("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1\n");
  }
  identity::refresh();
}

bool single_id_namespace() {
  if (!identity::rootless()) return false;
  const auto& map = identity::uid_map();
  return map.size() == 1 && map[0].count == 1;
}

std::string single_id_notice(const std::string& user) {
  return "mini: rootless without a range in /etc/subuid and /etc/subgid for " + user +
         ": the container sees your user alone as root, so files of the image owned by other ids unpack as "
         "yours and chown inside the container fails (add a range, e.g. usermod --add-subuids 100000-165535 "
         "--add-subgids 100000-165535 " + user + ")";
}

}  // namespace mini::engine

#include "runtime/cgroup.h"

namespace mini::engine {

namespace {

// The flags behind the limits a spec asks for, in Docker's words.
std::vector<std::string> requested_limits(const nlohmann::json& resources) {
  runtime::cgroup::Limits limits = runtime::cgroup::parse_limits(resources);
  std::vector<std::string> flags;
  // --memory sets the swap limit too, as Docker does: one flag to name.
  if (limits.memory) flags.push_back("--memory");
  else if (limits.memory_swap) flags.push_back("--memory-swap");
  if (limits.cpu_quota || limits.cpu_period) flags.push_back("--cpus");
  if (limits.cpu_shares) flags.push_back("--cpu-shares");
  if (limits.cpuset_cpus || limits.cpuset_mems) flags.push_back("--cpuset-cpus");
  if (limits.pids && *limits.pids > 0) flags.push_back("--pids-limit");
  return flags;
}

std::vector<std::string> controllers_for(const std::vector<std::string>& flags) {
  std::vector<std::string> out;
  auto add = [&](const char* c) {
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  };
  for (const auto& f : flags) {
    if (f == "--memory" || f == "--memory-swap") add("memory");
    if (f == "--cpus" || f == "--cpu-shares") add("cpu");
    if (f == "--cpuset-cpus") add("cpuset");
    if (f == "--pids-limit") add("pids");
  }
  return out;
}

std::string join_words(const std::vector<std::string>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i) out += i + 1 == words.size() ? " and " : ", ";
    out += words[i];
  }
  return out;
}

}  // namespace

RootlessCgroups plan_rootless_cgroups(const nlohmann::json& resources, const std::string& container_id,
                                      const runtime::cgroup::Hierarchy& hierarchy,
                                      const std::string& proc_self_cgroup,
                                      const std::function<bool(const std::filesystem::path&)>& writable,
                                      const std::function<std::string(const std::filesystem::path&)>& read) {
  RootlessCgroups out;
  std::vector<std::string> flags = requested_limits(resources);
  auto ignore = [&](const std::string& why) {
    if (!flags.empty())
      out.ignored = "mini: rootless: " + join_words(flags) + (flags.size() == 1 ? " is" : " are") +
                    " ignored: " + why;
    return out;
  };
  if (!hierarchy.v1_mounts.empty() || !hierarchy.unified)
    return ignore("this host's cgroup controllers are on cgroup v1, which can't be delegated to a user; limits "
                  "need cgroup v2 delegated to you (a systemd user slice)");
  std::string own;
  std::istringstream lines(proc_self_cgroup);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("0::", 0) == 0) own = line.substr(3);
  std::filesystem::path parent = std::filesystem::path(own).parent_path();
  std::filesystem::path dir = *hierarchy.unified / parent.relative_path();
  if (own.empty() || !writable(dir) || !writable(dir / "cgroup.subtree_control"))
    return ignore("cgroup v2 is not delegated to you (" + dir.string() +
                  " is not yours); run mini in a systemd user slice, or chown a subtree to your user");
  std::istringstream words(read(dir / "cgroup.controllers"));
  std::vector<std::string> available{std::istream_iterator<std::string>(words), {}};
  std::vector<std::string> missing;
  for (const auto& c : controllers_for(flags))
    if (std::find(available.begin(), available.end(), c) == available.end()) missing.push_back(c);
  if (!missing.empty())
    return ignore("the cgroup delegated to you (" + dir.string() + ") lacks the " + join_words(missing) +
                  " controller" + (missing.size() == 1 ? "" : "s"));
  out.driver = runtime::CgroupDriver::CgroupfsV2;
  out.cgroups_path = (parent / ("mini-" + container_id)).string();
  return out;
}

RootlessCgroups rootless_cgroups(const nlohmann::json& resources, const std::string& container_id) {
  std::string self;
  try {
    self = fsutil::read_file("/proc/self/cgroup", 1 << 16);
  } catch (const Error&) {
  }
  return plan_rootless_cgroups(
      resources, container_id, runtime::cgroup::detect_hierarchy(), self,
      [](const std::filesystem::path& p) { return ::access(p.c_str(), W_OK) == 0; },
      [](const std::filesystem::path& p) {
        try {
          return fsutil::read_file(p, 1 << 16);
        } catch (const Error&) {
          return std::string();
        }
      });
}

}  // namespace mini::engine
