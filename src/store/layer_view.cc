#include "store/layer_view.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <deque>

#include "common/error.h"
#include "common/fs_util.h"
#include "store/overlay_format.h"

namespace mini::store {

namespace {

using fsutil::UniqueFd;

constexpr int kMaxSymlinks = 40;  // the kernel's MAXSYMLINKS

// A directory of the merged view: the layer directories that make it up,
// topmost first.
struct MergedDir {
  std::vector<UniqueFd> parts;
};

UniqueFd open_dir_at(int parent, const std::string& name, const std::string& shown) {
  // A directory open has no side effects, and O_NOFOLLOW|O_DIRECTORY refuses
  // anything swapped in for it.
  UniqueFd fd(::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) throw_errno("open a directory of " + shown);
  return fd;
}

struct Found {
  enum Kind { Missing, Directory, Symlink, Other } kind = Missing;
  int layer_dir = -1;  // for Symlink and Other: the directory that holds it
  MergedDir dir;       // for Directory
};

Found lookup(const MergedDir& dir, const std::string& name, const std::string& shown) {
  Found found;
  for (size_t i = 0; i < dir.parts.size(); ++i) {
    struct stat st {};
    if (::fstatat(dir.parts[i].get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;
      throw_errno("look up " + name + " for " + shown);
    }
    if (is_whiteout(st)) return found;
    if (!S_ISDIR(st.st_mode)) {
      found.kind = S_ISLNK(st.st_mode) ? Found::Symlink : Found::Other;
      found.layer_dir = dir.parts[i].get();
      return found;
    }
    // A directory: it merges with same-named directories below until an
    // opaque one, a whiteout or a non-directory ends the stack.
    found.kind = Found::Directory;
    for (size_t j = i; j < dir.parts.size(); ++j) {
      if (j > i) {
        if (::fstatat(dir.parts[j].get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
          if (errno == ENOENT) continue;
          throw_errno("look up " + name + " for " + shown);
        }
        if (!S_ISDIR(st.st_mode)) break;
      }
      found.dir.parts.push_back(open_dir_at(dir.parts[j].get(), name, shown));
      if (is_opaque_dir(found.dir.parts.back().get())) break;
    }
    return found;
  }
  return found;
}

std::deque<std::string> components(const std::string& path) {
  std::deque<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) out.emplace_back(path, start, slash - start);
    start = slash + 1;
  }
  return out;
}

std::string read_link_at(int dirfd, const std::string& name, const std::string& shown) {
  char target[4096];
  ssize_t n = ::readlinkat(dirfd, name.c_str(), target, sizeof target);
  if (n < 0) throw_errno("read a symlink of " + shown);
  if (static_cast<size_t>(n) == sizeof target) throw Error(shown + " leads through a symlink longer than 4095 bytes");
  return std::string(target, static_cast<size_t>(n));
}

}  // namespace

std::optional<std::string> read_layered_file(const std::vector<fs::path>& layers_bottom_first, const std::string& path,
                                             const ContainedRead& how) {
  const std::string shown = how.shown.empty() ? path : how.shown;
  if (layers_bottom_first.empty()) return std::nullopt;
  MergedDir root;
  for (auto layer = layers_bottom_first.rbegin(); layer != layers_bottom_first.rend(); ++layer) {
    UniqueFd fd(::open(layer->c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) throw_errno("open layer " + layer->string());
    root.parts.push_back(std::move(fd));
  }

  // The walk: `chain` holds the merged directories from the root down to
  // the current one, so ".." is a pop that stops at the root.
  std::vector<MergedDir> chain;
  chain.push_back(std::move(root));
  std::deque<std::string> todo = components(path);
  int symlinks = 0;
  while (!todo.empty()) {
    std::string name = std::move(todo.front());
    todo.pop_front();
    if (name == ".") continue;
    if (name == "..") {
      if (chain.size() > 1) chain.pop_back();
      continue;
    }
    Found found = lookup(chain.back(), name, shown);
    switch (found.kind) {
      case Found::Missing:
        return std::nullopt;
      case Found::Directory:
        if (todo.empty()) throw Error(shown + " is a directory, not a regular file; mini reads only regular files there");
        chain.push_back(std::move(found.dir));
        break;
      case Found::Symlink: {
        if (++symlinks > kMaxSymlinks) throw Error(shown + " is a symlink loop or too deep a chain of symlinks");
        std::string target = read_link_at(found.layer_dir, name, shown);
        if (!target.empty() && target.front() == '/') chain.resize(1);
        std::deque<std::string> more = components(target);
        todo.insert(todo.begin(), more.begin(), more.end());
        break;
      }
      case Found::Other: {
        if (!todo.empty()) return std::nullopt;  // ENOTDIR: a file where a directory was expected
        ContainedRead last = how;
        last.shown = shown;
        last.follow_last_symlink = false;  // it was not one a moment ago; if it is now, refuse
        return read_contained_file(found.layer_dir, name, last);
      }
    }
  }
  // The path named the root itself.
  throw Error(shown + " is a directory, not a regular file; mini reads only regular files there");
}

}  // namespace mini::store
