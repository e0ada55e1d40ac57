#pragma once
// containers/<id>/: one directory per container, with state.json describing
// it. Creation and name checks happen under locks/containers.lock so two
// `mini run --name x` can't both win.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/layout.h"

namespace mini::store {

struct ContainerRecord {
  std::string id;    // 64 hex digits
  std::string name;
  std::string image;           // the reference the user gave, normalized
  std::string image_digest;    // manifest digest
  std::vector<std::string> layers;  // diff_ids, bottom first
  std::string driver;          // "overlay" or "copy"
  std::string created;         // RFC 3339
  std::string status = "created";  // created, running, exited
  int pid = 0;
  uint64_t pid_start_time = 0;  // /proc/<pid>/stat field 22: tells a reused pid from ours
  int monitor_pid = 0;          // detached containers: the process holding their stdio
  uint64_t monitor_start_time = 0;  // and its start time, as pid_start_time is the container's
  int exit_code = 0;
  bool oom_killed = false;  // the kernel's OOM killer struck in the container's cgroup
  std::string started;
  std::string finished;
  std::vector<std::string> command;  // what runs, for ps
  uint32_t id_shift = 0;             // --userns=remap: the host id of container id 0
  uint32_t id_count = 65536;         // and how many ids are mapped
  bool auto_remove = false;          // --rm
  bool detached = false;
  std::string restart_policy = "no";  // no, on-failure, always, unless-stopped
  int restart_max = 0;                // on-failure:N; 0 = no limit
  int restart_count = 0;
  bool stop_requested = false;  // mini stop/kill: the restart policy must not bring it back
  // Networking, filled by the network code (empty for none/host).
  std::string network_mode;
  std::string ip_address;
  std::vector<std::string> ports;  // as given to -p
};

// How a container's last run ended, kept apart from state.json in a slot
// allocated when the container is created: recording it overwrites bytes
// the filesystem already holds, so a full disk cannot lose an exit status.
struct ExitRecord {
  int exit_code = 0;
  bool oom_killed = false;
  std::string finished;  // RFC 3339
};

void to_json(nlohmann::json& j, const ContainerRecord& r);
void from_json(const nlohmann::json& j, ContainerRecord& r);

class ContainerStore {
 public:
  explicit ContainerStore(Layout layout);

  fs::path dir(const std::string& id) const { return layout_.containers() / id; }
  // Creates the directory, the exit slot and state.json; on any failure (a
  // full disk) removes what it made. Throws mini::Error when the name is
  // taken, naming the container that holds it.
  void create(const ContainerRecord& record);
  // The exit slot: written in place, so these work on a full disk. A start
  // clears it; load() lets it override a state.json still saying running.
  void record_exit(const std::string& id, const ExitRecord& exit);
  void clear_exit(const std::string& id);
  std::optional<ExitRecord> recorded_exit(const std::string& id) const;
  void save(const ContainerRecord& record);
  // Re-reads the record and saves what `change` makes of it, under the
  // container's lock, so the monitor and mini stop/rm never lose an update.
  // Returns the saved record; nullopt when the container is gone.
  std::optional<ContainerRecord> update(const std::string& id, const std::function<void(ContainerRecord&)>& change);
  std::optional<ContainerRecord> load(const std::string& id) const;
  std::vector<ContainerRecord> list() const;
  // By full ID, unique ID prefix or name.
  std::optional<ContainerRecord> find(const std::string& id_or_name) const;
  void remove(const std::string& id);

 private:
  void apply_recorded_exit(ContainerRecord& record) const;
  Layout layout_;
};

}  // namespace mini::store
