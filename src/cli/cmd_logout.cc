// `mini logout [SERVER]`: removes the credentials `mini login` wrote to
// Docker's config.json.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "registry/credentials.h"

namespace mini::cli {

namespace {

int logout(const std::string& server) {
  std::string host = registry::normalize_login_server(server.empty() ? "docker.io" : server);
  std::filesystem::path path = registry::docker_config_path();
  nlohmann::json docker_config = registry::read_docker_config(path);
  if (!registry::erase_credentials(docker_config, host)) {
    std::printf("Not logged in to %s\n", registry::auths_key(host).c_str());
    return 0;
  }
  registry::write_docker_config(path, docker_config);
  std::printf("Removing login credentials for %s\n", registry::auths_key(host).c_str());
  return 0;
}

}  // namespace

void add_logout_command(CLI::App& app, const GlobalOptions&, Command& chosen) {
  auto server = std::make_shared<std::string>();
  auto* out = app.add_subcommand("logout", "Log out from a registry (Docker Hub when no SERVER is given)");
  out->add_option("server", *server, "Registry host[:port]");
  out->callback([&chosen, server] { chosen.action = [server] { return logout(*server); }; });
}

}  // namespace mini::cli
