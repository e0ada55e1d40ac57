#include "store/import.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <memory>

#include "common/time.h"
#include "common/bytes.h"
#include "common/error.h"
#include "common/fs_util.h"
#include "store/container_store.h"
#include "store/layer_limits.h"
#include "store/scratch.h"

namespace mini::store {

namespace {

constexpr const char* kLayerTar = "application/vnd.oci.image.layer.v1.tar";
constexpr const char* kLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
constexpr const char* kLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
constexpr const char* kConfigType = "application/vnd.oci.image.config.v1+json";
constexpr const char* kManifestType = "application/vnd.oci.image.manifest.v1+json";

std::string trim(std::string_view s) {
  size_t start = s.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return "";
  size_t end = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(start, end - start + 1));
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Docker's exec form is a JSON array of strings; anything else, including
// JSON that isn't one, is shell form.
nlohmann::json command_form(const std::string& args) {
  if (!args.empty() && args.front() == '[') {
    try {
      auto doc = nlohmann::json::parse(args);
      if (doc.is_array() && std::all_of(doc.begin(), doc.end(), [](const auto& v) { return v.is_string(); }))
        return doc;
    } catch (const nlohmann::json::exception&) {
    }
  }
  return nlohmann::json::array({"/bin/sh", "-c", args});
}

// Shell-style words: quotes group, backslash escapes. Used for ENV K=V pairs.
std::vector<std::string> shell_words(const std::string& text, const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\\' && i + 1 < text.size()) {
      word.push_back(text[++i]);
    } else if (c == '\'' || c == '"') {
      size_t close = i + 1;
      for (; close < text.size() && text[close] != c; ++close) {
        if (c == '"' && text[close] == '\\' && close + 1 < text.size()) {
          char next = text[close + 1];
          if (next == '"' || next == '\\' || next == '$') {
            word.push_back(next);
            ++close;
            continue;
          }
        }
        word.push_back(text[close]);
      }
      if (close >= text.size()) throw Error("--change \"" + line + "\" has an unterminated quote");
      i = close;
    } else {
      word.push_back(c);
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

void set_env(nlohmann::json& config, const std::string& key, const std::string& value) {
  nlohmann::json& env = config["Env"];
  if (!env.is_array()) env = nlohmann::json::array();
  const std::string entry = key + "=" + value;
  for (auto& existing : env) {
    if (!existing.is_string()) continue;
    const std::string& s = existing.get_ref<const std::string&>();
    if (s.compare(0, key.size() + 1, key + "=") == 0 || s == key) {
      existing = entry;
      return;
    }
  }
  env.push_back(entry);
}

void apply_env(nlohmann::json& config, const std::string& args, const std::string& line) {
  size_t space = args.find_first_of(" \t");
  std::string first = args.substr(0, space);
  if (first.find('=') == std::string::npos) {
    // Legacy "ENV KEY value with spaces".
    if (space == std::string::npos) throw Error("--change \"" + line + "\" needs a value: use ENV KEY=VALUE");
    set_env(config, first, trim(args.substr(space)));
    return;
  }
  for (const auto& word : shell_words(args, line)) {
    size_t eq = word.find('=');
    if (eq == std::string::npos || eq == 0) throw Error("--change \"" + line + "\": \"" + word + "\" is not KEY=VALUE");
    set_env(config, word.substr(0, eq), word.substr(eq + 1));
  }
}

std::string join_workdir(const std::string& previous, const std::string& dir) {
  fs::path path = dir.front() == '/' ? fs::path(dir) : fs::path(previous.empty() ? "/" : previous) / dir;
  std::string out = path.lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

struct ArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveFree>;

enum class Compression { None, Gzip, Zstd, Other };

Compression detect(const fs::path& file) {
  unsigned char magic[4] = {};
  {
    fsutil::UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw_errno("open " + file.string());
    ssize_t n = ::read(fd.get(), magic, sizeof magic);
    if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) return Compression::Gzip;
    if (n >= 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
      return Compression::Zstd;
  }
  ArchivePtr a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_raw(a.get());
  archive_entry* entry = nullptr;
  if (archive_read_open_filename(a.get(), file.c_str(), 1 << 16) != ARCHIVE_OK ||
      archive_read_next_header(a.get(), &entry) != ARCHIVE_OK)
    return Compression::None;  // not even raw data: the tar check reports it
  return archive_filter_code(a.get(), 0) == ARCHIVE_FILTER_NONE ? Compression::None : Compression::Other;
}

// xz, bzip2 and the rest aren't OCI layer media types: store the plain tar.
// Its size is bounded like an unpacked layer's: a few kilobytes of xz can
// expand to gigabytes of zeros.
void decompress(const fs::path& file, Ingest& out, const std::string& shown, uint64_t max_bytes) {
  struct statvfs vfs {};
  uint64_t free_bytes = UINT64_MAX;
  if (::statvfs(out.path().parent_path().c_str(), &vfs) == 0)
    free_bytes = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  ArchivePtr a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_raw(a.get());
  archive_entry* entry = nullptr;
  auto fail = [&] {
    const char* msg = archive_error_string(a.get());
    return Error("decompress " + shown + ": " + (msg ? msg : "unknown error"));
  };
  if (archive_read_open_filename(a.get(), file.c_str(), 1 << 16) != ARCHIVE_OK ||
      archive_read_next_header(a.get(), &entry) != ARCHIVE_OK)
    throw fail();
  for (;;) {
    const void* buf = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    int r = archive_read_data_block(a.get(), &buf, &size, &offset);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) throw fail();
    out.write(buf, size);
    if (max_bytes && out.size() > max_bytes)
      throw Error(shown + " decompresses to more than " + binary_bytes(max_bytes) + "; " + kLayerLimitHint);
    if (out.size() > free_bytes)
      throw Error(shown + " decompresses to more than the " + binary_bytes(free_bytes) +
                  " free on the store's filesystem; free some space and try again");
  }
}

bool is_tar(const fs::path& file) {
  ArchivePtr a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  archive_entry* entry = nullptr;
  if (archive_read_open_filename(a.get(), file.c_str(), 1 << 16) != ARCHIVE_OK) return false;
  int r = archive_read_next_header(a.get(), &entry);
  return r == ARCHIVE_OK || r == ARCHIVE_WARN || r == ARCHIVE_EOF;
}

// Copies the source into an ingest. The first read happens before the
// ingest exists, so an unreadable source leaves nothing behind.
std::unique_ptr<Ingest> read_source(ContentStore& blobs, const fs::path& source, const std::string& shown) {
  fsutil::UniqueFd owned;
  int fd = STDIN_FILENO;
  if (source != "-") {
    owned.reset(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
    if (!owned) throw_errno("cannot read " + shown);
    fd = owned.get();
  }
  std::vector<char> buf(1 << 16);
  auto read_some = [&]() -> size_t {
    for (;;) {
      ssize_t n = ::read(fd, buf.data(), buf.size());
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) throw_errno("cannot read " + shown);
    }
  };
  size_t n = read_some();
  if (n == 0) throw Error(shown + " is empty, not a tar archive (plain, gzip, xz or zstd)");
  auto ingest = blobs.begin_ingest();
  while (n > 0) {
    ingest->write(buf.data(), n);
    n = read_some();
  }
  return ingest;
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (size_t pos = 0; (pos = text.find(from, pos)) != std::string::npos; pos += to.size())
    text.replace(pos, from.size(), to);
}

}  // namespace

void apply_changes(nlohmann::json& config, const std::vector<std::string>& changes) {
  if (!config.is_object()) config = nlohmann::json::object();
  bool cmd_set = false;
  for (const auto& raw : changes) {
    const std::string line = trim(raw);
    size_t space = line.find_first_of(" \t");
    const std::string instruction = upper(line.substr(0, space));
    const std::string args = space == std::string::npos ? "" : trim(line.substr(space));
    if (instruction != "CMD" && instruction != "ENTRYPOINT" && instruction != "ENV" && instruction != "WORKDIR" &&
        instruction != "USER")
      throw Error("unsupported --change instruction " + (instruction.empty() ? std::string("\"\"") : instruction) +
                  ": use CMD, ENTRYPOINT, ENV, WORKDIR or USER");
    if (args.empty()) throw Error("--change \"" + line + "\" needs an argument");
    if (instruction == "CMD") {
      config["Cmd"] = command_form(args);
      cmd_set = true;
    } else if (instruction == "ENTRYPOINT") {
      config["Entrypoint"] = command_form(args);
      // As in a Dockerfile: a new entrypoint drops an inherited CMD.
      if (!cmd_set) config.erase("Cmd");
    } else if (instruction == "ENV") {
      apply_env(config, args, line);
    } else if (instruction == "WORKDIR") {
      config["WorkingDir"] = join_workdir(config.value("WorkingDir", ""), args);
    } else {
      config["User"] = args;
    }
  }
}

ImportResult import_tarball(ContentStore& blobs, LayerStore& layers, ImageIndex& images, const ImportRequest& request) {
  const std::string shown = request.source == "-" ? std::string("stdin") : request.source.string();
  sweep_abandoned_ingests(blobs.layout());
  nlohmann::json container_config = nlohmann::json::object();
  apply_changes(container_config, request.changes);

  std::unique_ptr<Ingest> layer = read_source(blobs, request.source, shown);
  const char* media_type = kLayerTar;
  switch (detect(layer->path())) {
    case Compression::Gzip:
      media_type = kLayerGzip;
      break;
    case Compression::Zstd:
      media_type = kLayerZstd;
      break;
    case Compression::Other: {
      auto plain = blobs.begin_ingest();
      decompress(layer->path(), *plain, shown, layers.max_bytes());
      layer = std::move(plain);
      break;
    }
    case Compression::None:
      break;
  }
  if (!is_tar(layer->path())) throw Error(shown + " is not a tar archive (plain, gzip, xz or zstd)");

  std::string diff_id;
  try {
    diff_id = layers.unpack_new(layer->path());
  } catch (const Error& e) {
    std::string message = e.what();
    replace_all(message, "layer " + layer->path().string(), shown);
    replace_all(message, layer->path().string(), shown);
    throw Error("import " + shown + ": " + message);
  }
  const uint64_t layer_size = layer->size();
  const std::string layer_digest = blobs.commit(std::move(layer));

  const std::string created = now_rfc3339();
  nlohmann::json config = {
      {"architecture", request.architecture},
      {"os", request.os},
      {"created", created},
      {"config", container_config},
      {"rootfs", {{"type", "layers"}, {"diff_ids", nlohmann::json::array({diff_id})}}},
      {"history", nlohmann::json::array({{{"created", created}, {"created_by", "mini import"}}})},
  };
  const std::string config_text = config.dump();
  ImportResult result;
  result.config_digest = blobs.put(config_text);

  nlohmann::json manifest = {
      {"schemaVersion", 2},
      {"mediaType", kManifestType},
      {"config", {{"mediaType", kConfigType}, {"digest", result.config_digest}, {"size", config_text.size()}}},
      {"layers", nlohmann::json::array({{{"mediaType", media_type}, {"digest", layer_digest}, {"size", layer_size}}})},
  };
  result.manifest_digest = blobs.put(manifest.dump());
  images.set(request.name, {result.manifest_digest, "", created});
  return result;
}

}  // namespace mini::store
