#include "store/container_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "common/error.h"
#include "common/fs_util.h"
#include "store/fs_tree.h"

namespace mini::store {

void to_json(nlohmann::json& j, const ContainerRecord& r) {
  j = nlohmann::json{{"id", r.id},
                     {"name", r.name},
                     {"image", r.image},
                     {"image_digest", r.image_digest},
                     {"layers", r.layers},
                     {"driver", r.driver},
                     {"created", r.created},
                     {"status", r.status},
                     {"pid", r.pid},
                     {"pid_start_time", r.pid_start_time},
                     {"monitor_pid", r.monitor_pid},
                     {"monitor_start_time", r.monitor_start_time},
                     {"exit_code", r.exit_code},
                     {"oom_killed", r.oom_killed},
                     {"started", r.started},
                     {"finished", r.finished},
                     {"command", r.command},
                     {"id_shift", r.id_shift},
                     {"id_count", r.id_count},
                     {"auto_remove", r.auto_remove},
                     {"detached", r.detached},
                     {"restart_policy", r.restart_policy},
                     {"restart_max", r.restart_max},
                     {"restart_count", r.restart_count},
                     {"stop_requested", r.stop_requested},
                     {"network_mode", r.network_mode},
                     {"ip_address", r.ip_address},
                     {"ports", r.ports}};
}

void from_json(const nlohmann::json& j, ContainerRecord& r) {
  r.id = j.at("id").get<std::string>();
  r.name = j.value("name", "");
  r.image = j.value("image", "");
  r.image_digest = j.value("image_digest", "");
  r.layers = j.value("layers", std::vector<std::string>{});
  r.driver = j.value("driver", "");
  r.created = j.value("created", "");
  r.status = j.value("status", "");
  r.pid = j.value("pid", 0);
  r.pid_start_time = j.value("pid_start_time", uint64_t{0});
  r.monitor_pid = j.value("monitor_pid", 0);
  r.monitor_start_time = j.value("monitor_start_time", uint64_t{0});
  r.exit_code = j.value("exit_code", 0);
  r.oom_killed = j.value("oom_killed", false);
  r.started = j.value("started", "");
  r.finished = j.value("finished", "");
  r.command = j.value("command", std::vector<std::string>{});
  r.id_shift = j.value("id_shift", uint32_t{0});
  r.id_count = j.value("id_count", uint32_t{65536});
  r.auto_remove = j.value("auto_remove", false);
  r.detached = j.value("detached", false);
  r.restart_policy = j.value("restart_policy", "no");
  r.restart_max = j.value("restart_max", 0);
  r.restart_count = j.value("restart_count", 0);
  r.stop_requested = j.value("stop_requested", false);
  r.network_mode = j.value("network_mode", "");
  r.ip_address = j.value("ip_address", "");
  r.ports = j.value("ports", std::vector<std::string>{});
}

namespace {

// "<exit code> <oom 0|1> <finished>" padded with spaces; all spaces is empty.
constexpr size_t kExitSlotSize = 128;
constexpr const char* kExitSlotName = "exit-status";

std::string exit_slot_text(const std::optional<ExitRecord>& exit) {
  std::string text;
  if (exit) text = std::to_string(exit->exit_code) + " " + (exit->oom_killed ? "1 " : "0 ") + exit->finished;
  if (text.size() > kExitSlotSize - 1) text.resize(kExitSlotSize - 1);
  text.resize(kExitSlotSize - 1, ' ');
  return text + "\n";
}

void overwrite_slot(const fs::path& path, const std::string& text, bool durable) {
  // No O_CREAT, no O_TRUNC: the bytes exist since create(), and rewriting
  // them needs no new block.
  fsutil::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) throw_errno("open " + path.string());
  if (::pwrite(fd.get(), text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()))
    throw_errno("write " + path.string());
  if (durable && ::fdatasync(fd.get()) != 0) throw_errno("sync " + path.string());
}

}  // namespace

ContainerStore::ContainerStore(Layout layout) : layout_(std::move(layout)) {}

void ContainerStore::create(const ContainerRecord& record) {
  fsutil::FileLock lock(layout_.locks() / "containers.lock");
  for (const auto& existing : list()) {
    if (!record.name.empty() && existing.name == record.name)
      throw Error("the container name \"/" + record.name + "\" is already in use by container " + existing.id +
                  "; remove that container or choose another name");
  }
  fs::create_directory(dir(record.id));
  try {
    fsutil::write_file_atomic(dir(record.id) / kExitSlotName, exit_slot_text(std::nullopt), 0644, !record.auto_remove);
    save(record);
  } catch (...) {
    // Nothing half-made stays behind: no state.json means no container.
    std::error_code ignored;
    fs::remove_all(dir(record.id), ignored);
    throw;
  }
}

// The slot outranks a state.json that could not be rewritten after the exit.
void ContainerStore::apply_recorded_exit(ContainerRecord& record) const {
  if (record.status != "running") return;
  auto exit = recorded_exit(record.id);
  if (!exit) return;
  record.status = "exited";
  record.pid = 0;
  record.exit_code = exit->exit_code;
  record.oom_killed = exit->oom_killed;
  record.finished = exit->finished;
}

void ContainerStore::record_exit(const std::string& id, const ExitRecord& exit) {
  overwrite_slot(dir(id) / kExitSlotName, exit_slot_text(exit), true);
}

void ContainerStore::clear_exit(const std::string& id) {
  overwrite_slot(dir(id) / kExitSlotName, exit_slot_text(std::nullopt), false);
}

std::optional<ExitRecord> ContainerStore::recorded_exit(const std::string& id) const {
  fsutil::UniqueFd fd(::open((dir(id) / kExitSlotName).c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd) return std::nullopt;  // a container from before the slot existed
  char buf[kExitSlotSize + 1] = {};
  ssize_t n = ::pread(fd.get(), buf, kExitSlotSize, 0);
  if (n <= 0) return std::nullopt;
  ExitRecord exit;
  int oom = 0;
  char finished[kExitSlotSize] = {};
  if (std::sscanf(buf, "%d %d %127s", &exit.exit_code, &oom, finished) != 3) return std::nullopt;
  exit.oom_killed = oom != 0;
  exit.finished = finished;
  return exit;
}

void ContainerStore::save(const ContainerRecord& record) {
  // An --rm container's record dies with it, so it skips the fsyncs that
  // would dominate a short run; a torn record after a power failure is
  // skipped by list() and named by load().
  fsutil::write_file_atomic(dir(record.id) / "state.json", nlohmann::json(record).dump(2) + "\n", 0644,
                            !record.auto_remove);
}

std::optional<ContainerRecord> ContainerStore::load(const std::string& id) const {
  fs::path state = dir(id) / "state.json";
  if (!fs::exists(state)) return std::nullopt;
  try {
    auto record = nlohmann::json::parse(fsutil::read_file(state)).get<ContainerRecord>();
    apply_recorded_exit(record);
    return record;
  } catch (const nlohmann::json::exception& e) {
    throw Error("container " + id + ": state.json is damaged (" + e.what() + "); remove it with mini rm -f " + id);
  }
}

std::optional<ContainerRecord> ContainerStore::update(const std::string& id,
                                                      const std::function<void(ContainerRecord&)>& change) {
  fsutil::FileLock lock(layout_.locks() / ("container-" + id + ".lock"));
  auto record = load(id);
  if (!record) return std::nullopt;
  change(*record);
  save(*record);
  return record;
}

std::vector<ContainerRecord> ContainerStore::list() const {
  std::vector<ContainerRecord> records;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(layout_.containers(), ec)) {
    fs::path state = entry.path() / "state.json";
    if (!fs::exists(state)) continue;  // being created or removed
    try {
      records.push_back(nlohmann::json::parse(fsutil::read_file(state)).get<ContainerRecord>());
      apply_recorded_exit(records.back());
    } catch (const std::exception&) {
      continue;  // a torn or foreign file is not a container
    }
  }
  return records;
}

std::optional<ContainerRecord> ContainerStore::find(const std::string& id_or_name) const {
  std::optional<ContainerRecord> match;
  for (auto& record : list()) {
    if (record.id == id_or_name || record.name == id_or_name) return record;
    if (id_or_name.size() >= 1 && record.id.compare(0, id_or_name.size(), id_or_name) == 0) {
      if (match) throw Error("container ID prefix \"" + id_or_name + "\" is ambiguous; give more digits");
      match = record;
    }
  }
  return match;
}

void ContainerStore::remove(const std::string& id) {
  // Not fs::remove_all: a rootfs still mounted below must stop the removal,
  // not be emptied through.
  try {
    remove_tree(dir(id));
  } catch (const Error& e) {
    throw Error("remove container " + id + ": " + e.what());
  }
  std::error_code ignored;
  fs::remove(layout_.locks() / ("container-" + id + ".lock"), ignored);
}

}  // namespace mini::store
