// Private and public keys: generation, PEM in the formats kubelet writes/reads, SPKI.
#pragma once

#include <string>
#include <string_view>

#include "common/crypto/openssl_handles.h"
#include "common/status/status.h"

namespace joinguard::crypto {

enum class KeyType { kEcdsaP256, kEcdsaP384, kRsa2048, kRsa3072, kRsa4096, kEd25519 };

enum class KeyAlgorithm { kRsa, kEcdsa, kEd25519, kOther };

// Describes a public key: algorithm, size in bits (RSA modulus / EC field size / 256 for
// Ed25519) and curve name for EC ("P-256", "P-384", "P-521", "P-224", or OpenSSL's short name).
struct KeyInfo {
  KeyAlgorithm algorithm = KeyAlgorithm::kOther;
  int bits = 0;
  std::string curve;
  std::string ToString() const;  // "ECDSA P-256", "RSA 2048", "Ed25519"
  // Added with the implementation: OpenSSL's key type name ("RSA", "EC", "ED25519", "ED448",
  // "DSA", "RSA-PSS", ...) so that kOther keys can still be named in a denial reason.
  std::string type_name;
};

// PEM encodings a private key can be written in.
enum class PrivateKeyPemFormat {
  kTraditional,  // "EC PRIVATE KEY" (SEC 1) / "RSA PRIVATE KEY" (PKCS#1); Ed25519 falls back to PKCS#8
  kPkcs8,        // "PRIVATE KEY"
};

class PrivateKey {
 public:
  static StatusOr<PrivateKey> Generate(KeyType type);
  // Accepts EC PRIVATE KEY, RSA PRIVATE KEY and PRIVATE KEY blocks; skips other blocks such as
  // EC PARAMETERS (as client-go keyutil does). kInvalidArgument on anything else.
  static StatusOr<PrivateKey> FromPem(std::string_view pem);

  // kubelet writes kTraditional (keyutil.MarshalPrivateKeyToPEM).
  StatusOr<std::string> ToPem(PrivateKeyPemFormat format = PrivateKeyPemFormat::kTraditional) const;
  // DER SubjectPublicKeyInfo of the public half.
  StatusOr<std::string> PublicKeySpkiDer() const;
  KeyInfo Info() const;

  EVP_PKEY* get() const { return key_.get(); }
  explicit PrivateKey(EvpPkeyPtr key) : key_(std::move(key)) {}

 private:
  EvpPkeyPtr key_;
};

// Information about an SPKI/EVP_PKEY public key.
KeyInfo DescribeKey(const EVP_PKEY* key);

// Added with the implementation: parses a DER SubjectPublicKeyInfo (e.g. ParsedCsr::spki_der()).
StatusOr<EvpPkeyPtr> ParsePublicKeySpkiDer(std::string_view spki_der);

// Added with the implementation: the key's SPKI with a "PUBLIC KEY" PEM block.
StatusOr<std::string> PublicKeyPem(const EVP_PKEY* key);

}  // namespace joinguard::crypto
