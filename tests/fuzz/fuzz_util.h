// Shared helpers for the libFuzzer targets. A target must never crash, hang, leak or trip a
// sanitizer on any input; a broken invariant aborts (libFuzzer reports it with the input).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace joinguard::fuzz {

inline std::string_view AsView(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

// Aborts with a message when `ok` is false (an invariant of the code under test broke).
inline void Require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::abort();
  }
}

}  // namespace joinguard::fuzz
