#pragma once
// Store-internal helpers that work relative to directory file descriptors, so
// a symlink planted inside a layer or rootfs can never redirect them.
#include <filesystem>
#include <string>
#include <vector>

namespace mini::store {

namespace fs = std::filesystem;

// The names in directory `dirfd` but "." and "..", in readdir's order;
// `shown` names it in errors.
std::vector<std::string> list_names_at(int dirfd, const std::string& shown);
// rm -rf of `name` inside `dirfd`, without following symlinks. Read-only
// directories are made writable first (unpacked layers keep their modes).
// Refuses to descend into another mount: throws mini::Error instead.
// A missing `name` is not an error.
void remove_tree_at(int dirfd, const char* name);
// remove_tree_at for a path; a missing path is not an error.
void remove_tree(const fs::path& path);

}  // namespace mini::store
