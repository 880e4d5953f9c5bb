// CSR building (BuildCsrPem) and kubelet's CSR naming; parsing is in csr.cc.
#include <openssl/x509v3.h>

#include "common/crypto/csr.h"
#include "common/crypto/encoding.h"
#include "common/crypto/named_curve.h"
#include "common/crypto/pem.h"
#include "common/crypto/x509_internal.h"

namespace joinguard::crypto {

CsrTemplate CsrTemplate::ForKubeletClient(std::string_view node_name) {
  CsrTemplate t;
  t.subject = {{"O", "system:nodes"}, {"CN", "system:node:" + std::string(node_name)}};
  return t;
}

StatusOr<std::string> BuildCsrPem(const PrivateKey& key, const CsrTemplate& tmpl) {
  if (key.get() == nullptr) return InvalidArgumentError("BuildCsrPem: empty private key");
  X509ReqPtr req(X509_REQ_new());
  if (!req) return OpenSslError("allocating X509_REQ");
  if (X509_REQ_set_version(req.get(), 0) != 1) return OpenSslError("setting CSR version");
  // Written into the request's own subject (X509_REQ_set_subject_name would copy it through DER).
  JG_RETURN_IF_ERROR(internal::AppendNameAttributes(tmpl.subject, X509_REQ_get_subject_name(req.get())));
  // The named-curve ECDSA keys every kubelet uses skip OpenSSL 3.0's encode-then-decode round trip
  // in X509_REQ_set_pubkey (named_curve.h); the bytes written are the same.
  if (!internal::SetNamedCurveSpki(X509_REQ_get_X509_PUBKEY(req.get()), key.get()) &&
      X509_REQ_set_pubkey(req.get(), key.get()) != 1) {
    return OpenSslError("setting CSR public key");
  }
  JG_ASSIGN_OR_RETURN(GeneralNamesPtr sans,
                      internal::BuildSans(tmpl.dns_names, tmpl.emails, tmpl.ip_addresses, tmpl.uris));
  // Only with SANs: the kubelet's CSR has an empty attribute set.
  if (sans) {
    STACK_OF(X509_EXTENSION)* raw = nullptr;
    if (X509V3_add1_i2d(&raw, NID_subject_alt_name, sans.get(), 0, X509V3_ADD_DEFAULT) != 1) {
      X509ExtensionsPtr cleanup(raw);
      return OpenSslError("encoding subjectAltName");
    }
    X509ExtensionsPtr exts(raw);
    if (X509_REQ_add_extensions(req.get(), exts.get()) != 1) {
      return OpenSslError("adding extensionRequest");
    }
  }
  JG_ASSIGN_OR_RETURN(EvpMdCtxPtr ctx,
                      internal::NewSignContext(key.get(), internal::CsrDigestFor(key.get())));
  if (X509_REQ_sign_ctx(req.get(), ctx.get()) <= 0) return OpenSslError("signing CSR");
  unsigned char* der = nullptr;
  int len = i2d_X509_REQ(req.get(), &der);
  if (len <= 0) return OpenSslError("encoding CSR");
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return PemEncode("CERTIFICATE REQUEST", out);
}

std::string DigestedCsrName(std::string_view spki_der, std::string_view common_name,
                            const std::vector<std::string>& organizations,
                            const std::vector<std::string>& usages) {
  // kubelet bootstrap.go digestedName: b64url(item) + "|" for each item, SHA-512/256.
  std::string input;
  auto add = [&input](std::string_view item) {
    input += Base64UrlEncode(item);
    input += '|';
  };
  add(spki_der);
  add(common_name);
  for (const auto& o : organizations) add(o);
  for (const auto& u : usages) add(u);
  return "node-csr-" + Base64UrlEncode(Sha512_256(input));
}

}  // namespace joinguard::crypto
