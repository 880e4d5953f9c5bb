#include "common/crypto/cert.h"

#include <openssl/err.h>
#include <openssl/rand.h>

#include <algorithm>
#include <ctime>

#include "common/crypto/csr_der.h"
#include "common/crypto/encoding.h"
#include "common/crypto/key_usage.h"
#include "common/crypto/named_curve.h"
#include "common/crypto/pem.h"
#include "common/crypto/x509_internal.h"
#include "common/text/ascii.h"

namespace joinguard::crypto {
namespace {

std::vector<std::string> AllValues(const X509_NAME* name, int nid) {
  std::vector<std::string> out;
  auto rdns = internal::NameToRdns(name);
  if (!rdns.ok()) return out;
  const std::string sn = OBJ_nid2sn(nid);
  for (const auto& rdn : *rdns) {
    for (const auto& attr : rdn) {
      if (attr.type == sn) out.push_back(attr.value);
    }
  }
  return out;
}

std::string FirstValue(const X509_NAME* name, int nid) {
  std::vector<std::string> all = AllValues(name, nid);
  return all.empty() ? std::string() : std::move(all.front());
}

SystemTime FromAsn1Time(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    ClearOpenSslErrors();
    return SystemTime{};
  }
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

time_t ToTimeT(SystemTime t) { return std::chrono::system_clock::to_time_t(t); }

struct SanLists {
  std::vector<std::string> dns, ips, emails, uris, others;
};

SanLists CertSans(const X509* x) {
  SanLists sans;
  GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr)));
  if (names) {
    internal::CollectSans(names.get(), &sans.dns, &sans.ips, &sans.emails, &sans.uris, &sans.others)
        .IgnoreError();
  }
  ClearOpenSslErrors();
  return sans;
}

template <typename T>
Status AddExt(X509* x, int nid, T* value, bool critical, std::string_view what) {
  if (X509_add1_ext_i2d(x, nid, value, critical ? 1 : 0, X509V3_ADD_REPLACE) != 1) {
    return OpenSslError("adding " + std::string(what) + " extension");
  }
  return OkStatus();
}

Status SetRandomSerial(X509* x) {
  // 128-bit random serial, as kube-controller-manager's signer (rand.Int(2^128)).
  for (int attempt = 0; attempt < 8; ++attempt) {
    unsigned char buf[16];
    if (RAND_bytes(buf, sizeof(buf)) != 1) return OpenSslError("generating serial number");
    BignumPtr bn(BN_bin2bn(buf, sizeof(buf), nullptr));
    if (!bn) return OpenSslError("generating serial number");
    if (BN_is_zero(bn.get())) continue;
    Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
    if (!serial || X509_set_serialNumber(x, serial.get()) != 1) {
      return OpenSslError("setting serial number");
    }
    return OkStatus();
  }
  return InternalError("could not generate a non-zero serial number");
}

Status SetValidity(X509* x, SystemTime not_before, SystemTime not_after) {
  Asn1TimePtr nb(ASN1_TIME_set(nullptr, ToTimeT(not_before)));
  Asn1TimePtr na(ASN1_TIME_set(nullptr, ToTimeT(not_after)));
  if (!nb || !na || X509_set1_notBefore(x, nb.get()) != 1 || X509_set1_notAfter(x, na.get()) != 1) {
    return OpenSslError("setting validity");
  }
  return OkStatus();
}

Status AddSubjectKeyId(X509* x) {
  // Method 1 of RFC 5280 4.2.1.2 (SHA-1 of the subjectPublicKey bits), as Go does for CAs.
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_pubkey_digest(x, EVP_sha1(), md, &len) != 1) return OpenSslError("computing SKID");
  Asn1OctetStringPtr skid(ASN1_OCTET_STRING_new());
  if (!skid || ASN1_OCTET_STRING_set(skid.get(), md, static_cast<int>(len)) != 1) {
    return OpenSslError("encoding SKID");
  }
  return AddExt(x, NID_subject_key_identifier, skid.get(), false, "subjectKeyIdentifier");
}

Status AddAuthorityKeyId(X509* x, const X509* issuer) {
  const ASN1_OCTET_STRING* issuer_skid = X509_get0_subject_key_id(const_cast<X509*>(issuer));
  ClearOpenSslErrors();
  if (issuer_skid == nullptr) return OkStatus();
  AuthorityKeyIdPtr akid(AUTHORITY_KEYID_new());
  if (!akid) return OpenSslError("allocating AKID");
  akid->keyid = ASN1_OCTET_STRING_dup(issuer_skid);
  if (akid->keyid == nullptr) return OpenSslError("copying AKID");
  return AddExt(x, NID_authority_key_identifier, akid.get(), false, "authorityKeyIdentifier");
}

Status AddBasicConstraints(X509* x, bool is_ca) {
  BasicConstraintsPtr bc(BASIC_CONSTRAINTS_new());
  if (!bc) return OpenSslError("allocating basicConstraints");
  bc->ca = is_ca ? 0xff : 0;
  return AddExt(x, NID_basic_constraints, bc.get(), true, "basicConstraints");
}

Status AddUsages(X509* x, const std::vector<std::string>& usages, bool is_ca) {
  Asn1BitStringPtr ku(ASN1_BIT_STRING_new());
  if (!ku) return OpenSslError("allocating keyUsage");
  bool any_ku = false;
  std::vector<const KeyUsage*> ekus;
  for (const std::string& name : usages) {
    const KeyUsage* usage = FindKeyUsage(name);
    if (usage != nullptr && !usage->extended()) {
      ASN1_BIT_STRING_set_bit(ku.get(), usage->key_usage_bit, 1);
      any_ku = true;
    } else if (usage != nullptr) {
      ekus.push_back(usage);
    } else {
      return InvalidArgumentError("unknown key usage " + GoQuote(name) +
                                  "; use the Kubernetes usage strings (\"digital signature\", "
                                  "\"key encipherment\", \"client auth\", \"server auth\", ...)");
    }
  }
  if (is_ca && !any_ku) {
    ASN1_BIT_STRING_set_bit(ku.get(), kKeyUsageCertSignBit, 1);  // a CA without keyCertSign cannot sign
    any_ku = true;
  }
  if (any_ku) JG_RETURN_IF_ERROR(AddExt(x, NID_key_usage, ku.get(), true, "keyUsage"));
  if (!ekus.empty()) {
    std::sort(ekus.begin(), ekus.end(),
              [](const KeyUsage* a, const KeyUsage* b) { return a->ext_order < b->ext_order; });
    ekus.erase(std::unique(ekus.begin(), ekus.end(),
                           [](const KeyUsage* a, const KeyUsage* b) { return a->ext_nid == b->ext_nid; }),
               ekus.end());
    ExtendedKeyUsagePtr eku(sk_ASN1_OBJECT_new_null());
    if (!eku) return OpenSslError("allocating extendedKeyUsage");
    for (const KeyUsage* e : ekus) {
      Asn1ObjectPtr obj(OBJ_nid2obj(e->ext_nid));
      if (!obj || sk_ASN1_OBJECT_push(eku.get(), obj.get()) == 0) {
        return OpenSslError("building extendedKeyUsage");
      }
      obj.release();
    }
    JG_RETURN_IF_ERROR(AddExt(x, NID_ext_key_usage, eku.get(), false, "extendedKeyUsage"));
  }
  return OkStatus();
}

Status SignCert(X509* x, const PrivateKey& key) {
  JG_ASSIGN_OR_RETURN(EvpMdCtxPtr ctx,
                      internal::NewSignContext(key.get(), internal::CertDigestFor(key.get())));
  if (X509_sign_ctx(x, ctx.get()) <= 0) return OpenSslError("signing certificate");
  return OkStatus();
}

// A freshly signed certificate. Its X509_PUBKEY holds the encoded key but, when
// `has_decoded_key` is false, not the decoded EVP_PKEY that X509_get0_pubkey returns.
struct IssuedCert {
  X509Ptr x509;
  bool has_decoded_key = true;
};

// The Certificate callers get: one with its public key decoded (chain verification and
// PublicKeyInfo() read it), read back from the DER when signing left it out.
StatusOr<Certificate> ToCertificate(IssuedCert issued) {
  if (issued.has_decoded_key) return Certificate(std::move(issued.x509));
  JG_ASSIGN_OR_RETURN(std::string der, DerEncode<X509>(i2d_X509, issued.x509.get(), "certificate"));
  return Certificate::FromDer(der);
}

// The shared part of SignCsr, SignCsrDer and IssueCertificate.
StatusOr<IssuedCert> IssueFrom(const X509_NAME* subject, EVP_PKEY* public_key,
                               const std::vector<std::string>& dns, const std::vector<std::string>& emails,
                               const std::vector<std::string>& ips, const std::vector<std::string>& uris,
                               const Certificate& ca_cert, const PrivateKey& ca_key,
                               const CertificateProfile& profile, SystemTime now) {
  if (ca_cert.get() == nullptr || ca_key.get() == nullptr) {
    return InvalidArgumentError("signing needs a CA certificate and its private key");
  }
  if (X509_check_private_key(ca_cert.get(), ca_key.get()) != 1) {
    ClearOpenSslErrors();
    return InvalidArgumentError("the CA private key does not match the CA certificate");
  }
  if (!ca_cert.IsCa()) {
    return FailedPreconditionError("the signing certificate " + GoQuote(ca_cert.CommonName()) +
                                   " is not a CA (basicConstraints CA:TRUE missing)");
  }
  const SystemTime ca_not_after = ca_cert.NotAfter();
  if (now >= ca_not_after) {
    return FailedPreconditionError(
        "refusing to sign a certificate: the CA certificate has expired; rotate the CA");
  }
  if (profile.validity.count() <= 0) {
    return InvalidArgumentError("certificate validity must be positive");
  }
  X509Ptr x(X509_new());
  if (!x) return OpenSslError("allocating X509");
  if (X509_set_version(x.get(), 2) != 1) return OpenSslError("setting version");
  JG_RETURN_IF_ERROR(SetRandomSerial(x.get()));
  if (X509_set_issuer_name(x.get(), X509_get_subject_name(ca_cert.get())) != 1 ||
      X509_set_subject_name(x.get(), subject) != 1) {
    return OpenSslError("setting names");
  }
  // A named-curve ECDSA key is written straight into the SPKI (named_curve.h) instead of through
  // X509_set_pubkey, whose OpenSSL 3.0 encoder and decoder chains cost several signatures.
  const bool spki_only = internal::SetNamedCurveSpki(X509_get_X509_PUBKEY(x.get()), public_key);
  if (!spki_only && X509_set_pubkey(x.get(), public_key) != 1) return OpenSslError("setting public key");
  const SystemTime not_before = now - profile.backdate;
  SystemTime not_after = now + profile.validity;
  if (not_after > ca_not_after) not_after = ca_not_after;  // capped at the CA's NotAfter
  JG_RETURN_IF_ERROR(SetValidity(x.get(), not_before, not_after));
  JG_RETURN_IF_ERROR(AddUsages(x.get(), profile.usages, profile.is_ca));
  JG_RETURN_IF_ERROR(AddBasicConstraints(x.get(), profile.is_ca));
  if (profile.is_ca) JG_RETURN_IF_ERROR(AddSubjectKeyId(x.get()));
  JG_RETURN_IF_ERROR(AddAuthorityKeyId(x.get(), ca_cert.get()));
  JG_ASSIGN_OR_RETURN(GeneralNamesPtr sans, internal::BuildSans(dns, emails, ips, uris));
  if (sans) {
    // Go marks the SAN extension critical when the subject is empty (RFC 5280 4.2.1.6).
    const bool critical = X509_NAME_entry_count(subject) == 0;
    JG_RETURN_IF_ERROR(AddExt(x.get(), NID_subject_alt_name, sans.get(), critical, "subjectAltName"));
  }
  JG_RETURN_IF_ERROR(SignCert(x.get(), ca_key));
  return IssuedCert{std::move(x), !spki_only};
}

// SignCsr's work up to the signed (not yet re-read) certificate.
StatusOr<IssuedCert> IssueForCsr(const ParsedCsr& csr, const Certificate& ca_cert, const PrivateKey& ca_key,
                                 const CertificateProfile& profile, SystemTime now) {
  // The signer checks the self-signature first (kube-controller-manager signer.go).
  JG_RETURN_IF_ERROR(csr.VerifySignature());
  // Re-read the subject as encoded and the key; the named-curve fast path of ParsedCsr first.
  if (std::unique_ptr<internal::CsrDer> view = internal::CsrDer::Decode(csr.der())) {
    if (EvpPkeyPtr pub = internal::NamedCurvePublicKey(view->key_algorithm(), view->key_bits())) {
      return IssueFrom(view->subject(), pub.get(), csr.dns_names(), csr.emails(), csr.ip_addresses(),
                       csr.uris(), ca_cert, ca_key, profile, now);
    }
  }
  const auto* p = reinterpret_cast<const unsigned char*>(csr.der().data());
  X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(csr.der().size())));
  if (!req) return OpenSslError("re-reading the CSR", StatusCode::kInvalidArgument);
  EVP_PKEY* pub = X509_REQ_get0_pubkey(req.get());
  if (pub == nullptr) return OpenSslError("reading the CSR public key", StatusCode::kInvalidArgument);
  // The subject is copied as encoded in the CSR (string types, multi-valued RDNs preserved).
  return IssueFrom(X509_REQ_get_subject_name(req.get()), pub, csr.dns_names(), csr.emails(),
                   csr.ip_addresses(), csr.uris(), ca_cert, ca_key, profile, now);
}

}  // namespace

Certificate::Certificate(const Certificate& other) : x509_(nullptr) {
  if (other.x509_) {
    X509_up_ref(other.x509_.get());
    x509_.reset(other.x509_.get());
  }
}

Certificate& Certificate::operator=(const Certificate& other) {
  if (this != &other) {
    Certificate copy(other);
    x509_ = std::move(copy.x509_);
  }
  return *this;
}

StatusOr<Certificate> Certificate::FromDer(std::string_view der) {
  const auto* begin = reinterpret_cast<const unsigned char*>(der.data());
  const auto* p = begin;
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x) return OpenSslError("x509: malformed certificate", StatusCode::kInvalidArgument);
  if (p != begin + der.size()) {
    return InvalidArgumentError("x509: trailing data after the certificate");
  }
  return Certificate(std::move(x));
}

StatusOr<Certificate> Certificate::FromPem(std::string_view pem) {
  std::string_view rest = pem;
  while (auto block = PemDecode(rest, &rest)) {
    if (block->type == "CERTIFICATE") return FromDer(block->bytes);
  }
  return InvalidArgumentError("data does not contain a CERTIFICATE PEM block");
}

std::string Certificate::Der() const {
  if (!x509_) return {};
  StatusOr<std::string> der = DerEncode(i2d_X509, x509_.get(), "certificate");
  return der.ok() ? std::move(*der) : std::string();
}

std::string Certificate::ToPem() const { return PemEncode("CERTIFICATE", Der()); }

std::string Certificate::SpkiDer() const {
  if (!x509_) return {};
  StatusOr<std::string> der =
      DerEncode<X509_PUBKEY>(i2d_X509_PUBKEY, X509_get_X509_PUBKEY(x509_.get()), "SubjectPublicKeyInfo");
  return der.ok() ? std::move(*der) : std::string();
}

std::string Certificate::CommonName() const {
  return x509_ ? FirstValue(X509_get_subject_name(x509_.get()), NID_commonName) : std::string();
}

std::vector<std::string> Certificate::Organizations() const {
  if (!x509_) return {};
  return AllValues(X509_get_subject_name(x509_.get()), NID_organizationName);
}

std::string Certificate::IssuerCommonName() const {
  return x509_ ? FirstValue(X509_get_issuer_name(x509_.get()), NID_commonName) : std::string();
}

std::vector<std::string> Certificate::DnsNames() const {
  return x509_ ? CertSans(x509_.get()).dns : std::vector<std::string>{};
}

std::vector<std::string> Certificate::IpAddresses() const {
  return x509_ ? CertSans(x509_.get()).ips : std::vector<std::string>{};
}

std::vector<std::string> Certificate::ExtendedKeyUsages() const {
  std::vector<std::string> out;
  if (!x509_) return out;
  ExtendedKeyUsagePtr eku(
      static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(x509_.get(), NID_ext_key_usage, nullptr, nullptr)));
  ClearOpenSslErrors();
  if (!eku) return out;
  for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i) {
    const int nid = OBJ_obj2nid(sk_ASN1_OBJECT_value(eku.get(), i));
    const std::string_view known = ExtKeyUsageName(nid);
    out.push_back(known.empty() ? internal::ObjectOid(sk_ASN1_OBJECT_value(eku.get(), i))
                                : std::string(known));
  }
  return out;
}

SystemTime Certificate::NotBefore() const {
  return x509_ ? FromAsn1Time(X509_get0_notBefore(x509_.get())) : SystemTime{};
}

SystemTime Certificate::NotAfter() const {
  return x509_ ? FromAsn1Time(X509_get0_notAfter(x509_.get())) : SystemTime{};
}

std::string Certificate::SerialHex() const {
  if (!x509_) return {};
  BignumPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(x509_.get()), nullptr));
  if (!bn) {
    ClearOpenSslErrors();
    return {};
  }
  char* hex = BN_bn2hex(bn.get());
  if (hex == nullptr) return {};
  std::string out(hex);
  OPENSSL_free(hex);
  return text::AsciiLower(out);
}

bool Certificate::IsCa() const {
  if (!x509_) return false;
  const bool ca = (X509_get_extension_flags(x509_.get()) & EXFLAG_CA) != 0;
  ClearOpenSslErrors();
  return ca;
}

KeyInfo Certificate::PublicKeyInfo() const {
  if (!x509_) return {};
  KeyInfo info = DescribeKey(X509_get0_pubkey(x509_.get()));
  ClearOpenSslErrors();
  return info;
}

StatusOr<std::vector<Certificate>> ParseCertificatesPem(std::string_view pem) {
  // client-go certutil.ParseCertsPEM: only header-less CERTIFICATE blocks; a block that does
  // not parse is an error.
  std::vector<Certificate> certs;
  std::string_view rest = pem;
  while (auto block = PemDecode(rest, &rest)) {
    if (block->type != "CERTIFICATE" || !block->headers.empty()) continue;
    auto cert = Certificate::FromDer(block->bytes);
    if (!cert.ok()) {
      return cert.status().Annotate("certificate " + std::to_string(certs.size() + 1) + " in the PEM bundle");
    }
    certs.push_back(std::move(cert).value());
  }
  if (certs.empty()) {
    return InvalidArgumentError("data does not contain any valid RSA or ECDSA certificates");
  }
  return certs;
}

Status VerifyCertificate(const Certificate& leaf, const std::vector<Certificate>& roots,
                         const std::vector<Certificate>& intermediates, SystemTime at) {
  if (leaf.get() == nullptr) return InvalidArgumentError("no certificate to verify");
  if (roots.empty()) return InvalidArgumentError("no trusted CA certificates to verify against");
  X509StorePtr store(X509_STORE_new());
  if (!store) return OpenSslError("allocating X509_STORE");
  for (const Certificate& root : roots) {
    if (X509_STORE_add_cert(store.get(), root.get()) != 1) {
      // A duplicate root is harmless.
      if (ERR_GET_REASON(ERR_peek_last_error()) != X509_R_CERT_ALREADY_IN_HASH_TABLE) {
        return OpenSslError("adding CA certificate to the trust store");
      }
      ClearOpenSslErrors();
    }
  }
  X509StackPtr chain(sk_X509_new_null());
  if (!chain) return OpenSslError("allocating certificate stack");
  for (const Certificate& c : intermediates) {
    if (X509_up_ref(c.get()) != 1) return OpenSslError("referencing intermediate");
    if (sk_X509_push(chain.get(), c.get()) == 0) {
      X509_free(c.get());
      return OpenSslError("adding intermediate");
    }
  }
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), chain.get()) != 1) {
    return OpenSslError("initialising verification");
  }
  X509_STORE_CTX_set_time(ctx.get(), 0, std::chrono::system_clock::to_time_t(at));
  // Any certificate in the roots is a trust anchor, as in Go's x509.CertPool.
  X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_PARTIAL_CHAIN);
  const int rc = X509_verify_cert(ctx.get());
  if (rc == 1) {
    ClearOpenSslErrors();
    return OkStatus();
  }
  const int err = X509_STORE_CTX_get_error(ctx.get());
  const int depth = X509_STORE_CTX_get_error_depth(ctx.get());
  ClearOpenSslErrors();
  return FailedPreconditionError("certificate " + GoQuote(leaf.CommonName()) +
                                 " does not verify: " + X509_verify_cert_error_string(err) + " (at depth " +
                                 std::to_string(depth) + ")");
}

StatusOr<Certificate> CreateSelfSignedCa(const PrivateKey& key, std::string_view common_name,
                                         std::chrono::seconds validity, SystemTime now) {
  if (key.get() == nullptr) return InvalidArgumentError("CreateSelfSignedCa: empty private key");
  if (validity.count() <= 0) return InvalidArgumentError("CA validity must be positive");
  X509Ptr x(X509_new());
  if (!x) return OpenSslError("allocating X509");
  if (X509_set_version(x.get(), 2) != 1) return OpenSslError("setting version");
  JG_RETURN_IF_ERROR(SetRandomSerial(x.get()));
  JG_ASSIGN_OR_RETURN(X509NamePtr name, internal::BuildName({{"CN", std::string(common_name)}}));
  if (X509_set_subject_name(x.get(), name.get()) != 1 || X509_set_issuer_name(x.get(), name.get()) != 1) {
    return OpenSslError("setting CA names");
  }
  if (X509_set_pubkey(x.get(), key.get()) != 1) return OpenSslError("setting CA public key");
  // kubeadm pkiutil.NewSelfSignedCACert: NotBefore backdated 5 minutes, NotAfter = now + validity.
  JG_RETURN_IF_ERROR(SetValidity(x.get(), now - std::chrono::minutes(5), now + validity));
  JG_RETURN_IF_ERROR(AddUsages(x.get(), {"digital signature", "key encipherment", "cert sign"}, true));
  JG_RETURN_IF_ERROR(AddBasicConstraints(x.get(), true));
  JG_RETURN_IF_ERROR(AddSubjectKeyId(x.get()));
  JG_ASSIGN_OR_RETURN(GeneralNamesPtr sans, internal::BuildSans({std::string(common_name)}, {}, {}, {}));
  JG_RETURN_IF_ERROR(AddExt(x.get(), NID_subject_alt_name, sans.get(), false, "subjectAltName"));
  JG_RETURN_IF_ERROR(SignCert(x.get(), key));
  return Certificate(std::move(x));
}

StatusOr<Certificate> SignCsr(const ParsedCsr& csr, const Certificate& ca_cert, const PrivateKey& ca_key,
                              const CertificateProfile& profile, SystemTime now) {
  JG_ASSIGN_OR_RETURN(IssuedCert issued, IssueForCsr(csr, ca_cert, ca_key, profile, now));
  return ToCertificate(std::move(issued));
}

StatusOr<std::string> SignCsrDer(const ParsedCsr& csr, const Certificate& ca_cert, const PrivateKey& ca_key,
                                 const CertificateProfile& profile, SystemTime now) {
  JG_ASSIGN_OR_RETURN(IssuedCert issued, IssueForCsr(csr, ca_cert, ca_key, profile, now));
  return DerEncode<X509>(i2d_X509, issued.x509.get(), "certificate");
}

StatusOr<Certificate> IssueCertificate(const PrivateKey& subject_key, const CsrTemplate& subject,
                                       const Certificate& ca_cert, const PrivateKey& ca_key,
                                       const CertificateProfile& profile, SystemTime now) {
  if (subject_key.get() == nullptr) return InvalidArgumentError("IssueCertificate: empty key");
  JG_ASSIGN_OR_RETURN(X509NamePtr name, internal::BuildName(subject.subject));
  JG_ASSIGN_OR_RETURN(IssuedCert issued,
                      IssueFrom(name.get(), subject_key.get(), subject.dns_names, subject.emails,
                                subject.ip_addresses, subject.uris, ca_cert, ca_key, profile, now));
  return ToCertificate(std::move(issued));
}

}  // namespace joinguard::crypto
