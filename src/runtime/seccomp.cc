#include "runtime/seccomp.h"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string_view>

#include "common/unix_socket.h"
#include "common/error.h"
#include "common/fs_util.h"

namespace mini::runtime {

namespace {

using nlohmann::json;

struct ContextDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Context = std::unique_ptr<void, ContextDeleter>;

uint32_t parse_action(const std::string& name, const json& rule_or_profile, const char* errno_key) {
  uint32_t errno_ret = rule_or_profile.value(errno_key, static_cast<uint32_t>(EPERM));
  if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (name == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(errno_ret);
  if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
  if (name == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (name == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (name == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(errno_ret);
  if (name == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  if (name == "SCMP_ACT_NOTIFY") return SCMP_ACT_NOTIFY;
  throw Error("seccomp: unsupported action \"" + name + "\"");
}

scmp_compare parse_operator(const std::string& op) {
  static const std::map<std::string, scmp_compare> ops = {
      {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
      {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
      {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ}};
  auto it = ops.find(op);
  if (it == ops.end()) throw Error("seccomp: unsupported operator \"" + op + "\"");
  return it->second;
}

uint32_t parse_arch(const std::string& name) {
  std::string lower = name.rfind("SCMP_ARCH_", 0) == 0 ? name.substr(10) : name;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  uint32_t arch = seccomp_arch_resolve_name(lower.c_str());
  if (arch == 0) throw Error("seccomp: unknown architecture \"" + name + "\"");
  return arch;
}

void add_rule(void* ctx, uint32_t action, int nr, const std::vector<scmp_arg_cmp>& args, const std::string& name) {
  int rc = seccomp_rule_add_array(ctx, action, nr, static_cast<unsigned>(args.size()), args.data());
  if (rc != 0) throw Error("seccomp: add rule for " + name + ": " + std::strerror(-rc));
}

void add_syscall_rule(void* ctx, const json& rule, uint32_t default_action) {
  uint32_t action = parse_action(rule.at("action").get<std::string>(), rule, "errnoRet");
  if (action == default_action) return;  // libseccomp refuses redundant rules
  std::vector<scmp_arg_cmp> args;
  for (const auto& arg : rule.value("args", json::array()))
    args.push_back(SCMP_CMP(arg.at("index").get<unsigned>(), parse_operator(arg.at("op").get<std::string>()),
                            arg.at("value").get<uint64_t>(), arg.value("valueTwo", uint64_t{0})));
  // libseccomp can't AND two comparisons of one argument; such rules are
  // added one comparison at a time (OR), as runc does.
  bool repeated_index = false;
  for (size_t i = 0; i < args.size(); ++i)
    for (size_t j = i + 1; j < args.size(); ++j) repeated_index |= args[i].arg == args[j].arg;
  for (const auto& name : rule.at("names")) {
    int nr = seccomp_syscall_resolve_name(name.get<std::string>().c_str());
    if (nr == __NR_SCMP_ERROR) continue;
    if (!repeated_index) {
      add_rule(ctx, action, nr, args, name);
      continue;
    }
    for (const auto& arg : args) add_rule(ctx, action, nr, {arg}, name);
  }
}

std::vector<sock_filter> export_bpf(void* ctx) {
  fsutil::UniqueFd memfd(::memfd_create("mini-seccomp", MFD_CLOEXEC));
  if (!memfd) throw_errno("seccomp: memfd_create");
  int rc = seccomp_export_bpf(ctx, memfd.get());
  if (rc != 0) throw Error(std::string("seccomp: export BPF: ") + std::strerror(-rc));
  off_t size = ::lseek(memfd.get(), 0, SEEK_END);
  std::vector<sock_filter> program(static_cast<size_t>(size) / sizeof(sock_filter));
  if (::pread(memfd.get(), program.data(), program.size() * sizeof(sock_filter), 0) != size)
    throw_errno("seccomp: read exported BPF");
  return program;
}

// ---- the compiled-program cache ----
//
// One file per document: "mini-seccomp 1\n", the key's length (8 bytes),
// the key (everything the program depends on), the program, and an FNV-1a
// checksum of all before it (8 bytes). A file that doesn't match in every
// part is ignored and replaced, so a torn or stale file costs one compile.

std::filesystem::path& cache_dir() {
  static std::filesystem::path dir;
  return dir;
}

constexpr std::string_view kCacheMagic = "mini-seccomp 1\n";

uint64_t fnv1a(std::string_view data) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : data) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string cache_key(const json& linux_seccomp) {
  const scmp_version* v = seccomp_version();
  utsname host{};
  ::uname(&host);
  return "libseccomp " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro) +
         " api " + std::to_string(seccomp_api_get()) + " " + host.machine + "\n" + linux_seccomp.dump();
}

std::filesystem::path cache_file(const std::string& key) {
  char name[32];
  std::snprintf(name, sizeof name, "%016llx.bpf", static_cast<unsigned long long>(fnv1a(key)));
  return cache_dir() / name;
}

std::optional<SeccompProgram> read_cached(const std::string& key) {
  fsutil::UniqueFd fd(::open(cache_file(key).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return std::nullopt;
  std::string data;
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    data.append(buffer, static_cast<size_t>(n));
    if (data.size() > (1u << 20)) return std::nullopt;
  }
  std::string_view view(data);
  const size_t fixed = kCacheMagic.size() + 8 + key.size() + 8;
  if (view.size() < fixed || view.substr(0, kCacheMagic.size()) != kCacheMagic) return std::nullopt;
  uint64_t key_size = 0, checksum = 0;
  std::memcpy(&key_size, view.data() + kCacheMagic.size(), 8);
  std::memcpy(&checksum, view.data() + view.size() - 8, 8);
  if (key_size != key.size() || view.substr(kCacheMagic.size() + 8, key.size()) != key) return std::nullopt;
  if (fnv1a(view.substr(0, view.size() - 8)) != checksum) return std::nullopt;
  size_t program_bytes = view.size() - fixed;
  if (program_bytes == 0 || program_bytes % sizeof(sock_filter) != 0 || program_bytes / sizeof(sock_filter) > BPF_MAXINSNS)
    return std::nullopt;
  SeccompProgram program;
  program.instructions.resize(program_bytes / sizeof(sock_filter));
  std::memcpy(program.instructions.data(), view.data() + kCacheMagic.size() + 8 + key.size(), program_bytes);
  return program;
}

// Best effort: a cache that can't be written only means compiling next time.
void write_cached(const std::string& key, const SeccompProgram& program) {
  try {
    std::filesystem::create_directories(cache_dir());
    ::chmod(cache_dir().c_str(), 0700);
    std::string data(kCacheMagic);
    uint64_t key_size = key.size();
    data.append(reinterpret_cast<const char*>(&key_size), 8);
    data += key;
    data.append(reinterpret_cast<const char*>(program.instructions.data()),
                program.instructions.size() * sizeof(sock_filter));
    uint64_t checksum = fnv1a(data);
    data.append(reinterpret_cast<const char*>(&checksum), 8);
    fsutil::write_file_atomic(cache_file(key), data, 0600, false);
  } catch (const std::exception&) {
  }
}

SeccompProgram compile_uncached(const json& linux_seccomp) {
  try {
    uint32_t default_action =
        parse_action(linux_seccomp.at("defaultAction").get<std::string>(), linux_seccomp, "defaultErrnoRet");
    Context ctx(seccomp_init(default_action));
    if (!ctx) throw Error("seccomp: seccomp_init failed");
    // The runtime sets no_new_privs itself, when the spec asks for it.
    seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0);
    for (const auto& arch : linux_seccomp.value("architectures", json::array())) {
      int rc = seccomp_arch_add(ctx.get(), parse_arch(arch.get<std::string>()));
      if (rc != 0 && rc != -EEXIST) throw Error("seccomp: add architecture " + arch.get<std::string>() + ": " + std::strerror(-rc));
    }
    for (const auto& rule : linux_seccomp.value("syscalls", json::array())) add_syscall_rule(ctx.get(), rule, default_action);
    return SeccompProgram{export_bpf(ctx.get())};
  } catch (const json::exception& e) {
    throw Error(std::string("seccomp: malformed linux.seccomp in config.json: ") + e.what());
  }
}

const std::map<std::string, unsigned>& flag_table() {
  static const std::map<std::string, unsigned> flags = {
      {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
      {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
      {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
#ifdef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
      {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
#endif
  };
  return flags;
}

bool uses_notify(const json& linux_seccomp) {
  if (linux_seccomp.value("defaultAction", "") == "SCMP_ACT_NOTIFY") return true;
  for (const auto& rule : linux_seccomp.value("syscalls", json::array()))
    if (rule.value("action", "") == "SCMP_ACT_NOTIFY") return true;
  return false;
}

// What the program needs besides its instructions, read from the document
// every time (the cache holds instructions only).
void read_meta(const json& linux_seccomp, SeccompProgram& program) {
  try {
    for (const auto& flag : linux_seccomp.value("flags", json::array())) {
      auto it = flag_table().find(flag.get<std::string>());
      if (it == flag_table().end())
        throw Error("seccomp: flag " + flag.get<std::string>() + " is not one this runtime knows; remove it");
      program.flags |= it->second;
    }
    program.notify = uses_notify(linux_seccomp);
    program.listener_path = linux_seccomp.value("listenerPath", "");
    program.listener_metadata = linux_seccomp.value("listenerMetadata", "");
  } catch (const json::exception& e) {
    throw Error(std::string("seccomp: malformed linux.seccomp in config.json: ") + e.what());
  }
  if (program.notify && program.listener_path.empty())
    throw Error("seccomp: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath, the agent's unix socket; add it");
  if (program.notify && linux_seccomp.value("defaultAction", "") == "SCMP_ACT_NOTIFY")
    throw Error("seccomp: SCMP_ACT_NOTIFY as the defaultAction would notify the runtime's own last system calls; "
                "name the system calls to notify in a rule instead");
}

}  // namespace

const std::vector<std::string>& seccomp_flag_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& [name, flag] : flag_table()) out.push_back(name);
    return out;
  }();
  return names;
}

void send_seccomp_listener(const SeccompProgram& program, int listener, pid_t pid, const std::string& state_json) {
  json state;
  try {
    state = json::parse(state_json);
  } catch (const json::exception&) {
    state = json::object();
  }
  std::string message = json{{"ociVersion", "1.0.2"},
                             {"fds", {"seccompFd"}},
                             {"pid", pid},
                             {"metadata", program.listener_metadata},
                             {"state", state}}
                            .dump();
  fsutil::UniqueFd sock =
      connect_unix(program.listener_path, "the seccomp agent at listenerPath " + program.listener_path);
  if (send_fd(sock.get(), listener, message.data(), message.size()) < 0)
    throw_errno("seccomp: send the listener to " + program.listener_path);
}

void set_seccomp_cache_dir(const std::filesystem::path& dir) { cache_dir() = dir; }

SeccompProgram compile_seccomp(const json& linux_seccomp) {
  if (linux_seccomp.is_null() || linux_seccomp.empty()) return {};
  SeccompProgram program;
  std::string key;
  if (!cache_dir().empty()) {
    key = cache_key(linux_seccomp);
    if (auto cached = read_cached(key)) program = std::move(*cached);
  }
  if (program.empty()) {
    program = compile_uncached(linux_seccomp);
    if (!key.empty()) write_cached(key, program);
  }
  read_meta(linux_seccomp, program);
  return program;
}

int install_seccomp(const SeccompProgram& program, int* listener) noexcept {
  if (program.empty()) return 0;
  sock_fprog prog{static_cast<unsigned short>(program.instructions.size()),
                  const_cast<sock_filter*>(program.instructions.data())};
  if (program.flags == 0 && !program.notify) {
    if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) return errno;
    return 0;
  }
  unsigned flags = program.flags | (program.notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0);
  long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (rc < 0) return errno;
  if (program.notify && listener) *listener = static_cast<int>(rc);
  return 0;
}

}  // namespace mini::runtime
