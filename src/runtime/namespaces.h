#pragma once
// The one namespace table: the spec's names, their clone flags and their
// /proc/<pid>/ns names; and the plan made of a spec's linux.namespaces,
// for a new container (clone or join by path) and for exec (join them all).
#include <sched.h>

#include <optional>
#include <string>
#include <vector>

#include "runtime/spec.h"

namespace mini::runtime {

struct NamespaceKind {
  const char* type;       // as config.json names it: "network"
  int flag;               // CLONE_NEWNET
  const char* proc_name;  // as /proc/<pid>/ns names it: "net"
};

const std::vector<NamespaceKind>& namespace_table();
std::optional<NamespaceKind> namespace_kind(const std::string& type);

struct NamespaceJoin {
  int flag;
  std::string path;
};

struct NamespacePlan {
  // What clone creates. The cgroup namespace is not among them: the child
  // unshares it once it sits in its cgroup, so its root is the container's.
  unsigned long clone_flags = 0;
  bool new_cgroup = false;
  bool new_time = false;
  // Entered by path with setns, the user namespace first (the others may
  // belong to it). A pid namespace is entered by the parent before clone,
  // since setns(CLONE_NEWPID) applies to children only.
  std::vector<NamespaceJoin> joins;
  std::optional<std::string> pid_path;

  bool creates(int flag) const { return (clone_flags & static_cast<unsigned long>(flag)) != 0; }
  bool joins_any(int flag) const;
  bool has(int flag) const { return creates(flag) || joins_any(flag) || (flag == CLONE_NEWPID && pid_path); }
};

// Throws mini::Error for a spec the runtime can't honour (no mount
// namespace at all: it never mounts in the host's).
NamespacePlan plan_namespaces(const std::vector<Namespace>& namespaces);

// exec: the CLONE_NEW* flags of every namespace the container has, to join
// through its pidfd (the pid namespace is entered by the parent).
int exec_namespace_flags(const std::vector<Namespace>& namespaces);

}  // namespace mini::runtime
