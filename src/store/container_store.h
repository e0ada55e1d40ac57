#pragma once
// containers/<id>/: one directory per container, with state.json describing
// it. Creation and name checks happen under locks/containers.lock so two
// `mini run --name x` can't both win.
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
  int exit_code = 0;
  bool oom_killed = false;  // the kernel's OOM killer struck in the container's cgroup
  std::string finished;
};

void to_json(nlohmann::json& j, const ContainerRecord& r);
void from_json(const nlohmann::json& j, ContainerRecord& r);

class ContainerStore {
 public:
  explicit ContainerStore(Layout layout);

  fs::path dir(const std::string& id) const { return layout_.containers() / id; }
  // Creates the directory and state.json. Throws mini::Error when the name
  // is taken, naming the container that holds it.
  void create(const ContainerRecord& record);
  void save(const ContainerRecord& record);
  std::vector<ContainerRecord> list() const;
  // By full ID, unique ID prefix or name.
  std::optional<ContainerRecord> find(const std::string& id_or_name) const;
  void remove(const std::string& id);

 private:
  Layout layout_;
};

// Current UTC time as RFC 3339 with nanoseconds, as Docker writes it.
std::string now_rfc3339();

}  // namespace mini::store
