#include "common/crypto/key_usage.h"

#include <openssl/obj_mac.h>

#include <algorithm>

namespace joinguard::crypto {
namespace {

// Go's crypto/x509 KeyUsage bits, in its iota order (x509.KeyUsageDigitalSignature is 1 << 0).
enum GoKeyUsageBit : int {
  kGoDigitalSignature,
  kGoContentCommitment,
  kGoKeyEncipherment,
  kGoDataEncipherment,
  kGoKeyAgreement,
  kGoCertSign,
  kGoCrlSign,
  kGoEncipherOnly,
  kGoDecipherOnly
};
static_assert(kGoCertSign == kKeyUsageCertSignBit);

// Go's crypto/x509 ExtKeyUsage values, in its iota order (x509.ExtKeyUsageAny is 0).
enum GoExtKeyUsage : int {
  kGoExtAny,
  kGoExtServerAuth,
  kGoExtClientAuth,
  kGoExtCodeSigning,
  kGoExtEmailProtection,
  kGoExtIpsecEndSystem,
  kGoExtIpsecTunnel,
  kGoExtIpsecUser,
  kGoExtTimeStamping,
  kGoExtOcspSigning,
  kGoExtMicrosoftServerGatedCrypto,
  kGoExtNetscapeServerGatedCrypto
};

constexpr int kNone = KeyUsage::kNotKeyUsage;

}  // namespace

const std::vector<KeyUsage>& KeyUsages() {
  // name, keyUsage bit, extendedKeyUsage NID, Go's x509.ExtKeyUsage.
  static const auto* const kUsages = new std::vector<KeyUsage>{
      {"signing", kGoDigitalSignature, NID_undef, kNone},
      {"digital signature", kGoDigitalSignature, NID_undef, kNone},
      {"content commitment", kGoContentCommitment, NID_undef, kNone},
      {"key encipherment", kGoKeyEncipherment, NID_undef, kNone},
      {"key agreement", kGoKeyAgreement, NID_undef, kNone},
      {"data encipherment", kGoDataEncipherment, NID_undef, kNone},
      {"cert sign", kGoCertSign, NID_undef, kNone},
      {"crl sign", kGoCrlSign, NID_undef, kNone},
      {"encipher only", kGoEncipherOnly, NID_undef, kNone},
      {"decipher only", kGoDecipherOnly, NID_undef, kNone},
      {"any", kNone, NID_anyExtendedKeyUsage, kGoExtAny},
      {"server auth", kNone, NID_server_auth, kGoExtServerAuth},
      {"client auth", kNone, NID_client_auth, kGoExtClientAuth},
      {"code signing", kNone, NID_code_sign, kGoExtCodeSigning},
      {"email protection", kNone, NID_email_protect, kGoExtEmailProtection},
      {"s/mime", kNone, NID_email_protect, kGoExtEmailProtection},
      {"ipsec end system", kNone, NID_ipsecEndSystem, kGoExtIpsecEndSystem},
      {"ipsec tunnel", kNone, NID_ipsecTunnel, kGoExtIpsecTunnel},
      {"ipsec user", kNone, NID_ipsecUser, kGoExtIpsecUser},
      {"timestamping", kNone, NID_time_stamp, kGoExtTimeStamping},
      {"ocsp signing", kNone, NID_OCSP_sign, kGoExtOcspSigning},
      {"microsoft sgc", kNone, NID_ms_sgc, kGoExtMicrosoftServerGatedCrypto},
      {"netscape sgc", kNone, NID_ns_sgc, kGoExtNetscapeServerGatedCrypto},
  };
  return *kUsages;
}

const KeyUsage* FindKeyUsage(std::string_view name) {
  const std::vector<KeyUsage>& all = KeyUsages();
  auto it = std::find_if(all.begin(), all.end(), [&](const KeyUsage& u) { return u.name == name; });
  return it == all.end() ? nullptr : &*it;
}

std::string_view ExtKeyUsageName(int nid) {
  for (const KeyUsage& u : KeyUsages()) {
    if (u.extended() && u.ext_nid == nid) return u.name;
  }
  return {};
}

}  // namespace joinguard::crypto
