#include "common/crypto/named_curve.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>

#include <array>
#include <cstddef>
#include <string_view>

namespace joinguard::crypto::internal {
namespace {

struct NamedCurveSpec {
  int nid;
  const char* group;   // OpenSSL's group name for OSSL_PKEY_PARAM_GROUP_NAME
  size_t field_bytes;  // an uncompressed point is 0x04 || X || Y (SEC 1 section 2.3.3)
};

constexpr std::array<NamedCurveSpec, 3> kNamedCurves = {{
    {NID_X9_62_prime256v1, "P-256", 32},
    {NID_secp384r1, "P-384", 48},
    {NID_secp521r1, "P-521", 66},
}};

constexpr unsigned char kUncompressedPointTag = 0x04;
constexpr size_t kMaxFieldBytes = 66;  // P-521

// The index of `nid` in kNamedCurves, or kNamedCurves.size().
size_t CurveIndexByNid(int nid) {
  for (size_t i = 0; i < kNamedCurves.size(); ++i) {
    if (kNamedCurves[i].nid == nid) return i;
  }
  return kNamedCurves.size();
}

// A parameters-only EC key per curve in kNamedCurves, built on first use and shared read-only
// by every thread: EVP_PKEY_copy_parameters and EVP_PKEY_CTX_new_from_pkey only read it (and
// take references atomically). Intentionally never freed: the keys stay reachable for the
// whole process, so OpenSSL's own exit-time cleanup never sees a key it already tore down.
// nullptr entries are curves that could not be built (the callers then take the generic path).
const EVP_PKEY* CurveTemplate(size_t index) {
  static const std::array<EVP_PKEY*, kNamedCurves.size()> templates = [] {
    std::array<EVP_PKEY*, kNamedCurves.size()> out{};
    for (size_t i = 0; i < kNamedCurves.size(); ++i) {
      EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
      OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                                              const_cast<char*>(kNamedCurves[i].group), 0),
                             OSSL_PARAM_construct_end()};
      EVP_PKEY* key = nullptr;
      if (!ctx || EVP_PKEY_paramgen_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_params(ctx.get(), params) != 1 ||
          EVP_PKEY_paramgen(ctx.get(), &key) != 1) {
        ERR_clear_error();
        EVP_PKEY_free(key);
        key = nullptr;
      }
      out[i] = key;
    }
    return out;
  }();
  return templates[index];
}

}  // namespace

EvpPkeyPtr NamedCurvePublicKey(const X509_ALGOR* algorithm, const ASN1_BIT_STRING* public_key) {
  if (algorithm == nullptr || public_key == nullptr) return nullptr;
  const ASN1_OBJECT* alg = nullptr;
  int ptype = V_ASN1_UNDEF;
  const void* pval = nullptr;
  X509_ALGOR_get0(&alg, &ptype, &pval, algorithm);
  if (OBJ_obj2nid(alg) != NID_X9_62_id_ecPublicKey || ptype != V_ASN1_OBJECT) return nullptr;
  const size_t index = CurveIndexByNid(OBJ_obj2nid(static_cast<const ASN1_OBJECT*>(pval)));
  if (index == kNamedCurves.size()) return nullptr;
  const unsigned char* point = ASN1_STRING_get0_data(public_key);
  const size_t len = static_cast<size_t>(ASN1_STRING_length(public_key));
  if (len != 1 + 2 * kNamedCurves[index].field_bytes || point[0] != kUncompressedPointTag) return nullptr;
  const EVP_PKEY* tmpl = CurveTemplate(index);
  if (tmpl == nullptr) return nullptr;
  EvpPkeyPtr key(EVP_PKEY_new());
  // EVP_PKEY_set1_encoded_public_key ends in EC_KEY_oct2key, which rejects a point not on the
  // curve exactly as the decoder's o2i_ECPublicKey does.
  if (!key || EVP_PKEY_copy_parameters(key.get(), tmpl) != 1 ||
      EVP_PKEY_set1_encoded_public_key(key.get(), point, len) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  return key;
}

bool SetNamedCurveSpki(X509_PUBKEY* spki, const EVP_PKEY* key) {
  if (spki == nullptr || key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return false;
  // What the provider's encoder (key2any.c prepare_ec_params / ec_spki_pub_to_der) writes for
  // exactly these keys: the curve's OID as the parameters and the point as i2o_ECPublicKey.
  // One provider call for everything this needs.
  char encoding[32] = {0};
  char format[32] = {0};
  char group[64] = {0};
  int from_explicit = 1;
  unsigned char point[1 + 2 * kMaxFieldBytes];
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_EC_ENCODING, encoding, sizeof(encoding) - 1),
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, format,
                                       sizeof(format) - 1),
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group) - 1),
      OSSL_PARAM_construct_int(OSSL_PKEY_PARAM_EC_DECODED_FROM_EXPLICIT_PARAMS, &from_explicit),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point, sizeof(point)),
      OSSL_PARAM_construct_end()};
  if (EVP_PKEY_get_params(key, params) != 1) {
    ERR_clear_error();
    return false;
  }
  for (const OSSL_PARAM* p = params; p->key != nullptr; ++p) {
    if (OSSL_PARAM_modified(p) != 1) return false;
  }
  if (std::string_view(encoding) != OSSL_PKEY_EC_ENCODING_GROUP ||
      std::string_view(format) != OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED || from_explicit != 0) {
    return false;
  }
  const size_t index = CurveIndexByNid(OBJ_sn2nid(group));
  if (index == kNamedCurves.size()) return false;
  const size_t len = params[4].return_size;
  if (len != 1 + 2 * kNamedCurves[index].field_bytes || point[0] != kUncompressedPointTag) return false;
  // OBJ_nid2obj returns OpenSSL's static objects; set0 takes the OPENSSL_malloc'd copy.
  auto* encoded = static_cast<unsigned char*>(OPENSSL_memdup(point, len));
  if (encoded == nullptr ||
      X509_PUBKEY_set0_param(spki, OBJ_nid2obj(NID_X9_62_id_ecPublicKey), V_ASN1_OBJECT,
                             OBJ_nid2obj(kNamedCurves[index].nid), encoded, static_cast<int>(len)) != 1) {
    OPENSSL_free(encoded);
    ERR_clear_error();
    return false;
  }
  return true;
}

EvpPkeyPtr GenerateNamedCurveKey(const char* group) {
  for (size_t i = 0; i < kNamedCurves.size(); ++i) {
    if (std::string_view(kNamedCurves[i].group) != group) continue;
    const EVP_PKEY* tmpl = CurveTemplate(i);
    if (tmpl == nullptr) return nullptr;
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, const_cast<EVP_PKEY*>(tmpl), nullptr));
    EVP_PKEY* key = nullptr;
    if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &key) != 1) return nullptr;
    return EvpPkeyPtr(key);
  }
  return nullptr;
}

}  // namespace joinguard::crypto::internal
