// Files that are never half-written: temp file in the same directory, fsync, rename, fsync dir.
#pragma once

#include <string>
#include <string_view>
#include <sys/types.h>

#include "common/status/status.h"

namespace joinguard::files {

// Writes `contents` to `path` atomically with permission bits `mode` (set on the temp file
// before any byte is written, so a key is never world-readable even briefly). Parent
// directories are created with 0755 when `create_parents`. On any error the temp file is removed.
Status WriteFileAtomic(const std::string& path, std::string_view contents, mode_t mode,
                       bool create_parents = true);

// Reads a whole file; kNotFound when missing; kResourceExhausted when larger than max_bytes.
StatusOr<std::string> ReadFile(const std::string& path, size_t max_bytes = 16 << 20);

// Creates directories like `mkdir -p` with `mode` for the ones it creates.
Status MakeDirs(const std::string& path, mode_t mode = 0755);

}  // namespace joinguard::files
