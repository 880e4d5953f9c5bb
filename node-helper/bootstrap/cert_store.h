// The kubelet's client certificate store (client-go util/certificate/certificate_store.go):
// <dir>/<prefix>-<YYYY-MM-DD-HH-MM-SS>.pem (0600, certificate chain then key)
// and the <prefix>-current.pem symlink, swapped through <prefix>-updated.pem.
#pragma once

#include <string>

#include "common/runtime/clock.h"
#include "common/status/status.h"

namespace joinguard::node::bootstrap {

class CertStore {
 public:
  CertStore(std::string dir, std::string prefix, const runtime::Clock& clock)
      : dir_(std::move(dir)), prefix_(std::move(prefix)), clock_(clock) {}

  // Writes the pair and points "current" at it. `cert_chain_pem` may hold several
  // certificates (leaf first); each is re-encoded as a CERTIFICATE block. Returns the new
  // file's path.
  StatusOr<std::string> Update(const std::string& cert_chain_pem, const std::string& key_pem);

  // Startup recovery: "current" missing but "updated" present → rename updated to current.
  Status Recover();

  std::string CurrentPath() const { return dir_ + "/" + prefix_ + "-current.pem"; }
  std::string UpdatedPath() const { return dir_ + "/" + prefix_ + "-updated.pem"; }
  // The timestamped file name for `t` (local time, as Go's time.Now().Format).
  std::string PairPath(std::chrono::system_clock::time_point t) const;

 private:
  Status UpdateSymlink(const std::string& filename);
  std::string dir_;
  std::string prefix_;
  const runtime::Clock& clock_;
};

}  // namespace joinguard::node::bootstrap
