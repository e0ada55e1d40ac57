// Joining what exists already: namespaces named by path, and the cgroup
// through files the parent opened.
#include <sched.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/contain/steps.h"

namespace mini::runtime::steps {

void join_namespaces(const ChildPlan& plan) noexcept {
  // The user namespace comes first in the list; the kernel needs it entered
  // before the namespaces it owns.
  for (const auto& [fd, flag] : plan.join_fds) {
    if (::setns(fd, flag) != 0) fail(plan, Step::JoinNamespace, errno);
    ::close(fd);
  }
}

// The descriptors come from the parent; the kernel checks its credentials.
void join_cgroups(const ChildPlan& plan) noexcept {
  for (int fd : plan.cgroup_join_fds)
    if (::write(fd, "0", 1) != 1) fail(plan, Step::JoinTheContainersCgroup, errno);
}

}  // namespace mini::runtime::steps
