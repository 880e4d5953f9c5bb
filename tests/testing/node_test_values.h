// Values the node-helper unit tests share: the bootstrap token they join with, the CA pin of
// the V4 vector, and reading back what a phase printed to a tmpfile().
#pragma once

#include <cstdio>
#include <string>

namespace joinguard::testing {

// A well-formed bootstrap token ([a-z0-9]{6}.[a-z0-9]{16}, cluster-bootstrap token/api).
inline constexpr char kTestToken[] = "abcdef.0123456789abcdef";
// The CA pin of tests/testing/vectors.h kV4Pin, as a literal for flag strings.
inline constexpr char kTestPin[] = "sha256:98be2e6d4d8a89aa308fb15de0c07e2531ce549c68dec1687cdd5c06f0826658";

// Everything written to `f` so far (flushes, rewinds, reads to the end).
inline std::string ReadAllFromStart(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
  return out;
}

}  // namespace joinguard::testing
