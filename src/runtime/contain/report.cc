#include "runtime/contain/report.h"

#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "runtime/contain/steps.h"

namespace mini::runtime {

const char* step_text(Step step) {
  switch (step) {
    case Step::Ready: return "ready";
    case Step::Refused: return "refused";
    case Step::JoinNamespace: return "join namespace";
    case Step::WaitForStart: return "wait for start";
    case Step::AttachPty: return "attach pty";
    case Step::AttachStdio: return "attach stdio";
    case Step::BecomeRootInTheUserNamespace: return "become root in the user namespace";
    case Step::BindDevice: return "bind device";
    case Step::BindRootfs: return "bind rootfs";
    case Step::BringUpLoopback: return "bring up loopback";
    case Step::Chdir: return "chdir /";
    case Step::ChownDevice: return "chown device";
    case Step::CloseInheritedDescriptors: return "close inherited descriptors";
    case Step::CreateDevSymlink: return "create /dev symlink";
    case Step::CreateCgroupNamespace: return "create cgroup namespace";
    case Step::CreateDevice: return "create device";
    case Step::CreateDeviceDirectory: return "create device directory";
    case Step::CreateMountTarget: return "create mount target";
    case Step::CreateWorkingDirectory: return "create working directory";
    case Step::DetachOldRoot: return "detach old root";
    case Step::EnterRootfs: return "enter rootfs";
    case Step::EnterWorkingDirectory: return "enter working directory";
    case Step::Exec: return "exec";
    case Step::InstallSeccompFilter: return "install seccomp filter";
    case Step::JoinTheContainersCgroup: return "join the container's cgroup";
    case Step::JoinTheContainersNamespaces: return "join the container's namespaces";
    case Step::KeepCapabilities: return "keep capabilities";
    case Step::MakeMountsPrivate: return "make mounts private";
    case Step::MakeReadOnly: return "make read-only";
    case Step::MakeRootReadOnly: return "make the root read-only";
    case Step::MakeTheRuntimeUndumpable: return "make the runtime undumpable";
    case Step::Mask: return "mask";
    case Step::Mount: return "mount";
    case Step::OpenDev: return "open /dev";
    case Step::OpenPtmx: return "open /dev/pts/ptmx";
    case Step::OpenBindSource: return "open bind source";
    case Step::OpenMountTarget: return "open mount target";
    case Step::OpenPty: return "open pty";
    case Step::OpenRootfs: return "open rootfs";
    case Step::OpenTheContainersRoot: return "open the container's root";
    case Step::PivotRoot: return "pivot_root";
    case Step::Remount: return "remount";
    case Step::ReopenMountTarget: return "reopen mount target";
    case Step::SendPty: return "send the pty to the runtime";
    case Step::SetControllingTerminal: return "set controlling terminal";
    case Step::SetGroupId: return "set group id";
    case Step::SetHostname: return "set hostname";
    case Step::SetMountPropagation: return "set mount propagation";
    case Step::SetNoNewPrivs: return "set no_new_privs";
    case Step::SetParentDeathSignal: return "set parent-death signal";
    case Step::SetRlimit: return "set rlimit";
    case Step::SetSupplementaryGroups: return "set supplementary groups";
    case Step::SetUserId: return "set user id";
    case Step::StartASession: return "start a session";
    case Step::UnlockPty: return "unlock pty";
    case Step::WorkingDirectory: return "working directory";
    case Step::WorkingDirectoryIsOutsideTheContainer: return "working directory is outside the container:";
    case Step::DropCapabilityFromTheBoundingSet: return "drop capability from the bounding set";
    case Step::SetCapabilities: return "set capabilities";
    case Step::ClearAmbientCapabilities: return "clear ambient capabilities";
    case Step::RaiseAmbientCapability: return "raise ambient capability";
    case Step::Hooks: return "wait for hooks";
    case Step::WriteSysctl: return "write sysctl";
    case Step::SetRootfsPropagation: return "set rootfs propagation";
    case Step::SetDomainname: return "set domainname";
    case Step::SetPersonality: return "set personality";
    case Step::SendSeccompListener: return "send the seccomp listener to the runtime";
  }
  return "start the container";
}

namespace {

std::string hint_for(Step step, int err) {
  if (err == EPERM || err == EACCES) {
    if (step == Step::Exec) return "";
    return "; creating namespaces and mounting need root, or the capabilities to do both";
  }
  if (step == Step::CreateMountTarget && (err == ENOTDIR || err == EEXIST))
    return "; something in the image is in the way of that mount target";
  if (step == Step::EnterWorkingDirectory) return "; check the process's working directory and the user's permissions";
  return "";
}

}  // namespace

std::string report_message(const ChildReport& report) {
  std::string detail(report.detail, strnlen(report.detail, sizeof(report.detail)));
  if (report.step == Step::Refused) return detail;
  std::string message = step_text(report.step);
  if (!detail.empty()) message += " " + detail;
  return message + ": " + std::strerror(report.err) + hint_for(report.step, report.err);
}

}  // namespace mini::runtime

namespace mini::runtime::steps {

namespace {

void send(const ChildPlan& plan, const ChildReport& report) noexcept {
  ssize_t n;
  do {
    n = ::write(plan.report_fd, &report, sizeof(report));
  } while (n < 0 && errno == EINTR);
}

}  // namespace

void fail(const ChildPlan& plan, Step step, int err, const char* detail) noexcept {
  ChildReport report;
  report.step = step;
  report.err = err != 0 ? err : EIO;  // 0 marks a refusal
  if (detail) std::snprintf(report.detail, sizeof(report.detail), "%s", detail);
  send(plan, report);
  ::_exit(125);
}

void refuse(const ChildPlan& plan, const char* format, ...) noexcept {
  ChildReport report;
  report.step = Step::Refused;
  report.err = 0;
  va_list args;
  va_start(args, format);
  std::vsnprintf(report.detail, sizeof(report.detail), format, args);
  va_end(args);
  send(plan, report);
  ::_exit(125);
}

void report_ready(const ChildPlan& plan) noexcept { send(plan, ChildReport{}); }

void report_hooks(const ChildPlan& plan) noexcept {
  ChildReport report;
  report.step = Step::Hooks;
  send(plan, report);
}

}  // namespace mini::runtime::steps
