#include "oci/state_json.h"

#include <pwd.h>
#include <sys/stat.h>

namespace mini::oci {

static std::string owner_of(const std::filesystem::path& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return "";
  if (passwd* pw = ::getpwuid(st.st_uid)) return pw->pw_name;
  return "#" + std::to_string(st.st_uid);
}

nlohmann::json state_json(const runtime::State& state) {
  nlohmann::json doc = {{"ociVersion", state.oci_version},
                        {"id", state.id},
                        {"pid", state.status == runtime::Status::Stopped ? 0 : state.pid},
                        {"status", runtime::status_name(state.status)},
                        {"bundle", state.bundle.string()},
                        {"rootfs", state.rootfs.string()},
                        {"created", state.created},
                        {"owner", owner_of(state.bundle)}};
  if (!state.annotations.empty()) doc["annotations"] = state.annotations;
  return doc;
}

}  // namespace mini::oci
