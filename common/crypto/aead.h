// AES-256-GCM in kubeadm-certs layout: nonce(12) || ciphertext || tag(16), no AAD
// (kubeadm cmd/kubeadm/app/util/crypto/crypto.go EncryptBytes/DecryptBytes).
#pragma once

#include <string>
#include <string_view>

#include "common/status/status.h"

namespace joinguard::crypto {

StatusOr<std::string> AesGcmSeal(std::string_view key32, std::string_view plaintext);
// Deterministic variant for test vectors only.
StatusOr<std::string> AesGcmSealWithNonceForTest(std::string_view key32, std::string_view nonce12,
                                                 std::string_view plaintext);
// kInvalidArgument "size of data is less than the nonce" for short input; kDataLoss when the tag fails.
StatusOr<std::string> AesGcmOpen(std::string_view key32, std::string_view sealed);

}  // namespace joinguard::crypto
