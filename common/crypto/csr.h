// PKCS#10 certificate signing requests: build, and parse into an immutable value.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/crypto/key.h"
#include "common/status/status.h"

namespace joinguard::crypto {

// One attribute of a distinguished name. `type` is OpenSSL's short name ("CN", "O", "OU", "C",
// "L", "ST", "serialNumber", ...) or the dotted OID when OpenSSL has no name for it.
struct NameAttribute {
  std::string type;
  std::string value;
  friend bool operator==(const NameAttribute&, const NameAttribute&) = default;
};

// What to put into a CSR. The subject is encoded as Go's pkix.Name does for the kubelet:
// one attribute per RDN, in the order given (kubelet: O before CN), PrintableString where legal.
struct CsrTemplate {
  std::vector<NameAttribute> subject;
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;  // textual IPv4 / IPv6
  std::vector<std::string> emails;
  std::vector<std::string> uris;
  // Convenience for the kubelet subject (O=system:nodes, CN=system:node:<name>).
  static CsrTemplate ForKubeletClient(std::string_view node_name);
};

struct CsrExtension {
  std::string oid;   // dotted
  std::string name;  // OpenSSL short name or empty
  bool critical = false;
};

// How much of the request a ParsedCsr keeps.
struct CsrParseOptions {
  // Keep a copy of the request's DER (der()), which only re-reading the request needs (SignCsr).
  // A long-lived parse that is only evaluated (the controller keeps one per pending CSR) drops
  // it: about 0.3 KiB of a P-256 request. Every check runs either way.
  bool keep_der = true;
};

// An immutable parsed CSR. Everything a policy check might look at is exposed.
class ParsedCsr {
 public:
  // An ECDSA key must name its curve (explicit curve parameters are refused, as Go's
  // crypto/x509 parsePublicKey does: "x509: unsupported elliptic curve").
  // Parse one "CERTIFICATE REQUEST" PEM block (or "NEW CERTIFICATE REQUEST"). Trailing data
  // or a second block is an error (the API server requires exactly one). Stricter than Go's
  // pem.Decode: text or a malformed block before it, and PEM headers, are errors too; only
  // surrounding whitespace is allowed. All parse errors are kInvalidArgument. A CSR whose
  // self-signature does not verify still parses: see signature_valid() / VerifySignature().
  static StatusOr<ParsedCsr> FromPem(std::string_view pem, CsrParseOptions options = {});
  static StatusOr<ParsedCsr> FromDer(std::string_view der, CsrParseOptions options = {});

  // Subject RDNs in DER order; each inner vector is one RDN SET (multi-valued RDNs keep all).
  const std::vector<std::vector<NameAttribute>>& subject_rdns() const { return subject_rdns_; }
  // All CN / O / OU values in order (convenience views of subject_rdns()).
  std::vector<std::string> SubjectValues(std::string_view type) const;
  std::string CommonName() const;  // first CN or ""
  std::vector<std::string> Organizations() const { return SubjectValues("O"); }

  const std::vector<std::string>& dns_names() const { return dns_names_; }
  const std::vector<std::string>& ip_addresses() const { return ip_addresses_; }
  const std::vector<std::string>& emails() const { return emails_; }
  const std::vector<std::string>& uris() const { return uris_; }
  // Other SAN kinds present (otherName, dirName, registeredID, x400...), by OpenSSL type name.
  const std::vector<std::string>& other_san_types() const { return other_san_types_; }
  bool HasAnySan() const;

  const KeyInfo& key_info() const { return key_info_; }
  const std::string& spki_der() const { return spki_der_; }
  const std::vector<CsrExtension>& extensions() const { return extensions_; }
  // Number of PKCS#10 attributes (challengePassword, extensionRequest, ...).
  int attribute_count() const { return attribute_count_; }
  // Dotted OID of every PKCS#10 attribute, in order (extensionRequest is 1.2.840.113549.1.9.14).
  const std::vector<std::string>& attribute_oids() const { return attribute_oids_; }
  // True when a subjectAltName extension is present, even an empty one.
  bool HasSanExtension() const;
  const std::string& signature_algorithm() const { return signature_algorithm_; }
  // True when the self-signature verifies with the embedded public key.
  bool signature_valid() const { return signature_valid_; }
  // Added with the implementation: OK when signature_valid(), else kInvalidArgument naming the
  // key and algorithm (what the API server's CheckSignature would reject).
  Status VerifySignature() const;
  // The request's DER; empty when parsed with keep_der = false.
  const std::string& der() const { return der_; }

 private:
  std::vector<std::vector<NameAttribute>> subject_rdns_;
  std::vector<std::string> dns_names_, ip_addresses_, emails_, uris_, other_san_types_;
  KeyInfo key_info_;
  std::string spki_der_;
  std::vector<CsrExtension> extensions_;
  int attribute_count_ = 0;
  std::vector<std::string> attribute_oids_;
  std::string signature_algorithm_;
  bool signature_valid_ = false;
  std::string der_;
  friend class CsrParser;
};

// Builds and signs a CSR; returns its PEM ("CERTIFICATE REQUEST"). The signature digest follows
// client-go cert.MakeCSR: ECDSA P-256→SHA-256, P-384→SHA-384, P-521→SHA-512; RSA <3072→SHA-256,
// 3072..4095→SHA-384, ≥4096→SHA-512; Ed25519→pure.
StatusOr<std::string> BuildCsrPem(const PrivateKey& key, const CsrTemplate& tmpl);

// kubelet's deterministic CSR name (non-rotation path, kubernetes/kubernetes
// pkg/kubelet/certificate/bootstrap/bootstrap.go digestedName):
// "node-csr-" + b64url(SHA-512/256 over b64url(spki)|b64url(cn)|b64url(o)...|b64url(usage)...|).
std::string DigestedCsrName(std::string_view spki_der, std::string_view common_name,
                            const std::vector<std::string>& organizations,
                            const std::vector<std::string>& usages);

}  // namespace joinguard::crypto
