// RFC 7469-style public-key pins, byte-compatible with kubeadm's pubkeypin package
// (kubeadm cmd/kubeadm/app/util/pubkeypin/pubkeypin.go).
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto/cert.h"
#include "common/status/status.h"

namespace joinguard::crypto {

// "sha256:<64 lower-case hex>" over the certificate's DER SubjectPublicKeyInfo.
std::string SpkiPin(const Certificate& cert);
std::string SpkiPinFromDer(std::string_view spki_der);

class PinSet {
 public:
  // Adds pins; errors (kInvalidArgument) carry kubeadm's exact texts, e.g.
  // `invalid hash, expected "format:hex-value". Known format(s) are: sha256`.
  Status Allow(const std::vector<std::string>& pins);
  Status Allow(std::string_view pin);
  bool Empty() const { return sha256_.empty(); }
  // OK if the certificate's pin is in the set; else kubeadm's
  // `none of the public keys "sha256:..." are pinned` (kFailedPrecondition).
  Status Check(const Certificate& cert) const;
  // OK if any certificate matches; the error lists all hashes joined with ':'.
  Status CheckAny(const std::vector<Certificate>& certs) const;

 private:
  std::set<std::string> sha256_;  // lower-case hex
};

}  // namespace joinguard::crypto
