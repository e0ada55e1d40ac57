#pragma once
// The steps of a container's birth (contain.cc runs them in order), for the
// child only: after clone nothing here allocates or throws. A failing step
// reports itself through fail() or refuse() and exits.
#include <climits>

#include "runtime/contain/contain.h"
#include "runtime/contain/report.h"

namespace mini::runtime::steps {

// ---- Reporting (report.cc) ----
[[noreturn]] void fail(const ChildPlan& plan, Step step, int err, const char* detail = nullptr) noexcept;
// A refusal: the whole one-line message, worded for the user.
[[noreturn]] __attribute__((format(printf, 2, 3))) void refuse(const ChildPlan& plan, const char* format,
                                                               ...) noexcept;
// Setup is done: tells the parent (lifecycle create) so.
void report_ready(const ChildPlan& plan) noexcept;
// Mounts are done: the parent runs its hooks, then says go again.
void report_hooks(const ChildPlan& plan) noexcept;

// ---- Paths inside the root (paths.cc) ----
int open_in_root(int root_fd, const char* path, int flags) noexcept;
int open_mount_target(int root_fd, const char* path, bool file) noexcept;
void fd_path(int fd, char (&out)[64]) noexcept;
int open_no_symlinks(int dir_fd, const char* path, int flags) noexcept;
int open_real_directory(const ChildPlan& plan, int root_fd, const char* path, const char* fstype) noexcept;
bool path_in_root(const char* root_path, int fd, char (&out)[PATH_MAX]) noexcept;
bool on_procfs(int fd) noexcept;
bool same_inode(int a, int b) noexcept;
unsigned long locked_flags(const char* path) noexcept;

// ---- Mounts (mounts.cc) ----
void mount_one(const ChildPlan& plan, int root_fd, const char* root_path, const MountStep& step,
               int source_fd) noexcept;

// ---- /dev (devices.cc) ----
void populate_dev(const ChildPlan& plan, int root_fd) noexcept;
void create_devices(const ChildPlan& plan, int root_fd) noexcept;
void make_console(const ChildPlan& plan, int root_fd) noexcept;

// ---- The root (root.cc) ----
void protect_paths(const ChildPlan& plan, int root_fd) noexcept;
void pivot_into(const ChildPlan& plan, int root_fd) noexcept;
void seal_root(const ChildPlan& plan) noexcept;

// ---- Namespaces and cgroups (namespaces.cc) ----
// setns into each namespace the spec names by path, user namespace first.
void join_namespaces(const ChildPlan& plan) noexcept;
void join_cgroups(const ChildPlan& plan) noexcept;

// ---- The process (process.cc) ----
void loopback_up(const ChildPlan& plan) noexcept;
void make_cwd(const ChildPlan& plan) noexcept;
// linux.sysctl, through the container's /proc before its paths go read-only.
void write_sysctls(const ChildPlan& plan, int root_fd) noexcept;
[[noreturn]] void finish_and_exec(const ChildPlan& plan) noexcept;

}  // namespace mini::runtime::steps
