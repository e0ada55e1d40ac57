#include "runtime/namespaces.h"

#include <sched.h>

#include <algorithm>

#include "common/error.h"

namespace mini::runtime {

const std::vector<NamespaceKind>& namespace_table() {
  // User first: joining the others may need the capabilities it grants.
  static const std::vector<NamespaceKind> table = {
      {"user", CLONE_NEWUSER, "user"}, {"pid", CLONE_NEWPID, "pid"},         {"network", CLONE_NEWNET, "net"},
      {"mount", CLONE_NEWNS, "mnt"},   {"ipc", CLONE_NEWIPC, "ipc"},         {"uts", CLONE_NEWUTS, "uts"},
      {"cgroup", CLONE_NEWCGROUP, "cgroup"}, {"time", CLONE_NEWTIME, "time"},
  };
  return table;
}

std::optional<NamespaceKind> namespace_kind(const std::string& type) {
  for (const auto& kind : namespace_table())
    if (type == kind.type) return kind;
  return std::nullopt;
}

bool NamespacePlan::joins_any(int flag) const {
  return std::any_of(joins.begin(), joins.end(), [&](const NamespaceJoin& j) { return j.flag == flag; });
}

NamespacePlan plan_namespaces(const std::vector<Namespace>& namespaces) {
  NamespacePlan plan;
  for (const auto& kind : namespace_table()) {
    auto ns = std::find_if(namespaces.begin(), namespaces.end(), [&](const Namespace& n) { return n.type == kind.type; });
    if (ns == namespaces.end()) continue;
    if (!ns->path.empty()) {
      if (kind.flag == CLONE_NEWPID) plan.pid_path = ns->path;
      else plan.joins.push_back({kind.flag, ns->path});
    } else if (kind.flag == CLONE_NEWCGROUP) {
      plan.new_cgroup = true;
    } else if (kind.flag == CLONE_NEWTIME) {
      // clone()'s flags can't say it (0x80 is in the exit-signal byte): the
      // parent unshares it for the clone instead (launch.cc).
      plan.new_time = true;
    } else {
      plan.clone_flags |= static_cast<unsigned long>(kind.flag);
    }
  }
  if (!plan.has(CLONE_NEWNS))
    throw Error("config.json: the runtime needs a \"mount\" namespace in linux.namespaces; it never mounts in the "
                "host's");
  return plan;
}

int exec_namespace_flags(const std::vector<Namespace>& namespaces) {
  int flags = 0;
  for (const auto& ns : namespaces)
    if (auto kind = namespace_kind(ns.type); kind && kind->flag != CLONE_NEWPID) flags |= kind->flag;
  return flags;
}

}  // namespace mini::runtime
