// Seccomp: Docker's default profile turned into OCI form by the engine,
// compiled by the runtime, and tried for real in a forked child (no root
// needed: no_new_privs allows it); the runtime's cache of compiled programs.
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "engine/seccomp_profile.h"
#include "common/error.h"
#include "runtime/seccomp.h"

namespace mini::runtime {
namespace {

using nlohmann::json;

json default_oci_profile(std::vector<std::string> caps) {
  engine::SeccompTarget target{std::move(caps), "amd64", "6.1.0"};
  return engine::docker_profile_to_oci(json::parse(engine::default_seccomp_profile()), target);
}

// Runs `probe` in a child under `program`; returns the errno it reports.
int errno_under_filter(const SeccompProgram& program, long (*probe)()) {
  int pipefd[2];
  EXPECT_EQ(pipe(pipefd), 0);
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    int result = install_seccomp(program);
    if (result == 0) result = probe() < 0 ? errno : 0;
    (void)!write(pipefd[1], &result, sizeof result);
    _exit(0);
  }
  close(pipefd[1]);
  int result = -1;
  EXPECT_EQ(read(pipefd[0], &result, sizeof result), static_cast<ssize_t>(sizeof result));
  close(pipefd[0]);
  waitpid(pid, nullptr, 0);
  return result;
}

TEST(Seccomp, DefaultProfileRefusesDangerousSyscalls) {
  SeccompProgram program = compile_seccomp(default_oci_profile({"CAP_CHOWN", "CAP_KILL"}));
  ASSERT_FALSE(program.empty());
  EXPECT_EQ(errno_under_filter(program, [] { return syscall(SYS_keyctl, 0, 0, 0, 0, 0); }), EPERM);
  EXPECT_EQ(errno_under_filter(program, [] { return syscall(SYS_unshare, 0x10000000 /*CLONE_NEWUSER*/); }), EPERM);
  EXPECT_EQ(errno_under_filter(program, [] { return syscall(SYS_bpf, 0, 0, 0); }), EPERM);
  EXPECT_EQ(errno_under_filter(program, [] { return syscall(SYS_userfaultfd, 0); }), EPERM);
  EXPECT_EQ(errno_under_filter(program, [] { return syscall(SYS_clone3, nullptr, 0); }), ENOSYS);
  EXPECT_EQ(errno_under_filter(program, [] { return syscall(SYS_getpid); }), 0);
  EXPECT_EQ(errno_under_filter(program, [] { return syscall(SYS_personality, 0xffffffffUL); }), 0);
}

TEST(Seccomp, CapabilitiesOpenTheirSyscalls) {
  json oci = default_oci_profile({"CAP_SYS_ADMIN"});
  bool mount_allowed = false;
  for (const auto& rule : oci["syscalls"])
    for (const auto& name : rule["names"]) mount_allowed |= name == "mount";
  EXPECT_TRUE(mount_allowed);
  json plain = default_oci_profile({});
  for (const auto& rule : plain["syscalls"])
    for (const auto& name : rule["names"]) EXPECT_NE(name, "mount");
}

TEST(Seccomp, EmptyIsUnconfinedAndBadInputIsAnError) {
  EXPECT_TRUE(compile_seccomp(nullptr).empty());
  EXPECT_THROW(compile_seccomp(json{{"defaultAction", "SCMP_ACT_BOGUS"}}), Error);
  EXPECT_THROW(compile_seccomp(json{{"defaultAction", "SCMP_ACT_ALLOW"}, {"architectures", {"SCMP_ARCH_VAX"}}}), Error);
  json unknown_syscall = {{"defaultAction", "SCMP_ACT_ALLOW"},
                          {"syscalls", {{{"names", {"no_such_syscall", "getpid"}}, {"action", "SCMP_ACT_ERRNO"}}}}};
  SeccompProgram program = compile_seccomp(unknown_syscall);
  EXPECT_EQ(errno_under_filter(program, [] { return syscall(SYS_getpid); }), EPERM);
}

bool same_program(const SeccompProgram& a, const SeccompProgram& b) {
  return a.instructions.size() == b.instructions.size() &&
         std::memcmp(a.instructions.data(), b.instructions.data(), a.instructions.size() * sizeof(sock_filter)) == 0;
}

// Turns the cache on for one test, in a fresh directory, and off after.
class SeccompCache : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mini-seccomp-cache-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    set_seccomp_cache_dir(root_ / "cache");
  }
  void TearDown() override {
    set_seccomp_cache_dir({});
    std::filesystem::remove_all(root_);
  }
  std::vector<std::filesystem::path> files() const {
    std::vector<std::filesystem::path> out;
    for (const auto& entry : std::filesystem::directory_iterator(root_ / "cache")) out.push_back(entry.path());
    return out;
  }
  std::filesystem::path root_;
};

TEST_F(SeccompCache, ACachedProgramIsTheCompiledOne) {
  json profile = default_oci_profile({"CAP_CHOWN"});
  set_seccomp_cache_dir({});
  SeccompProgram fresh = compile_seccomp(profile);
  set_seccomp_cache_dir(root_ / "cache");
  SeccompProgram first = compile_seccomp(profile);
  ASSERT_EQ(files().size(), 1u);
  SeccompProgram second = compile_seccomp(profile);  // read back
  EXPECT_TRUE(same_program(fresh, first));
  EXPECT_TRUE(same_program(fresh, second));
  EXPECT_EQ(errno_under_filter(second, [] { return syscall(SYS_keyctl, 0, 0, 0, 0, 0); }), EPERM);
  // Another document gets its own entry.
  compile_seccomp(default_oci_profile({"CAP_SYS_ADMIN"}));
  EXPECT_EQ(files().size(), 2u);
}

TEST_F(SeccompCache, ADamagedEntryIsCompiledAgain) {
  json profile = {{"defaultAction", "SCMP_ACT_ALLOW"},
                  {"syscalls", {{{"names", {"getpid"}}, {"action", "SCMP_ACT_ERRNO"}}}}};
  SeccompProgram first = compile_seccomp(profile);
  ASSERT_EQ(files().size(), 1u);
  std::filesystem::path entry = files().front();
  // A flipped byte in the program: the checksum no longer matches.
  std::string data;
  {
    std::ifstream in(entry, std::ios::binary);
    data.assign(std::istreambuf_iterator<char>(in), {});
  }
  data[data.size() - 12] ^= 0x5a;
  std::ofstream(entry, std::ios::binary | std::ios::trunc) << data;
  SeccompProgram again = compile_seccomp(profile);
  EXPECT_TRUE(same_program(first, again));
  EXPECT_EQ(errno_under_filter(again, [] { return syscall(SYS_getpid); }), EPERM);
  // Truncated, then empty: both ignored.
  std::filesystem::resize_file(entry, 20);
  EXPECT_TRUE(same_program(first, compile_seccomp(profile)));
  std::filesystem::resize_file(entry, 0);
  EXPECT_TRUE(same_program(first, compile_seccomp(profile)));
}

TEST_F(SeccompCache, AnUnwritableCacheOnlyMeansCompiling) {
  set_seccomp_cache_dir("/proc/mini-no-such-dir/cache");
  json profile = {{"defaultAction", "SCMP_ACT_ALLOW"},
                  {"syscalls", {{{"names", {"getpid"}}, {"action", "SCMP_ACT_ERRNO"}}}}};
  EXPECT_FALSE(compile_seccomp(profile).empty());
}

TEST(SeccompProfile, ArchitecturesComeFromTheArchMap) {
  json oci = default_oci_profile({});
  EXPECT_EQ(oci["architectures"], json::array({"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
  EXPECT_EQ(oci["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_TRUE(engine::kernel_at_least("6.18.44-fc", "4.8"));
  EXPECT_FALSE(engine::kernel_at_least("4.4.0", "4.8"));
  EXPECT_THROW(engine::docker_profile_to_oci(json::object(), {}), Error);
}

}  // namespace
}  // namespace mini::runtime
