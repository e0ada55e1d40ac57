#pragma once
// Compiles the spec's linux.seccomp with libseccomp into a BPF program in the
// parent; the child only hands the finished program to the kernel.
#include <linux/filter.h>

#include <filesystem>
#include <vector>

#include <nlohmann/json.hpp>

namespace mini::runtime {

struct SeccompProgram {
  std::vector<sock_filter> instructions;
  bool empty() const { return instructions.empty(); }
};

// Null or absent -> empty program (unconfined). Throws mini::Error for
// unknown actions, operators or architectures. Unknown syscall names are
// skipped, as runc does, so one profile serves several kernels.
// With a cache directory set, a program compiled before for the same
// document, libseccomp, kernel API level and machine is read back instead
// of compiled again (compiling Docker's profile takes milliseconds).
SeccompProgram compile_seccomp(const nlohmann::json& linux_seccomp);

// Where compile_seccomp keeps compiled programs; empty (the default) turns
// the cache off. Created 0700 on first use.
void set_seccomp_cache_dir(const std::filesystem::path& dir);

// Child side: installs the program. Returns 0 or an errno.
int install_seccomp(const SeccompProgram& program) noexcept;

}  // namespace mini::runtime
