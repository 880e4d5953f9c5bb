// X.509 certificates: parse, verify against a CA bundle, create CAs, sign CSRs.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto/csr.h"
#include "common/crypto/key.h"
#include "common/crypto/openssl_handles.h"
#include "common/status/status.h"

namespace joinguard::crypto {

using SystemTime = std::chrono::system_clock::time_point;

class Certificate {
 public:
  static StatusOr<Certificate> FromPem(std::string_view pem);  // first CERTIFICATE block
  static StatusOr<Certificate> FromDer(std::string_view der);
  explicit Certificate(X509Ptr x509) : x509_(std::move(x509)) {}
  Certificate(const Certificate& other);
  Certificate& operator=(const Certificate& other);
  Certificate(Certificate&&) noexcept = default;
  Certificate& operator=(Certificate&&) noexcept = default;

  std::string ToPem() const;  // "CERTIFICATE", 64-column lines
  std::string Der() const;
  std::string SpkiDer() const;
  std::string CommonName() const;
  std::vector<std::string> Organizations() const;
  std::string IssuerCommonName() const;
  std::vector<std::string> DnsNames() const;
  std::vector<std::string> IpAddresses() const;
  // Extended key usages as Kubernetes usage strings ("client auth", "server auth", ...).
  std::vector<std::string> ExtendedKeyUsages() const;
  SystemTime NotBefore() const;
  SystemTime NotAfter() const;
  std::string SerialHex() const;
  bool IsCa() const;
  KeyInfo PublicKeyInfo() const;
  X509* get() const { return x509_.get(); }

 private:
  X509Ptr x509_;
};

// Every CERTIFICATE block in `pem`, in order. Blocks of other types, and CERTIFICATE blocks with
// PEM headers, are skipped (as kubeadm's certutil.ParseCertsPEM). Zero certificates → kInvalidArgument.
StatusOr<std::vector<Certificate>> ParseCertificatesPem(std::string_view pem);

// Verifies that `leaf` chains to one of `roots` (intermediates optional) and is valid at `at`.
// kFailedPrecondition with OpenSSL's reason (expired, unknown issuer, ...) on failure.
Status VerifyCertificate(const Certificate& leaf, const std::vector<Certificate>& roots,
                         const std::vector<Certificate>& intermediates, SystemTime at);

struct CertificateProfile {
  std::chrono::seconds validity{std::chrono::hours(24 * 365)};
  // Kubernetes usage strings: "digital signature", "key encipherment", "client auth",
  // "server auth", "cert sign", ...; mapped to keyUsage / extendedKeyUsage.
  std::vector<std::string> usages;
  bool is_ca = false;
  // Backdate NotBefore (kube-controller-manager backdates by 5 minutes).
  std::chrono::seconds backdate{std::chrono::minutes(5)};
};

// Creates a self-signed CA certificate (kubeadm-style: CN=<cn>, keyUsage digitalSignature,
// keyEncipherment, certSign; basicConstraints CA:TRUE; SubjectKeyIdentifier).
StatusOr<Certificate> CreateSelfSignedCa(const PrivateKey& key, std::string_view common_name,
                                         std::chrono::seconds validity, SystemTime now);

// Signs a CSR with a CA: the certificate gets the CSR's subject and SANs and public key, a
// random 128-bit serial, and the usages of `profile`. NotAfter is capped at the CA's NotAfter.
StatusOr<Certificate> SignCsr(const ParsedCsr& csr, const Certificate& ca_cert, const PrivateKey& ca_key,
                              const CertificateProfile& profile, SystemTime now);

// SignCsr's certificate as DER, for a signer that only hands the certificate on (the sandbox's
// status.certificate). Same checks and bytes as SignCsr(...)->Der(), without reading the result
// back into a Certificate: with OpenSSL 3.0 that read-back decodes the public key through the
// provider decoder chain, several times the cost of the signature itself.
StatusOr<std::string> SignCsrDer(const ParsedCsr& csr, const Certificate& ca_cert, const PrivateKey& ca_key,
                                 const CertificateProfile& profile, SystemTime now);

// Issues a certificate for an arbitrary subject/SANs (e.g. the sandbox's serving cert).
StatusOr<Certificate> IssueCertificate(const PrivateKey& subject_key, const CsrTemplate& subject,
                                       const Certificate& ca_cert, const PrivateKey& ca_key,
                                       const CertificateProfile& profile, SystemTime now);

}  // namespace joinguard::crypto
