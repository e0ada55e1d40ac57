#include "runtime/device_filter.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.h"
#include "common/fs_util.h"

namespace mini::runtime::cgroup {

namespace {

bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}

uint32_t access_bits(const std::string& access) {
  uint32_t bits = 0;
  for (char c : access) {
    if (c == 'm') bits |= BPF_DEVCG_ACC_MKNOD;
    else if (c == 'r') bits |= BPF_DEVCG_ACC_READ;
    else if (c == 'w') bits |= BPF_DEVCG_ACC_WRITE;
    else throw Error("device rule access \"" + access + "\": use a combination of r, w and m");
  }
  return bits;
}

long bpf(int command, bpf_attr& attr) { return ::syscall(SYS_bpf, command, &attr, sizeof(attr)); }

}  // namespace

std::string v1_device_line(const DeviceRule& rule) {
  if (rule.type == 'a') return "a";
  auto number = [](int64_t n) { return n < 0 ? std::string("*") : std::to_string(n); };
  return std::string(1, rule.type) + " " + number(rule.major) + ":" + number(rule.minor) + " " + rule.access;
}

std::vector<bpf_insn> device_program(const std::vector<DeviceRule>& rules) {
  // r2 = device type, r3 = requested access, r4 = major, r5 = minor, from
  // struct bpf_cgroup_dev_ctx {u32 access_type; u32 major; u32 minor;}.
  std::vector<bpf_insn> program = {
      insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0),
      insn(BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff),
      insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_1, 0, 0),
      insn(BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16),
      insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 4, 0),
      insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, 8, 0),
  };
  // The last matching rule decides, so test them from the end.
  for (auto rule = rules.rbegin(); rule != rules.rend(); ++rule) {
    std::vector<bpf_insn> block;
    std::vector<size_t> jumps_to_next;  // indices of "no match" jumps
    auto skip_unless_equal = [&](uint8_t reg, int32_t value) {
      jumps_to_next.push_back(block.size());
      block.push_back(insn(BPF_JMP | BPF_JNE | BPF_K, reg, 0, 0, value));
    };
    if (rule->type == 'c') skip_unless_equal(BPF_REG_2, BPF_DEVCG_DEV_CHAR);
    if (rule->type == 'b') skip_unless_equal(BPF_REG_2, BPF_DEVCG_DEV_BLOCK);
    uint32_t allowed = access_bits(rule->access);
    if (allowed != (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE)) {
      // Matches only when every requested bit is among the rule's.
      block.push_back(insn(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0));
      block.push_back(insn(BPF_ALU | BPF_AND | BPF_K, BPF_REG_1, 0, 0, static_cast<int32_t>(~allowed)));
      skip_unless_equal(BPF_REG_1, 0);
    }
    if (rule->type != 'a' && rule->major >= 0) skip_unless_equal(BPF_REG_4, static_cast<int32_t>(rule->major));
    if (rule->type != 'a' && rule->minor >= 0) skip_unless_equal(BPF_REG_5, static_cast<int32_t>(rule->minor));
    block.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, rule->allow ? 1 : 0));
    block.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
    for (size_t at : jumps_to_next) block[at].off = static_cast<int16_t>(block.size() - at - 1);
    program.insert(program.end(), block.begin(), block.end());
    // A rule that matches everything decides alone; the verifier refuses
    // code after it as unreachable.
    if (jumps_to_next.empty()) return program;
  }
  program.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0));  // nothing matched: deny
  program.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  return program;
}

int load_device_program(const std::vector<bpf_insn>& program) {
  static const char license[] = "Apache-2.0";
  bpf_attr attr{};
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = reinterpret_cast<uint64_t>(program.data());
  attr.insn_cnt = static_cast<uint32_t>(program.size());
  attr.license = reinterpret_cast<uint64_t>(license);
  static char log[4096];
  attr.log_buf = reinterpret_cast<uint64_t>(log);
  attr.log_size = sizeof(log);
  attr.log_level = 1;
  log[0] = '\0';
  int fd = static_cast<int>(bpf(BPF_PROG_LOAD, attr));
  if (fd < 0) {
    int err = errno;
    std::string verifier(log);
    if (verifier.size() > 300) verifier = verifier.substr(verifier.size() - 300);
    throw_errno("cgroup: load the device filter (BPF): " + verifier, err);
  }
  return fd;
}

void attach_device_program(const std::filesystem::path& dir, const std::vector<DeviceRule>& rules) {
  fsutil::UniqueFd program(load_device_program(device_program(rules)));
  fsutil::UniqueFd cgroup(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cgroup) throw_errno("cgroup: open " + dir.string());
  bpf_attr attr{};
  attr.target_fd = static_cast<uint32_t>(cgroup.get());
  attr.attach_bpf_fd = static_cast<uint32_t>(program.get());
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (bpf(BPF_PROG_ATTACH, attr) != 0) throw_errno("cgroup: attach the device filter to " + dir.string());
}

}  // namespace mini::runtime::cgroup
