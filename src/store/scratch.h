#pragma once
// Scratch directories: what the store writes before committing it (an
// ingest, a layer being unpacked). Each carries an flock for as long as its
// owner works on it, and the kernel drops that lock when the owner dies, so
// `mini system check` tells work in progress from the debris of a killed
// process without guessing from ages.
#include <filesystem>

#include "common/fs_util.h"
#include "store/layout.h"

namespace mini::store {

// Creates `dir` (mode 0700) and returns an open, flocked descriptor of it.
// Creation and locking happen under a shared hold of locks/scratch.lock, so
// a scan holding it exclusively never sees a scratch directory unlocked.
fsutil::UniqueFd make_scratch_dir(const Layout& layout, const fs::path& dir);

// Whether a live process holds the lock on scratch directory `dir`.
bool scratch_in_use(const fs::path& dir);

// Removes the scratch directories killed pulls and imports left (ingest/
// and unpacks in layers/; they are named at random, so nothing resumes
// them). Every pull and import starts with it, so a kill costs disk only
// until the next one. Best effort: what can't go is left for `system check`.
void sweep_abandoned_ingests(const Layout& layout);

// Held while judging scratch directories with scratch_in_use().
fsutil::FileLock lock_scratch_scan(const Layout& layout);

}  // namespace mini::store
