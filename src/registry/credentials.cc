#include "registry/credentials.h"

#include <openssl/evp.h>
#include <sys/stat.h>

#include <cstdlib>
#include <system_error>

#include "common/error.h"
#include "common/fs_util.h"

namespace mini::registry {

namespace {

constexpr std::string_view kHubKey = "https://index.docker.io/v1/";

bool is_docker_hub(std::string_view host) {
  return host == "docker.io" || host == "index.docker.io" || host == "registry-1.docker.io";
}

// Docker's ConvertToHostname: keys may carry a scheme and a path.
std::string key_hostname(std::string_view key) {
  for (std::string_view scheme : {"https://", "http://"}) {
    if (key.substr(0, scheme.size()) == scheme) {
      key.remove_prefix(scheme.size());
      break;
    }
  }
  return std::string(key.substr(0, key.find('/')));
}

bool key_matches(std::string_view key, std::string_view host) {
  std::string hostname = key_hostname(key);
  return is_docker_hub(host) ? is_docker_hub(hostname) : hostname == host;
}

std::optional<Credentials> entry_credentials(const nlohmann::json& entry) {
  if (!entry.is_object()) return std::nullopt;
  if (auto auth = entry.find("auth"); auth != entry.end() && auth->is_string() && !auth->get<std::string>().empty())
    return decode_auth(auth->get<std::string>());
  std::string user = entry.value("username", ""), password = entry.value("password", "");
  if (user.empty()) return std::nullopt;
  return Credentials{user, password};
}

}  // namespace

std::string encode_auth(const Credentials& credentials) {
  std::string plain = credentials.username + ":" + credentials.password;
  std::string out(4 * ((plain.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(plain.data()), static_cast<int>(plain.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Credentials decode_auth(std::string_view auth) {
  std::string out(3 * (auth.size() / 4) + 3, '\0');
  int n = auth.size() % 4 == 0
              ? EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(auth.data()), static_cast<int>(auth.size()))
              : -1;
  if (n < 0) throw Error("a stored registry credential is not valid base64; log in again with `mini login`");
  // EVP_DecodeBlock counts the bytes the '=' padding stands for as zeros.
  for (size_t i = auth.size(); i > 0 && auth[i - 1] == '='; --i) --n;
  out.resize(static_cast<size_t>(n));
  auto colon = out.find(':');
  if (colon == std::string::npos)
    throw Error("a stored registry credential is not \"user:password\"; log in again with `mini login`");
  return {out.substr(0, colon), out.substr(colon + 1)};
}

std::filesystem::path docker_config_path() {
  if (const char* dir = std::getenv("DOCKER_CONFIG"); dir && *dir) return std::filesystem::path(dir) / "config.json";
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home && *home ? home : "/root") / ".docker" / "config.json";
}

std::string normalize_login_server(std::string_view server) {
  std::string host = key_hostname(server);
  return is_docker_hub(host) ? "docker.io" : host;
}

std::string auths_key(std::string_view host) {
  if (is_docker_hub(key_hostname(host))) return std::string(kHubKey);
  return key_hostname(host);
}

std::optional<Credentials> find_credentials(const nlohmann::json& config, std::string_view host) {
  auto auths = config.find("auths");
  if (auths == config.end() || !auths->is_object()) return std::nullopt;
  if (auto exact = auths->find(auths_key(host)); exact != auths->end())
    if (auto found = entry_credentials(*exact)) return found;
  for (const auto& [key, entry] : auths->items())
    if (key_matches(key, host))
      if (auto found = entry_credentials(entry)) return found;
  return std::nullopt;
}

void set_credentials(nlohmann::json& config, std::string_view host, const Credentials& credentials) {
  if (!config.is_object()) throw Error("the docker config file is not a JSON object; fix or remove it");
  erase_credentials(config, host);
  nlohmann::json& auths = config["auths"];
  if (auths.is_null()) auths = nlohmann::json::object();
  if (!auths.is_object())
    throw Error("\"auths\" in the docker config file is not an object; fix or remove that entry");
  auths[auths_key(host)] = {{"auth", encode_auth(credentials)}};
}

bool erase_credentials(nlohmann::json& config, std::string_view host) {
  auto auths = config.find("auths");
  if (auths == config.end() || !auths->is_object()) return false;
  bool erased = false;
  for (auto it = auths->begin(); it != auths->end();) {
    if (key_matches(it.key(), host)) {
      it = auths->erase(it);
      erased = true;
    } else {
      ++it;
    }
  }
  return erased;
}

nlohmann::json read_docker_config(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return nlohmann::json::object();
  try {
    nlohmann::json config = nlohmann::json::parse(fsutil::read_file(path, 16 << 20));
    if (!config.is_object()) throw Error(path.string() + " is not a JSON object");
    return config;
  } catch (const nlohmann::json::exception& e) {
    throw Error(path.string() + " is not valid JSON: " + e.what());
  }
}

void write_docker_config(const std::filesystem::path& path, const nlohmann::json& config) {
  std::filesystem::path dir = path.parent_path();
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (ec) throw Error("create " + dir.string() + ": " + ec.message());
    ::chmod(dir.c_str(), 0700);
  }
  fsutil::write_file_atomic(path, config.dump(1, '\t') + "\n", 0600);
}

}  // namespace mini::registry
