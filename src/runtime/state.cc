#include "runtime/state.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace mini::runtime {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr Status kStatuses[] = {Status::Creating, Status::Created, Status::Running, Status::Paused, Status::Stopped};

Status status_from_name(const std::string& name) {
  for (Status status : kStatuses)
    if (name == status_name(status)) return status;
  throw Error("state.json: unknown status \"" + name + "\"");
}

}  // namespace

const char* status_name(Status status) {
  switch (status) {
    case Status::Creating: return "creating";
    case Status::Created: return "created";
    case Status::Running: return "running";
    case Status::Paused: return "paused";
    case Status::Stopped: return "stopped";
  }
  return "unknown";
}

std::string state_to_json(const State& state) {
  json doc = {{"ociVersion", state.oci_version},
              {"id", state.id},
              {"status", status_name(state.status)},
              {"bundle", state.bundle.string()}};
  if (state.status != Status::Stopped && state.pid > 0) doc["pid"] = state.pid;
  if (!state.annotations.empty()) doc["annotations"] = state.annotations;
  json own = {{"pidStartTime", state.pid_start_time},
              {"created", state.created},
              {"rootfs", state.rootfs.string()},
              {"cgroupPaths", json::array()}};
  for (const auto& path : state.cgroup_paths) own["cgroupPaths"].push_back(path.string());
  doc["mini"] = own;
  return doc.dump(2) + "\n";
}

State parse_state(const std::string& text) {
  State state;
  try {
    json doc = json::parse(text);
    state.oci_version = doc.at("ociVersion").get<std::string>();
    state.id = doc.at("id").get<std::string>();
    state.status = status_from_name(doc.at("status").get<std::string>());
    state.pid = doc.value("pid", 0);
    state.bundle = doc.value("bundle", std::string());
    if (auto it = doc.find("annotations"); it != doc.end() && it->is_object())
      state.annotations = it->get<std::map<std::string, std::string>>();
    if (auto own = doc.find("mini"); own != doc.end() && own->is_object()) {
      state.pid_start_time = own->value("pidStartTime", uint64_t{0});
      state.created = own->value("created", std::string());
      state.rootfs = own->value("rootfs", std::string());
      if (auto paths = own->find("cgroupPaths"); paths != own->end() && paths->is_array())
        for (const auto& path : *paths) state.cgroup_paths.emplace_back(path.get<std::string>());
    }
  } catch (const json::exception& e) {
    throw Error(std::string("state.json is malformed (") + e.what() +
                "); the container's state is lost: delete it with force");
  }
  if (state.pid < 0) throw Error("state.json: pid " + std::to_string(state.pid) + " is not a process id");
  return state;
}

std::optional<ProcessStat> parse_process_stat(const std::string& text) {
  // "pid (comm) S ppid ...": comm may hold anything, so fields count from
  // the last ')'. starttime is field 22; the state letter is field 3.
  size_t close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(text.substr(close + 1));
  ProcessStat stat;
  std::string field;
  if (!(rest >> stat.state)) return std::nullopt;
  for (int index = 4; index < 22; ++index)
    if (!(rest >> field)) return std::nullopt;
  if (!(rest >> stat.start_time)) return std::nullopt;
  return stat;
}

std::optional<ProcessStat> read_process_stat(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  try {
    return parse_process_stat(fsutil::read_file("/proc/" + std::to_string(pid) + "/stat", 1 << 16));
  } catch (const Error&) {
    return std::nullopt;  // gone
  }
}

bool is_same_process(pid_t pid, uint64_t start_time) {
  auto stat = read_process_stat(pid);
  return stat && stat->start_time == start_time;
}

fsutil::UniqueFd open_process(pid_t pid, uint64_t start_time) {
  if (pid <= 0) return {};
  fsutil::UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  // Checked after the open: from then on the pidfd pins that process, so a
  // match now means it names the container's, whatever reuses the pid later.
  if (!pidfd || !is_same_process(pid, start_time)) return {};
  return pidfd;
}

void check_container_id(const std::string& id) {
  bool ok = !id.empty() && id.size() <= 1024 && id[0] != '.';
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) ok = false;
  if (!ok)
    throw Error("container id \"" + id + "\" is not valid; use letters, digits, '_', '-' and '.', not starting with '.'");
}

StateDir::StateDir(const fs::path& state_root, const std::string& id, bool create) {
  check_container_id(id);
  path_ = state_root / id;
  if (create) {
    std::error_code ec;
    fs::create_directories(state_root, ec);
    if (ec) throw Error("create the state root " + state_root.string() + ": " + ec.message());
    if (::mkdir(path_.c_str(), 0711) != 0) {
      if (errno == EEXIST) throw Error("container " + id + " already exists in " + state_root.string() +
                                       "; delete it first or choose another id");
      throw_errno("create the state directory " + path_.string());
    }
    ::chmod(path_.c_str(), 0711);  // whatever the umask
  }
  fd_.reset(::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd_) {
    if (errno == ENOENT) throw Error("container " + id + " does not exist in " + state_root.string());
    throw_errno("open the state directory " + path_.string());
  }
  int rc;
  do {
    rc = ::flock(fd_.get(), LOCK_EX);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) throw_errno("lock the state directory " + path_.string());
  // Deleted while we waited for the lock: it is gone.
  struct stat st {};
  if (!create && (::fstat(fd_.get(), &st) != 0 || st.st_nlink == 0))
    throw Error("container " + id + " does not exist in " + state_root.string());
}

State StateDir::load() const {
  std::string text;
  try {
    text = fsutil::read_file(path_ / "state.json", 1 << 20);
  } catch (const Error&) {
    throw Error("container " + path_.filename().string() + " has no state.json in " + path_.string() +
                "; it was never created completely: delete it with force");
  }
  return parse_state(text);
}

void StateDir::save(const State& state) const {
  // /run is a tmpfs: atomic matters, durable does not.
  fsutil::write_file_atomic(path_ / "state.json", state_to_json(state), 0644, false);
}

void StateDir::remove() {
  std::error_code ec;
  fs::remove_all(path_, ec);
  if (ec) throw Error("remove the state directory " + path_.string() + ": " + ec.message());
}

Status current_status(const State& state, const StateDir& dir) {
  if (state.status == Status::Creating || state.status == Status::Stopped) return state.status;
  auto stat = read_process_stat(state.pid);
  if (!stat || stat->start_time != state.pid_start_time || stat->state == 'Z' || stat->state == 'X')
    return Status::Stopped;
  std::error_code ec;
  if (fs::exists(dir.fifo(), ec)) return Status::Created;
  return state.status == Status::Paused ? Status::Paused : Status::Running;
}

}  // namespace mini::runtime
