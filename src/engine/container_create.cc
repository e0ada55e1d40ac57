#include "engine/container_create.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "common/time.h"
#include "common/error.h"
#include "common/fs_util.h"
#include "common/identity.h"
#include "engine/container_network.h"
#include "engine/container_run.h"
#include "engine/monitor.h"
#include "engine/mount_flags.h"
#include "engine/rootless.h"
#include "engine/settings.h"
#include "engine/spec_builder.h"
#include "engine/user.h"
#include "net/etc_files.h"
#include "net/names.h"
#include "net/network.h"
#include "engine/pull.h"
#include "registry/reference.h"
#include "runtime/capabilities.h"
#include "runtime/container.h"
#include "runtime/spec.h"
#include "store/image.h"
#include "store/rootfs.h"

namespace mini::engine {

namespace {

namespace fs = std::filesystem;

std::vector<std::string> read_env_files(const std::vector<std::string>& paths) {
  std::vector<std::string> lines;
  for (const auto& path : paths) {
    std::ifstream in(path);
    if (!in) throw Error("open env file " + path + ": " + std::strerror(errno));
    std::string line;
    for (size_t number = 1; std::getline(in, line); ++number) {
      // A NUL would silently cut the value where the kernel reads envp.
      if (line.find('\0') != std::string::npos)
        throw Error("env file " + path + " line " + std::to_string(number) +
                    ": contains a NUL byte; environment values cannot hold one");
      auto first = line.find_first_not_of(" \t");
      if (first == std::string::npos || line[first] == '#') continue;
      lines.push_back(line.substr(first));
    }
  }
  return lines;
}

nlohmann::json read_seccomp_profile(const std::string& path) {
  try {
    return nlohmann::json::parse(fsutil::read_file(path, 4 << 20));
  } catch (const nlohmann::json::exception& e) {
    throw Error("seccomp profile " + path + " is not valid JSON: " + e.what());
  }
}

std::vector<std::string> bounding_capabilities() {
  std::vector<std::string> caps;
  int last = runtime::read_last_cap();
  for (int cap = 0; cap <= last; ++cap)
    if (::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1) caps.push_back(runtime::capability_name(cap));
  return caps;
}

std::string kernel_release() {
  utsname name{};
  ::uname(&name);
  return name.release;
}

// Docker's userns-remap reads the subordinate ranges of a dedicated user.
IdRange remap_range() {
  std::string subuid, subgid;
  try {
    subuid = fsutil::read_file("/etc/subuid", 1 << 20);
    subgid = fsutil::read_file("/etc/subgid", 1 << 20);
  } catch (const Error&) {
    // No files: the default range below.
  }
  auto uids = find_subid_range(subuid, "mini"), gids = find_subid_range(subgid, "mini");
  if (uids && gids && (uids->start != gids->start || uids->count != gids->count))
    throw Error("--userns=remap: the mini entries of /etc/subuid and /etc/subgid differ; make them the same range");
  IdRange range = uids.value_or(IdRange{});
  // Host root must stay out of it, and the end must fit in an id.
  if (range.start == 0 || uint64_t{range.start} + range.count - 1 > 4294967294u)
    throw Error("--userns=remap: the mini range " + std::to_string(range.start) + ":" + std::to_string(range.count) +
                " in /etc/subuid must start above 0 and end below 4294967295");
  return range;
}

// mini-init is installed beside the mini binary.
std::string init_binary_path() {
  fs::path init = fs::read_symlink("/proc/self/exe").parent_path() / "mini-init";
  if (!fs::exists(init)) throw Error("--init needs " + init.string() + "; reinstall mini or build the mini-init target");
  return init.string();
}

// --device HOST[:CONTAINER[:PERMISSIONS]], numbers taken from the host's node.
DeviceFlag parse_device(const std::string& text) {
  DeviceFlag device;
  auto first = text.find(':');
  device.host_path = text.substr(0, first);
  device.container_path = device.host_path;
  if (first != std::string::npos) {
    auto second = text.find(':', first + 1);
    std::string rest = text.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
    if (second == std::string::npos && rest.find_first_not_of("rwm") == std::string::npos && !rest.empty())
      device.permissions = rest;
    else if (!rest.empty())
      device.container_path = rest;
    if (second != std::string::npos) device.permissions = text.substr(second + 1);
  }
  if (device.permissions.empty() || device.permissions.find_first_not_of("rwm") != std::string::npos)
    throw Error("invalid --device " + text + ": permissions are a combination of r, w and m");
  if (device.container_path.empty() || device.container_path.front() != '/')
    throw Error("invalid --device " + text + ": the container path must be absolute");
  struct stat st {};
  if (::stat(device.host_path.c_str(), &st) != 0) throw_errno("--device " + device.host_path);
  if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
    throw Error("--device " + device.host_path + " is not a device node; give a path under /dev");
  device.type = S_ISBLK(st.st_mode) ? 'b' : 'c';
  device.major = major(st.st_rdev);
  device.minor = minor(st.st_rdev);
  device.file_mode = st.st_mode & 07777;
  return device;
}

store::StorageDriver parse_driver(const std::string& name) {
  if (name == "overlay" || name == "overlay2") return store::StorageDriver::Overlay;
  if (name == "copy" || name == "vfs") return store::StorageDriver::Copy;
  if (name == "fuse-overlayfs") return store::StorageDriver::FuseOverlay;
  throw Error("unknown storage driver \"" + name + "\"; use overlay, fuse-overlayfs or copy");
}

std::optional<std::string> host_env(const std::string& key) {
  const char* value = std::getenv(key.c_str());
  return value ? std::optional<std::string>(value) : std::nullopt;
}

// Docker allocates nothing for plain `run`; mini gives a shell a pty when
// both ends are terminals, so `mini run alpine sh` is interactive.
void settle_terminal_flags(RunFlags& flags) {
  bool both_terminals = ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO);
  if (both_terminals) flags.tty = flags.interactive = true;
  if (flags.tty && flags.interactive && !::isatty(STDIN_FILENO))
    throw Error("the input device is not a TTY; drop -t, or run from a terminal");
}

// --rm: removes the container, its rootfs and state when `mini run` ends,
// however it ends.
class ContainerGuard {
 public:
  ContainerGuard(Context& ctx, std::string id, bool remove) : ctx_(ctx), id_(std::move(id)), remove_(remove) {}
  ~ContainerGuard() {
    if (!remove_) return;
    try {
      if (auto record = ctx_.containers().load(id_)) remove_container_files(ctx_, *record);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "mini: cleaning up container %s: %s\n", id_.c_str(), e.what());
    }
  }
  void release() { remove_ = false; }

 private:
  Context& ctx_;
  std::string id_;
  bool remove_;
};

// As Docker does: the pull's progress goes to stderr, keeping stdout for
// the container.
store::ImageRecord pull_missing(Context& ctx, const registry::Reference& ref) {
  std::fprintf(stderr, "Unable to find image '%s' locally\n", ref.familiar().c_str());
  PullOptions pull;
  pull.out = stderr;
  try {
    return pull_image(ctx, ref, pull);
  } catch (const Error& e) {
    throw Error("pull " + ref.familiar() + ": " + e.what());
  }
}

}  // namespace

RunOutcome run_image(const GlobalOptions& global, RunRequest& options) {
  // Both end up in every peer's /etc/hosts and in paths: checked first.
  if (!options.name.empty()) net::check_container_name(options.name);
  if (options.flags.hostname) net::check_hostname(*options.flags.hostname);
  registry::Reference ref = registry::parse_reference(options.image);
  store::StorageDriver driver = parse_driver(options.storage_driver);
  options.flags.env_file = read_env_files(options.env_files);
  if (!options.detach) settle_terminal_flags(options.flags);
  std::string network_mode = net::check_network_flags(options.network, options.publish);

  Context ctx(global);
  auto record = ctx.images().find(ref.full());
  if (!record) record = pull_missing(ctx, ref);
  store::Image image = store::load_image(ctx.blobs(), record->manifest_digest);

  std::vector<fs::path> layer_dirs;
  std::vector<std::string> diff_ids;
  for (const auto& layer : image.layers) {
    layer_dirs.push_back(ctx.layers().ensure(ctx.blobs(), layer.digest, layer.diff_id));
    diff_ids.push_back(layer.diff_id);
  }

  std::string user_spec = !options.user.empty() ? options.user : image.config.value("/config/User"_json_pointer, "");
  SpecInputs inputs;
  inputs.image_config = image.config;
  inputs.flags = options.flags;
  inputs.container_id = fsutil::random_hex(32);
  UserFiles user_files = user_files_from_layers(layer_dirs);
  inputs.user = resolve_user(user_spec, user_files.passwd, user_files.group);
  add_groups(inputs.user, options.group_add, user_files.group);
  for (const auto& device : options.devices) inputs.devices.push_back(parse_device(device));
  inputs.host_env = host_env;
  if (options.init) inputs.init_binary = init_binary_path();
  inputs.rootless = identity::rootless();
  inputs.single_id = single_id_namespace();
  if (parse_userns(options.userns) == UsernsMode::Remap) inputs.userns_remap = remap_range();
  apply_network_mode(network_mode, inputs);
  ParsedMounts user_mounts = parse_mount_flags(options.mounts, ctx.layout().root / "volumes");
  inputs.user_mounts = user_mounts.mounts;
  inputs.arch = host_architecture();
  inputs.host_capabilities = bounding_capabilities();
  inputs.kernel_release = kernel_release();
  if (auto profile = parse_security_opts(options.flags.isolation.security_opt).seccomp_profile_path)
    inputs.seccomp_profile = read_seccomp_profile(*profile);
  fs::path dir = ctx.containers().dir(inputs.container_id);
  inputs.etc_hostname = (dir / "hostname").string();
  inputs.etc_hosts = (dir / "hosts").string();
  inputs.etc_resolv_conf = (dir / "resolv.conf").string();
  nlohmann::json spec_doc = build_spec(inputs);

  if (options.dry_run) return {spec_doc, "", 0};
  runtime::Spec spec = runtime::parse_spec(spec_doc);
  // Said when the container is made, not at each start (the monitor's
  // stderr reaches nobody).
  if (inputs.rootless)
    if (auto cgroups = rootless_cgroups(spec.resources, inputs.container_id); !cgroups.ignored.empty())
      std::fprintf(stderr, "%s\n", cgroups.ignored.c_str());
  uint32_t id_shift = inputs.userns_remap ? inputs.userns_remap->start : 0;
  std::vector<fs::path> host_dirs(user_mounts.host_dirs.begin(), user_mounts.host_dirs.end());
  for (const auto& volume : user_mounts.named_volumes) host_dirs.push_back(ctx.layout().root / "volumes" / volume / "_data");
  for (const auto& host_dir : host_dirs) {
    if (fs::exists(host_dir)) continue;
    fs::create_directories(host_dir);
    // A new directory belongs to the container's root, as Docker's remap does.
    if (id_shift && ::chown(host_dir.c_str(), id_shift, id_shift) != 0) throw_errno("chown " + host_dir.string());
  }

  store::ContainerRecord container;
  container.id = inputs.container_id;
  container.name = options.name.empty() ? net::random_container_name() : options.name;
  container.image = ref.full();
  container.image_digest = record->manifest_digest;
  container.layers = diff_ids;
  container.driver = store::driver_name(driver);
  container.created = now_rfc3339();
  container.command = spec.process.args;
  container.id_shift = id_shift;
  if (inputs.userns_remap) container.id_count = inputs.userns_remap->count;
  container.auto_remove = options.remove;
  container.detached = options.detach;
  RestartPolicy restart = parse_restart_policy(options.restart);
  if (restart.name != "no" && options.remove)
    throw Error("conflicting options: --restart and --rm; a container removed on exit can't be restarted");
  container.restart_policy = restart.name;
  container.restart_max = restart.max_retries;
  container.network_mode = network_mode;
  container.ports = options.publish;
  ctx.containers().create(container);
  // Until its files are written, a failure (a full disk) removes what was
  // created; from then on it is a container, kept unless --rm.
  ContainerGuard guard(ctx, container.id, true);

  // An --rm container's files go with it: no fsync on the start path.
  const bool durable = !options.remove;
  fsutil::write_file_atomic(dir / "config.json", spec_doc.dump(2) + "\n", 0644, durable);
  fsutil::write_file_atomic(dir / "hostname", spec.hostname + "\n", 0644, durable);
  if (id_shift && ::fchownat(AT_FDCWD, (dir / "hostname").c_str(), id_shift, id_shift, AT_SYMLINK_NOFOLLOW) != 0)
    throw_errno("chown " + (dir / "hostname").string());
  // hosts and resolv.conf are written by every start (attach_network), as
  // they follow the host's resolvers and the network's members.
  if (!options.remove) guard.release();

  if (options.detach) {
    // The monitor owns the container now, --rm included.
    guard.release();
    start_detached(ctx, global, container.id);
    return {nullptr, container.id, 0};
  }
  fsutil::UniqueFd null_stdin;
  runtime::StdioFds stdio;
  if (!options.flags.interactive) {
    null_stdin.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    stdio.in = null_stdin.get();
    // Not attached, but with -t still the terminal to put raw, as Podman.
    stdio.terminal = STDIN_FILENO;
  }
  runtime::RunResult result = run_created_container(ctx, container.id, stdio);
  return {nullptr, "", result.exit_code};
}


}  // namespace mini::engine
