#include "common/crypto/aead.h"

#include <openssl/evp.h>

#include "common/crypto/encoding.h"
#include "common/crypto/openssl_handles.h"

namespace joinguard::crypto {
namespace {

constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;

// kubeadm's crypto.EncryptBytes uses aes.NewCipher(key): 16, 24 or 32 bytes select AES-128/192/256.
StatusOr<const EVP_CIPHER*> CipherForKey(std::string_view key) {
  switch (key.size()) {
    case 16:
      return EVP_aes_128_gcm();
    case 24:
      return EVP_aes_192_gcm();
    case 32:
      return EVP_aes_256_gcm();
    default:
      return InvalidArgumentError("invalid certificate key size " + std::to_string(key.size()) +
                                  " bytes; expected 32 bytes (64 hex characters)");
  }
}

const unsigned char* U(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

StatusOr<std::string> AesGcmSealWithNonceForTest(std::string_view key32, std::string_view nonce12,
                                                 std::string_view plaintext) {
  JG_ASSIGN_OR_RETURN(const EVP_CIPHER* cipher, CipherForKey(key32));
  if (nonce12.size() != kNonceSize) {
    return InvalidArgumentError("AES-GCM nonce must be 12 bytes");
  }
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, U(key32), U(nonce12)) != 1) {
    return OpenSslError("initialising AES-GCM");
  }
  std::string out(nonce12);
  out.resize(kNonceSize + plaintext.size() + kTagSize);
  auto* dst = reinterpret_cast<unsigned char*>(out.data()) + kNonceSize;
  int len = 0;
  if (!plaintext.empty() &&
      EVP_EncryptUpdate(ctx.get(), dst, &len, U(plaintext), static_cast<int>(plaintext.size())) != 1) {
    return OpenSslError("AES-GCM encrypt");
  }
  int final_len = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), dst + len, &final_len) != 1) {
    return OpenSslError("AES-GCM encrypt");
  }
  if (static_cast<size_t>(len + final_len) != plaintext.size()) {
    return InternalError("AES-GCM produced an unexpected ciphertext length");
  }
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, dst + plaintext.size()) != 1) {
    return OpenSslError("AES-GCM tag");
  }
  return out;
}

StatusOr<std::string> AesGcmSeal(std::string_view key32, std::string_view plaintext) {
  JG_RETURN_IF_ERROR(CipherForKey(key32).status());
  JG_ASSIGN_OR_RETURN(std::string nonce, RandomBytes(kNonceSize));
  return AesGcmSealWithNonceForTest(key32, nonce, plaintext);
}

StatusOr<std::string> AesGcmOpen(std::string_view key32, std::string_view sealed) {
  JG_ASSIGN_OR_RETURN(const EVP_CIPHER* cipher, CipherForKey(key32));
  if (sealed.size() < kNonceSize) {
    return InvalidArgumentError("size of data is less than the nonce");  // kubeadm's text
  }
  const std::string_view nonce = sealed.substr(0, kNonceSize);
  std::string_view rest = sealed.substr(kNonceSize);
  if (rest.size() < kTagSize) {
    return DataLossError("cipher: message authentication failed");
  }
  const std::string_view ciphertext = rest.substr(0, rest.size() - kTagSize);
  std::string tag(rest.substr(rest.size() - kTagSize));
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), cipher, nullptr, U(key32), U(nonce)) != 1) {
    return OpenSslError("initialising AES-GCM");
  }
  std::string out(ciphertext.size(), '\0');
  int len = 0;
  if (!ciphertext.empty() && EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                                               U(ciphertext), static_cast<int>(ciphertext.size())) != 1) {
    return OpenSslError("AES-GCM decrypt");
  }
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag.data()) != 1) {
    return OpenSslError("AES-GCM tag");
  }
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + len, &final_len) != 1) {
    ClearOpenSslErrors();
    OPENSSL_cleanse(out.data(), out.size());
    return DataLossError("cipher: message authentication failed");
  }
  return out;
}

}  // namespace joinguard::crypto
