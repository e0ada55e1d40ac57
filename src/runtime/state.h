#pragma once
// A container's state on disk: <state_root>/<id>/state.json, rewritten
// atomically under an flock on the directory, plus exec.fifo while the
// container is created and not yet started. A pid is only ever trusted
// together with its start time (/proc/<pid>/stat field 22), so a pid the
// kernel has given to another process is never taken for the container.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/fs_util.h"

namespace mini::runtime {

enum class Status { Creating, Created, Running, Paused, Stopped };

const char* status_name(Status status);

// The runtime-spec State, plus what the runtime itself needs later.
struct State {
  std::string oci_version = "1.0.2";
  std::string id;
  Status status = Status::Creating;
  pid_t pid = 0;
  std::filesystem::path bundle;
  std::map<std::string, std::string> annotations;
  // The runtime's own; under "mini" in state.json, ignored by OCI readers.
  uint64_t pid_start_time = 0;
  std::vector<std::filesystem::path> cgroup_paths;
  std::string created;  // RFC 3339
  std::filesystem::path rootfs;  // root.path resolved against the bundle
};

std::string state_to_json(const State& state);
// Throws mini::Error when `text` is not a state this runtime wrote.
State parse_state(const std::string& text);

// A process as /proc/<pid>/stat shows it: its start time in clock ticks
// since boot, and its state letter ('Z' for a zombie).
struct ProcessStat {
  uint64_t start_time = 0;
  char state = '?';
};
// Pure: parses a /proc/<pid>/stat line (the command may hold spaces and
// parentheses). nullopt when it is malformed.
std::optional<ProcessStat> parse_process_stat(const std::string& text);
std::optional<ProcessStat> read_process_stat(pid_t pid);
// Whether `pid` is still the process that started at `start_time` (a
// zombie counts: it is that process, not yet reaped).
bool is_same_process(pid_t pid, uint64_t start_time);
// A pidfd for `pid`, checked after it was opened against `start_time`, so
// it surely names that process; empty when that process is gone.
fsutil::UniqueFd open_process(pid_t pid, uint64_t start_time);

// Container ids become directory names: letters, digits, '_', '-', '.',
// not starting with '.'. Throws mini::Error otherwise.
void check_container_id(const std::string& id);

// The directory of one container's state, locked while this lives.
class StateDir {
 public:
  // create: makes the directory (it must not exist; mode 0711 so a
  // container's unprivileged init can reach exec.fifo). Throws when the
  // directory is missing (create false) or present (create true).
  StateDir(const std::filesystem::path& state_root, const std::string& id, bool create);
  const std::filesystem::path& path() const { return path_; }
  int fd() const { return fd_.get(); }
  State load() const;
  void save(const State& state) const;  // write to a temporary, then rename
  std::filesystem::path fifo() const { return path_ / "exec.fifo"; }
  // Removes the directory and everything in it.
  void remove();

 private:
  std::filesystem::path path_;
  fsutil::UniqueFd fd_;
};

// The status as it is now: a created or running container whose process is
// gone (or is another one) is stopped; one whose exec.fifo is still there
// is created.
Status current_status(const State& state, const StateDir& dir);

}  // namespace mini::runtime
