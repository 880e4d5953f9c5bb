// Internal helpers shared by csr.cc and cert.cc. Not part of the public crypto API.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/crypto/csr.h"
#include "common/crypto/openssl_handles.h"
#include "common/status/status.h"

namespace joinguard::crypto::internal {

// Subject encoded as Go's pkix.Name/asn1 does: one attribute per RDN, in order, PrintableString
// when every byte is in the PrintableString alphabet (without '*' and '&'), else UTF8String.
StatusOr<X509NamePtr> BuildName(const std::vector<NameAttribute>& attrs);
// BuildName's encoding, appended to an existing name (a request's own subject: no copy).
Status AppendNameAttributes(const std::vector<NameAttribute>& attrs, X509_NAME* name);

// SubjectAltName in Go's order (DNS, email, IP, URI); nullptr when there are no names.
StatusOr<GeneralNamesPtr> BuildSans(const std::vector<std::string>& dns,
                                    const std::vector<std::string>& emails,
                                    const std::vector<std::string>& ips,
                                    const std::vector<std::string>& uris);

// Digest for a CSR signature (client-go cert.MakeCSR) or a certificate signature (Go
// x509.CreateCertificate: RSA always SHA-256). nullptr for Ed25519 (pure signature).
const EVP_MD* CsrDigestFor(const EVP_PKEY* key);
const EVP_MD* CertDigestFor(const EVP_PKEY* key);

// An initialised DigestSign context for `key` with `md`.
StatusOr<EvpMdCtxPtr> NewSignContext(EVP_PKEY* key, const EVP_MD* md);

// RDNs of a name (multi-valued RDNs kept together), values converted to UTF-8.
StatusOr<std::vector<std::vector<NameAttribute>>> NameToRdns(const X509_NAME* name);

// Appends the names of a GENERAL_NAMES to the lists (Go formatting for IPs).
Status CollectSans(const GENERAL_NAMES* names, std::vector<std::string>* dns, std::vector<std::string>* ips,
                   std::vector<std::string>* emails, std::vector<std::string>* uris,
                   std::vector<std::string>* others);

// kInvalidArgument when `algor` (an SPKI algorithm) is id-ecPublicKey without a named curve
// (RFC 5480 §2.1.1).
Status RequireNamedCurve(const X509_ALGOR* algor);

// ParsedCsr::FromDer through d2i_X509_REQ alone, without the named-curve fast path (csr_der.h):
// what the fast path must agree with, byte for byte and error for error (tests use it).
StatusOr<ParsedCsr> ParseCsrWithX509Req(std::string_view der, CsrParseOptions options);

std::string ObjectName(const ASN1_OBJECT* obj);  // short name, else dotted OID
std::string ObjectOid(const ASN1_OBJECT* obj);   // dotted OID

}  // namespace joinguard::crypto::internal
