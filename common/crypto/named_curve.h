// Internal: the named-curve ECDSA keys joinguard meets on every join (kubelet P-256, and P-384 /
// P-521), handled without OpenSSL 3.0's generic key decoder and encoder. Not public API.
//
// Why: OpenSSL 3.0 turns every SubjectPublicKeyInfo into an EVP_PKEY through the OSSL_DECODER
// framework (crypto/x509/x_pubkey.c x509_pubkey_ex_d2i_ex -> OSSL_DECODER_CTX_new_for_pkey),
// which builds a decoder chain over every provider's decoders per call, and X509_PUBKEY_set
// encodes through OSSL_ENCODER_CTX_new_for_pkey and decodes the result again: about 240 us
// and 390 us per call on our CI machine, against about 10 us for what is done here. The
// results are the same keys and bytes: the point goes through EC_KEY_oct2key (via
// OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY), the very function the decoder's o2i_ECPublicKey calls,
// on a copy of a named-curve group; every other key falls back to the generic path.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/crypto/openssl_handles.h"

namespace joinguard::crypto::internal {

// The EVP_PKEY that OpenSSL's decoder would make of an SPKI with algorithm `algorithm` and
// subjectPublicKey `public_key`, when that is an id-ecPublicKey on a named P-256, P-384 or
// P-521 curve with an uncompressed point. nullptr for anything else (other algorithms, curves
// or point forms, a point not on the curve): the caller then takes OpenSSL's generic path.
EvpPkeyPtr NamedCurvePublicKey(const X509_ALGOR* algorithm, const ASN1_BIT_STRING* public_key);

// Sets `spki` to the SubjectPublicKeyInfo OpenSSL's encoder writes for `key` (id-ecPublicKey,
// the curve's OID, the point in the key's conversion form) when `key` is a named-curve P-256,
// P-384 or P-521 key. Leaves the X509_PUBKEY's cached EVP_PKEY unset (only encoding needs it).
// false, with `spki` untouched, for any other key: use X509_REQ_set_pubkey / X509_set_pubkey.
bool SetNamedCurveSpki(X509_PUBKEY* spki, const EVP_PKEY* key);

// A fresh key pair on `group` ("P-256", "P-384") generated from a cached parameter template (no
// curve construction per call). nullptr on failure (the caller reports OpenSSL's error).
EvpPkeyPtr GenerateNamedCurveKey(const char* group);

}  // namespace joinguard::crypto::internal
