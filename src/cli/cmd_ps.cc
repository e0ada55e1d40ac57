// `mini ps [-a] [-q] [--format json]`.
#include <algorithm>
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/format.h"
#include "common/error.h"
#include "engine/container_inspect.h"
#include "engine/container_network.h"
#include "engine/containers.h"

namespace mini::cli {

namespace {

using engine::effective_status;
using engine::familiar_image;
using store::ContainerRecord;

std::string status_text(const ContainerRecord& r) {
  std::string status = effective_status(r);
  if (status == "running") return "Up " + human_duration(seconds_since(r.started));
  if (status == "exited")
    return "Exited (" + std::to_string(r.exit_code) + ") " + human_duration(seconds_since(r.finished)) + " ago";
  if (status == "unknown") return "Unknown";
  return "Created";
}

std::string quoted_command(const std::vector<std::string>& args) {
  std::string text;
  for (const auto& arg : args) text += (text.empty() ? "" : " ") + arg;
  if (text.size() > 20) text = text.substr(0, 19) + "…";
  return "\"" + text + "\"";
}

int list_containers(Context& ctx, bool all, bool quiet, const std::string& format) {
  std::vector<ContainerRecord> records = ctx.containers().list();
  std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) { return a.created > b.created; });
  if (format == "json") {
    for (const auto& r : records) {
      if (!all && effective_status(r) != "running") continue;
      nlohmann::json row = {{"ID", r.id.substr(0, 12)},    {"Image", familiar_image(r.image)},
                            {"Command", quoted_command(r.command)}, {"CreatedAt", r.created},
                            {"State", effective_status(r)},  {"Status", status_text(r)},
                            {"Names", r.name},                {"Ports", r.ports}};
      std::printf("%s\n", row.dump().c_str());
    }
    return 0;
  }
  if (!format.empty()) throw Error("unsupported --format \"" + format + "\"; use json");
  std::vector<std::vector<std::string>> rows = {{"CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"}};
  for (const auto& r : records) {
    if (!all && effective_status(r) != "running") continue;
    if (quiet) {
      std::printf("%s\n", r.id.substr(0, 12).c_str());
      continue;
    }
    std::string ports;
    for (const auto& p : engine::describe_ports(r)) ports += (ports.empty() ? "" : ", ") + p;
    rows.push_back({r.id.substr(0, 12), familiar_image(r.image), quoted_command(r.command),
                    human_duration(seconds_since(r.created)) + " ago", status_text(r), ports, r.name});
  }
  if (!quiet) std::fputs(format_table(rows).c_str(), stdout);
  return 0;
}

}  // namespace

void add_ps_command(CLI::App& app, const GlobalOptions& global, Command& chosen) {
  auto* cmd = app.add_subcommand("ps", "List containers");
  auto all = std::make_shared<bool>(false), quiet = std::make_shared<bool>(false);
  auto format = std::make_shared<std::string>();
  cmd->add_flag("-a,--all", *all, "Show all containers (default shows just running)");
  cmd->add_flag("-q,--quiet", *quiet, "Only display container IDs");
  cmd->add_option("--format", *format, "json: one JSON object per container");
  cmd->callback([&global, &chosen, all, quiet, format] {
    chosen.action = [&global, all, quiet, format] {
      Context ctx(global);
      return list_containers(ctx, *all, *quiet, *format);
    };
  });
}

}  // namespace mini::cli
