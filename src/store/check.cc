#include "store/check.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <sstream>

#include "common/time.h"
#include "common/error.h"
#include "common/fs_util.h"
#include "store/content_store.h"
#include "store/digest.h"
#include "store/fs_tree.h"
#include "store/image.h"
#include "store/image_index.h"
#include "store/layer_store.h"
#include "store/scratch.h"

namespace mini::store {

namespace {

// A container whose state.json changed this recently may be starting or
// stopping: `mini run` mounts the rootfs before it records a pid, and
// unmounts it after recording the exit. It is judged on a later check.
constexpr auto kSettleTime = std::chrono::seconds(5);

bool is_hex64(const std::string& name) {
  return name.size() == 64 && std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) names.push_back(entry.path().filename().string());
  if (ec && ec != std::errc::no_such_file_or_directory) throw Error("read " + dir.string() + ": " + ec.message());
  std::sort(names.begin(), names.end());
  return names;
}

// Whether anyone holds the flock at `path` (a file under locks/).
bool lock_held(const fs::path& path) {
  fsutil::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  return fd && ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
}

bool changed_recently(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return false;
  auto mtime = std::chrono::system_clock::time_point(std::chrono::seconds(st.st_mtim.tv_sec));
  return std::chrono::system_clock::now() - mtime < kSettleTime;
}

std::string sha256_of_file(const fs::path& path) {
  fsutil::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_errno("open " + path.string());
  Sha256 hash;
  std::vector<char> buf(1 << 20);
  for (;;) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("read " + path.string());
    }
    if (n == 0) break;
    hash.update(buf.data(), static_cast<size_t>(n));
  }
  return hash.finish();
}

// /proc/self/mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_mount_path(const std::string& field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      int value = 0;
      bool octal = true;
      for (size_t k = 1; k <= 3; ++k) {
        char c = field[i + k];
        if (c < '0' || c > '7') octal = false;
        value = value * 8 + (c - '0');
      }
      if (octal) {
        out.push_back(static_cast<char>(value));
        i += 3;
        continue;
      }
    }
    out.push_back(field[i]);
  }
  return out;
}

class Checker {
 public:
  Checker(const Layout& layout, const CheckOptions& options) : layout_(layout), options_(options) {}

  CheckReport run() {
    check_blobs();
    check_scratch();
    check_images();
    check_containers();
    return std::move(report_);
  }

 private:
  // Records a problem; with repair, runs `fix` and records whether it worked.
  void problem(std::string what, std::string fix_text, const std::function<void()>& fix = {}) {
    CheckProblem p{std::move(what), std::move(fix_text), static_cast<bool>(fix), false};
    if (fix && options_.repair) {
      try {
        fix();
        p.repaired = true;
      } catch (const std::exception& e) {
        p.fix = std::string("repair failed: ") + e.what();
      }
    }
    report_.problems.push_back(std::move(p));
  }

  void check_blobs();
  void check_scratch();
  void check_images();
  void check_containers();
  void check_container(const std::string& id);
  void check_stray_temporaries(const std::string& id, const fs::path& dir, const std::string& shown);
  void release_container(const std::string& id, const fs::path& dir);

  const Layout& layout_;
  const CheckOptions& options_;
  CheckReport report_;
};

void Checker::check_blobs() {
  ContentStore blobs(layout_);
  for (const auto& name : names_in(layout_.blobs())) {
    const fs::path path = layout_.blobs() / name;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) continue;  // removed meanwhile
    if (!is_hex64(name) || !S_ISREG(st.st_mode)) {
      problem("blobs/sha256/" + name + " is not a blob", "removed", [&] { remove_tree(path); });
      continue;
    }
    ++report_.blobs;
    std::string actual;
    try {
      actual = sha256_of_file(path);
    } catch (const Error& e) {
      if (errno == ENOENT) continue;
      problem("blob sha256:" + name + " can't be read: " + e.what(), "check the disk");
      continue;
    }
    if (actual != "sha256:" + name)
      problem("blob sha256:" + name + " is corrupt: its content hashes to " + actual,
              "removed; pull or import the images that use it again", [&] { remove_tree(path); });
  }
}

// ingest/ and the unpack directories in layers/: debris unless their owner
// still holds them (scratch.h). Judged under the scan lock, removed after it:
// a directory without an owner gets none back.
void Checker::check_scratch() {
  std::vector<std::pair<std::string, fs::path>> debris;
  std::vector<std::string> incomplete;
  {
    fsutil::FileLock scan = lock_scratch_scan(layout_);
    for (const auto& name : names_in(layout_.ingest()))
      if (!scratch_in_use(layout_.ingest() / name)) debris.emplace_back("ingest/" + name, layout_.ingest() / name);
    for (const auto& name : names_in(layout_.layers())) {
      const fs::path path = layout_.layers() / name;
      if (is_hex64(name)) {
        struct stat st {};
        bool complete = ::stat((path / "complete").c_str(), &st) == 0;
        bool has_fs = ::stat((path / "fs").c_str(), &st) == 0 && S_ISDIR(st.st_mode);
        if (complete && has_fs) {
          ++report_.layers;
        } else if (!lock_held(layout_.locks() / ("layer-" + name + ".lock"))) {
          // Between the rename into place and the marker, the unpacking
          // process holds the layer's lock.
          incomplete.push_back(name);
        }
      } else if ((name.size() > 70 && is_hex64(name.substr(0, 64)) && starts_with(name.substr(64), ".tmp-")) ||
                 (starts_with(name, "import-") && ends_with(name, ".tmp"))) {
        if (!scratch_in_use(path)) debris.emplace_back("layers/" + name, path);
      } else {
        problem("layers/" + name + " is not something mini puts there", "left alone; remove it by hand if unneeded");
      }
    }
  }
  for (const auto& item : debris)
    problem(item.first + " is left from an interrupted download, import or unpack", "removed",
            [&] { remove_tree(item.second); });
  LayerStore layers(layout_);
  for (const auto& hex : incomplete)
    problem("layer sha256:" + hex + " is incomplete (its unpacking was interrupted)",
            "removed; it is unpacked again when an image needs it", [&] { layers.remove("sha256:" + hex); });
}

void Checker::check_images() {
  ImageIndex index(layout_);
  {
    // Writes of images.json happen under this lock; a temp file seen under
    // it belongs to a writer that died.
    fsutil::FileLock lock(layout_.locks() / "images.lock");
    for (const auto& name : names_in(layout_.root))
      if (starts_with(name, "images.json.tmp-"))
        problem(name + " is left from an interrupted update of images.json", "removed",
                [&] { remove_tree(layout_.root / name); });
  }
  std::map<std::string, ImageRecord> images;
  try {
    images = index.load();
  } catch (const Error& e) {
    const fs::path aside = layout_.root / ("images.json.corrupt-" + fsutil::random_hex(4));
    problem(std::string(e.what()), "moved to " + aside.string() + "; pull or import the images again", [&] {
      fsutil::FileLock lock(layout_.locks() / "images.lock");
      if (::rename(layout_.images_file().c_str(), aside.c_str()) != 0) throw_errno("rename images.json");
    });
    return;
  }
  ContentStore blobs(layout_);
  LayerStore layers(layout_);
  for (const auto& [name, record] : images) {
    ++report_.images;
    if (!blobs.has(record.manifest_digest)) {
      problem("image " + name + " names manifest " + record.manifest_digest + ", which is missing",
              "untagged; pull or import it again", [&, name = name] { index.remove(name); });
      continue;
    }
    try {
      Image image = load_image(blobs, record.manifest_digest);
      for (const auto& layer : image.layers)
        if (!layers.has(layer.diff_id) && !blobs.has(layer.digest))
          problem("image " + name + " has lost layer " + layer.diff_id + " (neither its blob nor its files are here)",
                  "pull or import " + name + " again");
    } catch (const Error& e) {
      problem("image " + name + ": " + e.what(), "pull or import " + name + " again");
    }
  }
}

void Checker::check_containers() {
  for (const auto& id : names_in(layout_.containers())) {
    ++report_.containers;
    check_container(id);
  }
}

// write_file_atomic's temporaries outlive a kill or a full disk; saves run
// under the container's lock, so holding it tells debris from a save.
void Checker::check_stray_temporaries(const std::string& id, const fs::path& dir, const std::string& shown) {
  fsutil::FileLock lock(layout_.locks() / ("container-" + id + ".lock"));
  for (const auto& name : names_in(dir)) {
    // config.json and hostname are written outside that lock, at creation.
    if (name.find(".tmp-") == std::string::npos || changed_recently(dir / name)) continue;
    problem(shown + " has a half-written file " + name, "removed", [&] { remove_tree(dir / name); });
  }
}

// Unmounts what is mounted below a dead container's directory and removes
// its cgroups; its files stay.
void Checker::release_container(const std::string& id, const fs::path& dir) {
  for (const auto& mount : mounts_below(dir))
    if (::umount2(mount.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
      throw_errno("unmount " + mount);
  if (options_.probe.remove_cgroups) options_.probe.remove_cgroups(id);
}

void Checker::check_container(const std::string& id) {
  const fs::path dir = layout_.containers() / id;
  const std::string shown = "container " + id.substr(0, 12);
  ContainerStore containers(layout_);
  std::optional<ContainerRecord> record;
  {
    // Creation writes the directory and state.json under this lock.
    fsutil::FileLock lock(layout_.locks() / "containers.lock");
    struct stat st {};
    // Creation makes the directory and state.json under the lock we hold,
    // so a directory without one is debris however young it is; only a
    // torn state.json may still be a save in flight.
    const bool has_state = ::stat((dir / "state.json").c_str(), &st) == 0;
    if (!has_state || !(record = containers.load(id))) {
      if (has_state && changed_recently(dir / "state.json")) return;
      problem(shown + " has no readable state.json (its creation was interrupted, perhaps by a full disk)", "removed", [&] {
        release_container(id, dir);
        remove_tree(dir);
      });
      return;
    }
  }
  check_stray_temporaries(id, dir, shown);
  if (changed_recently(dir / "state.json")) return;  // starting or stopping right now
  const bool alive = options_.probe.alive && options_.probe.alive(*record);
  if (alive) return;
  const std::string named = shown + " (" + record->name + ")";
  const bool mounted = !mounts_below(dir).empty();
  const bool cgroups = options_.probe.has_cgroups && options_.probe.has_cgroups(id);
  if (record->status == "running" || record->status == "restarting" || record->status == "paused") {
    const bool remove = record->auto_remove;
    problem(named + " is recorded as " + record->status + ", but its processes are gone",
            remove ? "removed (it was started with --rm)" : "marked exited, its rootfs unmounted", [&] {
              release_container(id, dir);
              if (remove) {
                remove_tree(dir);
                return;
              }
              containers.update(id, [](ContainerRecord& r) {
                r.status = "exited";
                r.pid = 0;
                r.monitor_pid = 0;
                r.monitor_start_time = 0;
                r.exit_code = 137;  // what SIGKILL would have made of it
                r.finished = now_rfc3339();
              });
            });
    return;
  }
  if (record->auto_remove) {
    // Nothing will ever start it or remove it: the mini that ran it with --rm
    // was killed before it began or after it ended.
    problem(named + " was run with --rm, but the mini running it was killed (it is " + record->status + ")",
            "removed", [&] {
              release_container(id, dir);
              remove_tree(dir);
            });
    return;
  }
  if (mounted || cgroups)
    problem(named + " is " + record->status + " but still has " +
                (mounted && cgroups ? "its rootfs mounted and its cgroups" : mounted ? "its rootfs mounted" : "cgroups"),
            "unmounted and removed", [&] { release_container(id, dir); });
}

}  // namespace

bool CheckReport::clean() const {
  return std::all_of(problems.begin(), problems.end(), [](const CheckProblem& p) { return p.repaired; });
}

std::vector<std::string> mounts_below(const fs::path& dir) {
  std::ifstream mountinfo("/proc/self/mountinfo");
  const std::string prefix = dir.string();
  std::vector<std::string> found;
  std::string line;
  while (std::getline(mountinfo, line)) {
    std::istringstream fields(line);
    std::string id, parent, devs, root, point;
    fields >> id >> parent >> devs >> root >> point;
    point = unescape_mount_path(point);
    if (point == prefix || starts_with(point, prefix + "/")) found.push_back(point);
  }
  // Deepest first, so nothing is unmounted from under another mount; a
  // point mounted twice is listed twice, and unmounted twice.
  std::sort(found.begin(), found.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return found;
}

CheckReport check_store(const Layout& layout, const CheckOptions& options) {
  return Checker(layout, options).run();
}

}  // namespace mini::store
