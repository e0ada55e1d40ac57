// libFuzzer target: Docker's client config.json (credentials, shared with
// `docker login`) and mini's daemon.json-style config. Both are files users
// and other tools write; reading them may only fail with mini::Error, and
// storing then finding a credential must give it back.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/fs_util.h"
#include "config/config.h"
#include "registry/config.h"
#include "registry/credentials.h"

namespace registry = mini::registry;

namespace {

// The file path read_docker_config opens: a memfd holding the input.
std::string as_file(const uint8_t* data, size_t size, mini::fsutil::UniqueFd& fd) {
  fd.reset(::memfd_create("config.json", MFD_CLOEXEC));
  if (!fd) std::abort();
  mini::fsutil::write_all(fd.get(), std::string_view(reinterpret_cast<const char*>(data), size));
  return "/proc/self/fd/" + std::to_string(fd.get());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    mini::config::Config parsed = mini::config::parse(text, "fuzz");
    registry::RegistryConfig config;
    config.insecure = parsed.registry.insecure;
    (void)registry::is_insecure_registry(config, "10.1.2.3:5000");
    (void)registry::is_insecure_registry(config, "registry.example");
  } catch (const mini::Error&) {
  }

  mini::fsutil::UniqueFd fd;
  nlohmann::json config;
  try {
    config = registry::read_docker_config(as_file(data, size, fd));
  } catch (const mini::Error&) {
    return 0;
  }
  for (const char* host : {"docker.io", "127.0.0.1:5000", "registry.example", "index.docker.io"}) {
    try {
      (void)registry::find_credentials(config, host);
    } catch (const mini::Error&) {
    }
    nlohmann::json copy = config;
    registry::Credentials credentials{"user", "pa:ss"};
    try {
      registry::set_credentials(copy, host, credentials);
    } catch (const mini::Error&) {
      if (copy.is_object() && (!copy.contains("auths") || copy.at("auths").is_object())) std::abort();
      continue;  // a config whose "auths" is not an object is refused, never overwritten
    }
    auto found = registry::find_credentials(copy, host);
    if (!found || found->username != credentials.username || found->password != credentials.password) std::abort();
    (void)copy.dump(1, '\t');  // as write_docker_config does
    if (!registry::erase_credentials(copy, host)) std::abort();
    try {
      if (registry::find_credentials(copy, host)) std::abort();
    } catch (const mini::Error&) {
    }
  }
  return 0;
}
