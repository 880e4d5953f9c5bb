#include "common/crypto/csr_der.h"

#include <openssl/asn1t.h>
#include <openssl/err.h>

namespace joinguard::crypto::internal {

// x_pubkey.c X509_PUBKEY_INTERNAL: the SPKI without the key decode.
struct CsrDerSpki {
  X509_ALGOR* algor;
  ASN1_BIT_STRING* public_key;
};

// x_req.c X509_REQ_INFO: the encoding is kept (ASN1_SEQUENCE_enc) so that the signature is
// checked over the bytes as received, as X509_REQ_verify does.
struct CsrDerInfo {
  ASN1_ENCODING enc;
  ASN1_INTEGER* version;
  X509_NAME* subject;
  CsrDerSpki* pubkey;
  STACK_OF(X509_ATTRIBUTE) * attributes;
};

// x_req.c X509_REQ.
struct CsrDerRequest {
  CsrDerInfo* req_info;
  X509_ALGOR* sig_alg;
  ASN1_BIT_STRING* signature;
};

namespace {

// clang-format off
ASN1_SEQUENCE(CsrDerSpki) = {
    ASN1_SIMPLE(CsrDerSpki, algor, X509_ALGOR),
    ASN1_SIMPLE(CsrDerSpki, public_key, ASN1_BIT_STRING)
} static_ASN1_SEQUENCE_END(CsrDerSpki)

ASN1_SEQUENCE_enc(CsrDerInfo, enc, 0) = {
    ASN1_SIMPLE(CsrDerInfo, version, ASN1_INTEGER),
    ASN1_SIMPLE(CsrDerInfo, subject, X509_NAME),
    ASN1_SIMPLE(CsrDerInfo, pubkey, CsrDerSpki),
    // OPTIONAL as in x_req.c: "it gets round invalid encodings" (absent attributes).
    ASN1_IMP_SET_OF_OPT(CsrDerInfo, attributes, X509_ATTRIBUTE, 0)
} ASN1_SEQUENCE_END_enc(CsrDerInfo, CsrDerInfo)

ASN1_SEQUENCE(CsrDerRequest) = {
    ASN1_SIMPLE(CsrDerRequest, req_info, CsrDerInfo),
    ASN1_SIMPLE(CsrDerRequest, sig_alg, X509_ALGOR),
    ASN1_SIMPLE(CsrDerRequest, signature, ASN1_BIT_STRING)
} static_ASN1_SEQUENCE_END(CsrDerRequest)
// clang-format on

}  // namespace

void FreeCsrDerRequest(CsrDerRequest* req) {
  ASN1_item_free(reinterpret_cast<ASN1_VALUE*>(req), ASN1_ITEM_rptr(CsrDerRequest));
}

std::unique_ptr<CsrDer> CsrDer::Decode(std::string_view der) {
  const auto* begin = reinterpret_cast<const unsigned char*>(der.data());
  const auto* p = begin;
  auto* req = reinterpret_cast<CsrDerRequest*>(
      ASN1_item_d2i(nullptr, &p, static_cast<long>(der.size()), ASN1_ITEM_rptr(CsrDerRequest)));
  if (req == nullptr) {
    ERR_clear_error();
    return nullptr;
  }
  std::unique_ptr<CsrDer> out(new CsrDer(req));
  if (p != begin + der.size()) return nullptr;
  return out;
}

const X509_NAME* CsrDer::subject() const { return req_->req_info->subject; }
const X509_ALGOR* CsrDer::key_algorithm() const { return req_->req_info->pubkey->algor; }
const ASN1_BIT_STRING* CsrDer::key_bits() const { return req_->req_info->pubkey->public_key; }
const STACK_OF(X509_ATTRIBUTE) * CsrDer::attributes() const { return req_->req_info->attributes; }
const X509_ALGOR* CsrDer::signature_algorithm() const { return req_->sig_alg; }

StatusOr<std::string> CsrDer::SpkiDer() const {
  unsigned char* der = nullptr;
  const int len = ASN1_item_i2d(reinterpret_cast<const ASN1_VALUE*>(req_->req_info->pubkey), &der,
                                ASN1_ITEM_rptr(CsrDerSpki));
  if (len <= 0) return OpenSslError("encoding SubjectPublicKeyInfo");
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

int CsrDer::Verify(EVP_PKEY* key) const {
  return ASN1_item_verify_ex(ASN1_ITEM_rptr(CsrDerInfo), req_->sig_alg, req_->signature, req_->req_info,
                             nullptr, key, nullptr, nullptr);
}

}  // namespace joinguard::crypto::internal
