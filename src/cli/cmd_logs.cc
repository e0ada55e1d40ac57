// `mini logs [-f] [-n N] [-t] CONTAINER`: the log a detached container's
// monitor writes, on the stream each line came from.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "common/error.h"
#include "engine/container_log.h"
#include "engine/containers.h"

namespace mini::cli {

namespace {

std::optional<size_t> parse_tail(const std::string& tail) {
  if (tail == "all") return std::nullopt;
  try {
    return std::stoul(tail);
  } catch (const std::exception&) {
    throw Error("invalid --tail \"" + tail + "\"; give a number of lines or all");
  }
}

void print_entry(const engine::LogEntry& entry, bool timestamps) {
  FILE* out = entry.stream == "stderr" ? stderr : stdout;
  if (timestamps) std::fprintf(out, "%s ", entry.time.c_str());
  std::fwrite(entry.log.data(), 1, entry.log.size(), out);
  std::fflush(out);
}

}  // namespace

void add_logs_command(CLI::App& app, const GlobalOptions& global, Command& chosen) {
  auto* cmd = app.add_subcommand("logs", "Fetch the logs of a container");
  auto name = std::make_shared<std::string>(), tail = std::make_shared<std::string>("all");
  auto follow = std::make_shared<bool>(false), timestamps = std::make_shared<bool>(false);
  cmd->add_option("CONTAINER", *name)->required();
  cmd->add_flag("-f,--follow", *follow, "Follow log output");
  cmd->add_option("-n,--tail", *tail, "Number of lines to show from the end of the logs");
  cmd->add_flag("-t,--timestamps", *timestamps, "Show timestamps");
  cmd->callback([&global, &chosen, name, tail, follow, timestamps] {
    chosen.action = [&global, name, tail, follow, timestamps] {
      Context ctx(global);
      store::ContainerRecord record = engine::find_container(ctx, *name);
      bool stamped = *timestamps;
      engine::read_log(ctx, record, parse_tail(*tail), *follow,
                       [stamped](const engine::LogEntry& entry) { print_entry(entry, stamped); });
      return 0;
    };
  });
}

}  // namespace mini::cli
