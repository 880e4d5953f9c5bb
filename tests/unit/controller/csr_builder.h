// Test helper: real CSRs built with common/crypto, plus mutators for the attacks in
// kubernetes/kubernetes pkg/controller/certificates/approver/sarapprove_test.go's
// builder-and-mutators shape.
#pragma once

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/crypto/csr.h"
#include "common/crypto/key.h"
#include "common/crypto/openssl_handles.h"
#include "controller/policy/csr_context.h"

namespace joinguard::controller::testing {

enum class TestKey { kP256, kP384, kP521, kP224, kRsa1024, kRsa2048, kRsa3072, kEd25519, kP256ExplicitCurve };

// Keys are expensive (RSA); generate each kind once per process.
inline const crypto::PrivateKey& KeyFor(TestKey k) {
  static std::mutex mu;
  static auto* cache = new std::map<TestKey, crypto::PrivateKey>();
  std::lock_guard<std::mutex> l(mu);
  auto it = cache->find(k);
  if (it != cache->end()) return it->second;
  EVP_PKEY* raw = nullptr;
  switch (k) {
    case TestKey::kP256:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case TestKey::kP384:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
      break;
    case TestKey::kP521:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521");
      break;
    case TestKey::kP224:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-224");
      break;
    case TestKey::kRsa1024:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024});
      break;
    case TestKey::kRsa2048:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
      break;
    case TestKey::kRsa3072:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{3072});
      break;
    case TestKey::kEd25519:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
    case TestKey::kP256ExplicitCurve:  // P-256 whose SPKI spells out the curve parameters
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      if (raw != nullptr) EVP_PKEY_set_utf8_string_param(raw, "encoding", "explicit");
      break;
  }
  if (raw == nullptr) std::abort();
  return cache->emplace(k, crypto::PrivateKey(crypto::EvpPkeyPtr(raw))).first->second;
}

// Everything that varies between test CSRs: the request itself and the API object fields.
struct TestCsr {
  // Request.
  TestKey key = TestKey::kP256;
  std::vector<crypto::NameAttribute> subject = {{"O", "system:nodes"}, {"CN", "system:node:worker-1"}};
  bool merge_subject_into_one_rdn = false;  // multi-valued RDN "O=..+CN=.."
  std::vector<std::string> dns_names, ip_addresses, emails, uris;
  std::vector<std::pair<std::string, bool>> extra_extensions;  // (OID, critical), value = NULL
  bool basic_constraints_ca = false;
  bool challenge_password = false;
  std::vector<std::string> extra_attribute_oids;  // PKCS#10 attributes with a UTF8String value
  bool empty_san_extension = false;               // subjectAltName with no names
  bool san_extension_critical = false;
  bool corrupt_signature = false;
  std::string raw_pem;  // when set, used as-is (e.g. garbage)
  // Object.
  std::string name = "csr-1";
  std::string signer = std::string(policy::kKubeletClientSigner);
  std::vector<std::string> usages = {"digital signature", "client auth"};
  std::optional<int64_t> expiration_seconds;
  std::string username = "system:bootstrap:abcdef";
  std::vector<std::string> groups = {
      "system:bootstrappers", "system:bootstrappers:kubeadm:default-node-token", "system:authenticated"};
  policy::SystemTime created = policy::SystemTime(std::chrono::seconds(1'700'000'000));
  // Facts.
  policy::CsrFacts facts = {false, std::vector<policy::InFlightCsr>{}, ""};

  TestCsr& AsRenewal(const std::string& node) {
    username = "system:node:" + node;
    groups = {"system:nodes", "system:authenticated"};
    return *this;
  }
  TestCsr& WithNodeName(const std::string& node) {
    subject = {{"O", "system:nodes"}, {"CN", "system:node:" + node}};
    return *this;
  }
};

namespace detail {
inline std::string ReqToPem(X509_REQ* req) {
  crypto::BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509_REQ(bio.get(), req);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}
inline const EVP_MD* DigestFor(EVP_PKEY* key) {
  return EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
}
}  // namespace detail

// Builds the PEM. The plain cases go through crypto::BuildCsrPem; the attacks that the
// library (rightly) cannot produce are applied with raw OpenSSL and the request re-signed.
inline std::string BuildPem(const TestCsr& t) {
  if (!t.raw_pem.empty()) return t.raw_pem;
  const crypto::PrivateKey& key = KeyFor(t.key);
  crypto::CsrTemplate tmpl;
  tmpl.subject = t.subject;
  tmpl.dns_names = t.dns_names;
  tmpl.ip_addresses = t.ip_addresses;
  tmpl.emails = t.emails;
  tmpl.uris = t.uris;
  auto pem = crypto::BuildCsrPem(key, tmpl);
  if (!pem.ok()) {
    std::fprintf(stderr, "BuildCsrPem: %s\n", pem.status().ToString().c_str());
    std::abort();
  }
  bool mutate = t.merge_subject_into_one_rdn || !t.extra_extensions.empty() || t.basic_constraints_ca ||
                t.challenge_password || t.corrupt_signature || !t.extra_attribute_oids.empty() ||
                t.empty_san_extension;
  if (!mutate) return *pem;

  crypto::BioPtr in(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
  crypto::X509ReqPtr req(PEM_read_bio_X509_REQ(in.get(), nullptr, nullptr, nullptr));
  if (!req) std::abort();
  if (t.merge_subject_into_one_rdn) {
    crypto::X509NamePtr name(X509_NAME_new());
    for (size_t i = 0; i < t.subject.size(); ++i) {
      X509_NAME_add_entry_by_txt(name.get(), t.subject[i].type.c_str(), MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(t.subject[i].value.c_str()), -1, -1,
                                 i == 0 ? 0 : -1);
    }
    X509_REQ_set_subject_name(req.get(), name.get());
  }
  if (!t.extra_extensions.empty() || t.basic_constraints_ca || t.empty_san_extension) {
    STACK_OF(X509_EXTENSION)* exts = X509_REQ_get_extensions(req.get());
    if (exts == nullptr) exts = sk_X509_EXTENSION_new_null();
    for (const auto& [oid, critical] : t.extra_extensions) {
      ASN1_OBJECT* obj = OBJ_txt2obj(oid.c_str(), 1);
      ASN1_OCTET_STRING* value = ASN1_OCTET_STRING_new();
      const unsigned char kNull[] = {0x05, 0x00};
      ASN1_OCTET_STRING_set(value, kNull, sizeof(kNull));
      X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, obj, critical ? 1 : 0, value);
      sk_X509_EXTENSION_push(exts, ext);
      ASN1_OBJECT_free(obj);
      ASN1_OCTET_STRING_free(value);
    }
    if (t.empty_san_extension) {
      crypto::GeneralNamesPtr none(sk_GENERAL_NAME_new_null());
      X509V3_add1_i2d(&exts, NID_subject_alt_name, none.get(), t.san_extension_critical ? 1 : 0,
                      X509V3_ADD_APPEND);
    }
    if (t.basic_constraints_ca) {
      sk_X509_EXTENSION_push(
          exts, X509V3_EXT_conf_nid(nullptr, nullptr, NID_basic_constraints, "critical,CA:TRUE"));
    }
    // Replace any existing extensionRequest attribute.
    int loc;
    while ((loc = X509_REQ_get_attr_by_NID(req.get(), NID_ext_req, -1)) >= 0) {
      X509_ATTRIBUTE_free(X509_REQ_delete_attr(req.get(), loc));
    }
    X509_REQ_add_extensions(req.get(), exts);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  }
  if (t.challenge_password) {
    X509_REQ_add1_attr_by_NID(req.get(), NID_pkcs9_challengePassword, MBSTRING_ASC,
                              reinterpret_cast<const unsigned char*>("hunter2"), -1);
  }
  for (const std::string& oid : t.extra_attribute_oids) {
    ASN1_OBJECT* obj = OBJ_txt2obj(oid.c_str(), 1);
    X509_REQ_add1_attr_by_OBJ(req.get(), obj, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("x"), -1);
    ASN1_OBJECT_free(obj);
  }
  X509_REQ_sign(req.get(), key.get(), detail::DigestFor(key.get()));
  if (t.corrupt_signature) {
    unsigned char* der = nullptr;
    int len = i2d_X509_REQ(req.get(), &der);
    der[len - 1] ^= 0x01;  // the signature's last byte
    const unsigned char* p = der;
    crypto::X509ReqPtr bad(d2i_X509_REQ(nullptr, &p, len));
    OPENSSL_free(der);
    if (!bad) std::abort();
    return detail::ReqToPem(bad.get());
  }
  return detail::ReqToPem(req.get());
}

inline policy::CsrObject BuildObject(const TestCsr& t) {
  policy::CsrObject o;
  o.name = t.name;
  o.uid = "uid-" + t.name;
  o.resource_version = "1";
  o.creation_time = t.created;
  o.signer_name = t.signer;
  o.usages = t.usages;
  o.expiration_seconds = t.expiration_seconds;
  o.username = t.username;
  o.groups = t.groups;
  o.request_pem = BuildPem(t);
  return o;
}

inline policy::CsrContext BuildContext(const TestCsr& t) {
  policy::CsrObject o = BuildObject(t);
  auto parsed = crypto::ParsedCsr::FromPem(o.request_pem);
  return policy::CsrContext(std::move(o), std::move(parsed), t.facts);
}

}  // namespace joinguard::controller::testing
