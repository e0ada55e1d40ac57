#pragma once
// What the child tells the parent over the close-on-exec report pipe: a
// typed step and its errno, never a string the parent has to parse. The
// parent words the message (report_message) and each caller adds hints that
// fit its own command line.
#include <cstdint>
#include <string>

namespace mini::runtime {

enum class Step : uint8_t {
  // Not failures: setup is done and init waits for start (lifecycle create).
  Ready,
  // Not a failure either: mounts are done, and init waits before pivot_root
  // while the runtime runs prestart, createRuntime and createContainer hooks.
  Hooks,
  // A refusal already worded for the user in `detail`; err is 0.
  Refused,
  JoinNamespace,
  WaitForStart,
  AttachPty,
  AttachStdio,
  BecomeRootInTheUserNamespace,
  BindDevice,
  BindRootfs,
  BringUpLoopback,
  Chdir,
  ChownDevice,
  CloseInheritedDescriptors,
  CreateDevSymlink,
  CreateCgroupNamespace,
  CreateDevice,
  CreateDeviceDirectory,
  CreateMountTarget,
  CreateWorkingDirectory,
  DetachOldRoot,
  EnterRootfs,
  EnterWorkingDirectory,
  Exec,
  InstallSeccompFilter,
  JoinTheContainersCgroup,
  JoinTheContainersNamespaces,
  KeepCapabilities,
  MakeMountsPrivate,
  MakeReadOnly,
  MakeRootReadOnly,
  MakeTheRuntimeUndumpable,
  Mask,
  Mount,
  OpenDev,
  OpenPtmx,
  OpenBindSource,
  OpenMountTarget,
  OpenPty,
  OpenRootfs,
  OpenTheContainersRoot,
  PivotRoot,
  Remount,
  ReopenMountTarget,
  SendPty,
  SetControllingTerminal,
  SetGroupId,
  SetHostname,
  SetMountPropagation,
  SetNoNewPrivs,
  SetParentDeathSignal,
  SetRlimit,
  SetSupplementaryGroups,
  SetUserId,
  StartASession,
  UnlockPty,
  WorkingDirectory,
  WorkingDirectoryIsOutsideTheContainer,
  DropCapabilityFromTheBoundingSet,
  SetCapabilities,
  ClearAmbientCapabilities,
  RaiseAmbientCapability,
  WriteSysctl,
  SetRootfsPropagation,
  SetDomainname,
  SetPersonality,
  SendSeccompListener,
};

struct ChildReport {
  Step step = Step::Ready;
  int err = 0;
  // What the step worked on (a path, a device), or a refusal's whole text.
  char detail[500] = {};
};

// "mount", "pivot_root": the step as the user reads it.
const char* step_text(Step step);
// "<step> <detail>: <strerror>" (the refusal's text for Step::Refused), plus
// a hint where one fits any caller.
std::string report_message(const ChildReport& report);

}  // namespace mini::runtime
