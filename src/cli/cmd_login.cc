// `mini login`: credentials in Docker's config.json,
// checked against the registry before they are written.
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <iterator>

#include "cli/commands.h"
#include "common/error.h"
#include "config/config.h"
#include "engine/settings.h"
#include "registry/client.h"
#include "registry/config.h"
#include "registry/credentials.h"
#include "registry/errors.h"

namespace mini::cli {

namespace {

struct LoginOptions {
  std::string server;
  std::string username;
  std::string password;
  bool password_stdin = false;
};

std::string strip_newline(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// Restores the terminal's echo however the read ends.
class EchoOff {
 public:
  EchoOff() : active_(::tcgetattr(STDIN_FILENO, &saved_) == 0) {
    if (!active_) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  ~EchoOff() {
    if (active_) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  }

 private:
  termios saved_{};
  bool active_;
};

std::string prompt(const char* label, bool secret) {
  std::fprintf(stderr, "%s", label);
  std::fflush(stderr);
  std::string answer;
  if (secret) {
    EchoOff echo_off;
    std::getline(std::cin, answer);
    std::fputc('\n', stderr);
  } else {
    std::getline(std::cin, answer);
  }
  return strip_newline(answer);
}

registry::Credentials gather_credentials(LoginOptions& options) {
  if (!options.password.empty() && options.password_stdin)
    throw Error("--password and --password-stdin are mutually exclusive");
  if (options.password_stdin) {
    if (options.username.empty()) throw Error("--password-stdin needs --username");
    options.password = strip_newline(std::string(std::istreambuf_iterator<char>(std::cin), {}));
  } else if (!options.password.empty()) {
    std::fprintf(stderr, "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
  }
  bool need_prompt = options.username.empty() || options.password.empty();
  if (need_prompt && !::isatty(STDIN_FILENO))
    throw Error("cannot ask for a username or password: stdin is not a terminal; use -u USER --password-stdin");
  if (options.username.empty()) options.username = prompt("Username: ", false);
  if (options.password.empty()) options.password = prompt("Password: ", true);
  if (options.username.empty() || options.password.empty()) throw Error("a username and a password are needed");
  return {options.username, options.password};
}

int login(const GlobalOptions& global, LoginOptions& options) {
  std::string host = registry::normalize_login_server(options.server.empty() ? "docker.io" : options.server);
  registry::Credentials credentials = gather_credentials(options);
  registry::RegistryConfig config = engine::registry_settings(config::load(global.config).registry);
  registry::RegistryClient client(registry::registry_endpoint(host, config), config, credentials);
  registry::HttpClient http(config.timeouts);
  try {
    client.verify_login(http);
  } catch (const registry::RegistryError& e) {
    if (e.status() != 401 && e.status() != 403) throw;
    throw Error("login to " + host + " failed: the registry refused user \"" + credentials.username +
                "\"; check the username and password");
  }
  std::filesystem::path path = registry::docker_config_path();
  nlohmann::json docker_config = registry::read_docker_config(path);
  registry::set_credentials(docker_config, host, credentials);
  registry::write_docker_config(path, docker_config);
  std::printf("Login Succeeded\n");
  return 0;
}

}  // namespace

void add_login_command(CLI::App& app, const GlobalOptions& global, Command& chosen) {
  auto options = std::make_shared<LoginOptions>();
  auto* in = app.add_subcommand("login", "Log in to a registry (Docker Hub when no SERVER is given)");
  in->add_option("server", options->server, "Registry host[:port]");
  in->add_option("-u,--username", options->username, "Username");
  in->add_option("-p,--password", options->password, "Password (prefer --password-stdin)");
  in->add_flag("--password-stdin", options->password_stdin, "Read the password from stdin");
  in->callback([&global, &chosen, options] { chosen.action = [&global, options] { return login(global, *options); }; });
}

}  // namespace mini::cli
