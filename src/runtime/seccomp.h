#pragma once
// Compiles the spec's linux.seccomp with libseccomp into a BPF program in the
// parent; the child only hands the finished program to the kernel.
#include <linux/filter.h>

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mini::runtime {

struct SeccompProgram {
  std::vector<sock_filter> instructions;
  unsigned flags = 0;  // linux.seccomp.flags, SECCOMP_FILTER_FLAG_*
  // A rule acts SCMP_ACT_NOTIFY: installing makes a listener descriptor,
  // which the runtime sends to the agent at listener_path (runtime-spec
  // "seccomp notify") with listener_metadata.
  bool notify = false;
  std::string listener_path, listener_metadata;
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

// Child side: installs the program. Returns 0 or an errno; with
// program.notify, *listener is the new listener descriptor.
int install_seccomp(const SeccompProgram& program, int* listener = nullptr) noexcept;

// The runtime-spec's names of SECCOMP_FILTER_FLAG_*, for features.
const std::vector<std::string>& seccomp_flag_names();
// Sends `listener` to the agent's unix socket `program.listener_path`, with
// the container process state (`state_json` is the container's State).
void send_seccomp_listener(const SeccompProgram& program, int listener, pid_t pid, const std::string& state_json);

}  // namespace mini::runtime
