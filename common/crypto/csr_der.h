// Internal: a PKCS#10 request decoded by OpenSSL's own ASN.1 templates, but without the
// SubjectPublicKeyInfo-to-EVP_PKEY decode that d2i_X509_REQ runs inside the parse. Not public API.
//
// The templates mirror OpenSSL 3.0's crypto/x509/x_req.c (X509_REQ, X509_REQ_INFO) field for
// field; only the public key is read as the plain SEQUENCE { AlgorithmIdentifier, BIT STRING }
// that x_pubkey.c's X509_PUBKEY_INTERNAL is, instead of the X509_PUBKEY extern type whose d2i
// hook builds an OSSL_DECODER chain (about 240 us of the 250 us d2i_X509_REQ costs). Every
// byte is still parsed by OpenSSL (tasn_dec.c); nothing here walks DER by hand.
#pragma once

#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/crypto/openssl_handles.h"

namespace joinguard::crypto::internal {

struct CsrDerSpki;
struct CsrDerInfo;
struct CsrDerRequest;

void FreeCsrDerRequest(CsrDerRequest* req);

// One decoded request. Cheap accessors; the object is read-only after Decode.
class CsrDer {
 public:
  // nullptr when the DER does not decode, or does not end exactly at der.size() (d2i_X509_REQ
  // then fails too, or reports trailing data; callers take that path for the error text).
  static std::unique_ptr<CsrDer> Decode(std::string_view der);

  const X509_NAME* subject() const;
  const X509_ALGOR* key_algorithm() const;
  const ASN1_BIT_STRING* key_bits() const;
  // The SubjectPublicKeyInfo re-encoded as i2d_X509_PUBKEY re-encodes X509_PUBKEY_INTERNAL.
  StatusOr<std::string> SpkiDer() const;
  const STACK_OF(X509_ATTRIBUTE) * attributes() const;
  const X509_ALGOR* signature_algorithm() const;
  // X509_REQ_verify's check (ASN1_item_verify_ex over the request info as received): 1 when the
  // self-signature verifies with `key`.
  int Verify(EVP_PKEY* key) const;

 private:
  explicit CsrDer(CsrDerRequest* req) : req_(req) {}
  std::unique_ptr<CsrDerRequest, OpenSslDeleter<FreeCsrDerRequest>> req_;
};

}  // namespace joinguard::crypto::internal
