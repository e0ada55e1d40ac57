#pragma once
// Compiles the spec's linux.seccomp with libseccomp into a BPF program in the
// parent; the child only hands the finished program to the kernel.
#include <linux/filter.h>

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
SeccompProgram compile_seccomp(const nlohmann::json& linux_seccomp);

// Child side: installs the program. Returns 0 or an errno.
int install_seccomp(const SeccompProgram& program) noexcept;

}  // namespace mini::runtime
