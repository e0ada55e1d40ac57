#pragma once
// Registry credentials in Docker's client config.json, so `docker login`
// and `mini login` share them:
//   {"auths": {"127.0.0.1:5000": {"auth": "base64(user:pass)"}}}
// Docker Hub's entry is keyed "https://index.docker.io/v1/".
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace mini::registry {

struct Credentials {
  std::string username;
  std::string password;
};

// The "auth" field: base64 of "user:pass"; also the Basic authorization value.
std::string encode_auth(const Credentials& credentials);
// Throws mini::Error when `auth` is not base64 of "user:pass".
Credentials decode_auth(std::string_view auth);

// $DOCKER_CONFIG/config.json, else ~/.docker/config.json.
std::filesystem::path docker_config_path();

// What `mini login SERVER` names, as a registry domain: scheme and path
// dropped, Docker Hub's aliases (index.docker.io, https://index.docker.io/v1/)
// folded into "docker.io".
std::string normalize_login_server(std::string_view server);

// "docker.io" (or its aliases) -> "https://index.docker.io/v1/"; other hosts
// as given, without scheme or path.
std::string auths_key(std::string_view host);

// The entry for `host` (a registry domain such as "127.0.0.1:5000" or
// "docker.io"), accepting Docker's key spellings ("https://host/v1/", ...).
std::optional<Credentials> find_credentials(const nlohmann::json& config, std::string_view host);
void set_credentials(nlohmann::json& config, std::string_view host, const Credentials& credentials);
// False when there was nothing stored for `host`.
bool erase_credentials(nlohmann::json& config, std::string_view host);

// {} when the file does not exist; throws mini::Error when it is not JSON.
nlohmann::json read_docker_config(const std::filesystem::path& path);
// Atomically, mode 0600, creating the directory (0700) if needed.
void write_docker_config(const std::filesystem::path& path, const nlohmann::json& config);

}  // namespace mini::registry
