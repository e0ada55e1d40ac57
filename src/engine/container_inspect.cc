#include "engine/container_inspect.h"

#include <algorithm>

#include "common/fs_util.h"
#include "engine/containers.h"
#include "registry/reference.h"

namespace mini::engine {

using store::ContainerRecord;

std::string familiar_image(const std::string& image) {
  try {
    return registry::parse_reference(image).familiar();
  } catch (const std::exception&) {
    return image;
  }
}

nlohmann::json inspect_container(Context& ctx, const ContainerRecord& r) {
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(fsutil::read_file(ctx.containers().dir(r.id) / "config.json"));
  } catch (const std::exception&) {
    config = nlohmann::json::object();
  }
  std::string status = effective_status(r);
  nlohmann::json mounts = nlohmann::json::array();
  for (const auto& m : config.value("mounts", nlohmann::json::array())) {
    if (m.value("type", "") != "bind" && m.value("type", "") != "tmpfs") continue;
    std::string destination = m.value("destination", "");
    if (destination.rfind("/dev", 0) == 0 || destination.rfind("/etc/", 0) == 0 || destination == "/sbin/mini-init")
      continue;
    auto options = m.value("options", std::vector<std::string>{});
    bool read_only = std::find(options.begin(), options.end(), "ro") != options.end();
    mounts.push_back({{"Type", m.value("type", "")},
                      {"Source", m.value("source", "")},
                      {"Destination", destination},
                      {"RW", !read_only}});
  }
  return {
      {"Id", r.id},
      {"Name", "/" + r.name},
      {"Created", r.created},
      {"Image", r.image_digest},
      {"Path", r.command.empty() ? "" : r.command.front()},
      {"Args", r.command.size() > 1 ? std::vector<std::string>(r.command.begin() + 1, r.command.end())
                                    : std::vector<std::string>{}},
      {"State",
       {{"Status", status},
        {"Running", status == "running"},
        {"Pid", status == "running" ? r.pid : 0},
        {"ExitCode", r.exit_code},
        {"OOMKilled", r.oom_killed},
        {"StartedAt", r.started},
        {"FinishedAt", r.finished}}},
      {"RestartCount", r.restart_count},
      {"Driver", r.driver},
      {"HostConfig",
       {{"AutoRemove", r.auto_remove},
        {"RestartPolicy", {{"Name", r.restart_policy}, {"MaximumRetryCount", r.restart_max}}},
        {"NetworkMode", r.network_mode}}},
      {"Mounts", mounts},
      {"Config",
       {{"Hostname", config.value("hostname", "")},
        {"Image", familiar_image(r.image)},
        {"Env", config.value("/process/env"_json_pointer, nlohmann::json::array())},
        {"Cmd", r.command},
        {"WorkingDir", config.value("/process/cwd"_json_pointer, "/")}}},
      {"NetworkSettings", {{"IPAddress", r.ip_address}, {"Ports", r.ports}}},
  };
}

}  // namespace mini::engine
