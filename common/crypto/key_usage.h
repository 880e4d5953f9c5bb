// The X.509 usage vocabulary of Kubernetes CSRs, the one table every caller reads: the
// certificates/v1 KeyUsage values (k8s.io/api/certificates/v1/types.go, in its declaration
// order) and what each one means in a certificate, as kube-controller-manager's signer maps
// them (pkg/controller/certificates/authority/policies.go keyUsagesFromStrings, with Go's
// crypto/x509 KeyUsage bits and ExtKeyUsage values).
#pragma once

#include <string_view>
#include <vector>

namespace joinguard::crypto {

struct KeyUsage {
  // The certificates/v1 KeyUsage string ("digital signature", "client auth", ...).
  std::string_view name;
  // keyUsage (RFC 5280 4.2.1.3) bit number, as Go's x509.KeyUsage (1 << bit); kNotKeyUsage for
  // an extended key usage.
  int key_usage_bit;
  // extendedKeyUsage: the OpenSSL NID (NID_undef for a keyUsage bit) and Go's x509.ExtKeyUsage
  // value, by which upstream sorts the extension (kNotKeyUsage for a keyUsage bit).
  int ext_nid;
  int ext_order;

  bool extended() const { return key_usage_bit == kNotKeyUsage; }
  static constexpr int kNotKeyUsage = -1;
};

// Go's x509.KeyUsageCertSign bit: a CA certificate needs it to sign.
inline constexpr int kKeyUsageCertSignBit = 5;

// Every certificates/v1 KeyUsage value, in the API's declaration order.
const std::vector<KeyUsage>& KeyUsages();

// The usage named `name` (case-sensitive, as the API validates it), or nullptr.
const KeyUsage* FindKeyUsage(std::string_view name);

// The name an extendedKeyUsage reads back as from a certificate: the first usage with that NID
// ("s/mime" and "email protection" are one x509.ExtKeyUsageEmailProtection, read back as
// "email protection"); "" for an OID outside the table.
std::string_view ExtKeyUsageName(int nid);

}  // namespace joinguard::crypto
