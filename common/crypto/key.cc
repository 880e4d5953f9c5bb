#include "common/crypto/key.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>

#include "common/crypto/named_curve.h"
#include "common/crypto/pem.h"

namespace joinguard::crypto {
namespace {

std::string BioContents(BIO* bio) {
  BUF_MEM* mem = nullptr;
  BIO_get_mem_ptr(bio, &mem);
  if (mem == nullptr || mem->data == nullptr) return {};
  return std::string(mem->data, mem->length);
}

// Maps OpenSSL curve names to the NIST names Go (and the Kubernetes docs) use.
std::string NistCurveName(std::string_view group) {
  if (group == "prime256v1" || group == "P-256" || group == "secp256r1") return "P-256";
  if (group == "secp384r1" || group == "P-384") return "P-384";
  if (group == "secp521r1" || group == "P-521") return "P-521";
  if (group == "secp224r1" || group == "P-224") return "P-224";
  if (group == "prime192v1" || group == "P-192") return "P-192";
  return std::string(group);
}

bool IsSupportedPrivateKeyType(const EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
    case EVP_PKEY_EC:
    case EVP_PKEY_ED25519:
      return true;
    default:
      return false;
  }
}

// Parses one DER private key of the given PEM block type; nullptr when it does not parse.
EvpPkeyPtr ParsePrivateKeyDer(std::string_view block_type, std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  const long len = static_cast<long>(der.size());
  EvpPkeyPtr key;
  if (block_type == "EC PRIVATE KEY") {
    key.reset(d2i_PrivateKey(EVP_PKEY_EC, nullptr, &p, len));
  } else if (block_type == "RSA PRIVATE KEY") {
    key.reset(d2i_PrivateKey(EVP_PKEY_RSA, nullptr, &p, len));
  } else if (block_type == "PRIVATE KEY") {
    Pkcs8PrivKeyInfoPtr info(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, len));
    if (info) key.reset(EVP_PKCS82PKEY(info.get()));
  }
  if (key && !IsSupportedPrivateKeyType(key.get())) key.reset();
  ClearOpenSslErrors();
  return key;
}

}  // namespace

std::string KeyInfo::ToString() const {
  switch (algorithm) {
    case KeyAlgorithm::kRsa:
      return "RSA " + std::to_string(bits);
    case KeyAlgorithm::kEcdsa:
      if (curve.empty()) return "ECDSA (unnamed curve, " + std::to_string(bits) + " bits)";
      return "ECDSA " + curve;
    case KeyAlgorithm::kEd25519:
      return "Ed25519";
    case KeyAlgorithm::kOther:
      break;
  }
  if (type_name.empty()) return "unknown key type";
  return type_name + (bits > 0 ? " " + std::to_string(bits) : std::string());
}

KeyInfo DescribeKey(const EVP_PKEY* key) {
  KeyInfo info;
  if (key == nullptr) return info;
  const char* name = EVP_PKEY_get0_type_name(key);
  info.type_name = name != nullptr ? name : "";
  info.bits = EVP_PKEY_get_bits(key);
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      info.algorithm = KeyAlgorithm::kRsa;
      break;
    case EVP_PKEY_EC: {
      info.algorithm = KeyAlgorithm::kEcdsa;
      char group[80] = {0};
      size_t len = 0;
      if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &len) == 1) {
        info.curve = NistCurveName(std::string_view(group, len));
      }
      // OpenSSL recognises explicit parameters that equal a named curve and reports that
      // curve's name; Go refuses such keys, so they are not ECDSA keys we accept.
      int explicit_params = 0;
      if (EVP_PKEY_get_int_param(key, OSSL_PKEY_PARAM_EC_DECODED_FROM_EXPLICIT_PARAMS, &explicit_params) ==
              1 &&
          explicit_params != 0) {
        info.algorithm = KeyAlgorithm::kOther;
        info.type_name = "EC with explicit curve parameters";
        info.curve.clear();
      }
      break;
    }
    case EVP_PKEY_ED25519:
      info.algorithm = KeyAlgorithm::kEd25519;
      info.bits = 256;  // OpenSSL reports 253 (the group order); Go and the docs say 256
      break;
    default:
      info.algorithm = KeyAlgorithm::kOther;
      break;
  }
  ClearOpenSslErrors();
  return info;
}

StatusOr<PrivateKey> PrivateKey::Generate(KeyType type) {
  EVP_PKEY* raw = nullptr;
  switch (type) {
    case KeyType::kEcdsaP256:
    case KeyType::kEcdsaP384: {
      // From a cached curve template (named_curve.h): half the cost of EVP_PKEY_Q_keygen, which
      // builds the curve's group from its name for every key.
      const char* group = type == KeyType::kEcdsaP256 ? "P-256" : "P-384";
      if (EvpPkeyPtr key = internal::GenerateNamedCurveKey(group)) return PrivateKey(std::move(key));
      ClearOpenSslErrors();
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", group);
      break;
    }
    case KeyType::kRsa2048:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
      break;
    case KeyType::kRsa3072:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(3072));
      break;
    case KeyType::kRsa4096:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(4096));
      break;
    case KeyType::kEd25519:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
  }
  if (raw == nullptr) return OpenSslError("generating private key");
  return PrivateKey(EvpPkeyPtr(raw));
}

StatusOr<PrivateKey> PrivateKey::FromPem(std::string_view pem) {
  // client-go keyutil.ParsePrivateKeyPEM: walk every block, return the first key block that
  // parses, tolerate everything else (EC PARAMETERS, certificates, ...).
  std::string_view rest = pem;
  int key_blocks = 0;
  while (auto block = PemDecode(rest, &rest)) {
    if (block->type != "EC PRIVATE KEY" && block->type != "RSA PRIVATE KEY" && block->type != "PRIVATE KEY") {
      continue;
    }
    ++key_blocks;
    if (!block->headers.empty()) continue;  // encrypted (Proc-Type/DEK-Info): unsupported
    EvpPkeyPtr key = ParsePrivateKeyDer(block->type, block->bytes);
    OPENSSL_cleanse(block->bytes.data(), block->bytes.size());
    if (key) return PrivateKey(std::move(key));
  }
  if (key_blocks > 0) {
    return InvalidArgumentError(
        "data does not contain a valid RSA, ECDSA or Ed25519 private key: " + std::to_string(key_blocks) +
        " private key PEM block(s) found but none parsed (corrupt, encrypted or unsupported "
        "key type)");
  }
  return InvalidArgumentError(
      "data does not contain a valid RSA, ECDSA or Ed25519 private key: no \"EC PRIVATE KEY\", "
      "\"RSA PRIVATE KEY\" or \"PRIVATE KEY\" PEM block found");
}

StatusOr<std::string> PrivateKey::ToPem(PrivateKeyPemFormat format) const {
  if (!key_) return FailedPreconditionError("private key is empty");
  // Secure-heap memory BIO: cleared when freed.
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio) return OpenSslError("allocating BIO");
  const int id = EVP_PKEY_get_base_id(key_.get());
  int rc;
  if (format == PrivateKeyPemFormat::kTraditional && (id == EVP_PKEY_EC || id == EVP_PKEY_RSA)) {
    // SEC 1 "EC PRIVATE KEY" / PKCS#1 "RSA PRIVATE KEY", as keyutil.MarshalPrivateKeyToPEM.
    rc = PEM_write_bio_PrivateKey_traditional(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr);
  } else {
    rc = PEM_write_bio_PKCS8PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr);
  }
  if (rc != 1) return OpenSslError("encoding private key as PEM");
  return BioContents(bio.get());
}

StatusOr<std::string> PrivateKey::PublicKeySpkiDer() const {
  if (!key_) return FailedPreconditionError("private key is empty");
  return DerEncode<EVP_PKEY>(i2d_PUBKEY, key_.get(), "SubjectPublicKeyInfo");
}

KeyInfo PrivateKey::Info() const { return DescribeKey(key_.get()); }

StatusOr<EvpPkeyPtr> ParsePublicKeySpkiDer(std::string_view spki_der) {
  const auto* p = reinterpret_cast<const unsigned char*>(spki_der.data());
  EvpPkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size())));
  if (!key) return OpenSslError("parsing SubjectPublicKeyInfo", StatusCode::kInvalidArgument);
  if (p != reinterpret_cast<const unsigned char*>(spki_der.data()) + spki_der.size()) {
    return InvalidArgumentError("parsing SubjectPublicKeyInfo: trailing data after the DER");
  }
  return key;
}

StatusOr<std::string> PublicKeyPem(const EVP_PKEY* key) {
  if (key == nullptr) return FailedPreconditionError("public key is empty");
  JG_ASSIGN_OR_RETURN(std::string spki, DerEncode(i2d_PUBKEY, key, "SubjectPublicKeyInfo"));
  return PemEncode("PUBLIC KEY", spki);
}

}  // namespace joinguard::crypto
