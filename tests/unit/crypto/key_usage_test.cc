// The one X.509 usage table (common/crypto/key_usage.h) against its upstream sources: the 23
// certificates/v1 KeyUsage values in declaration order, Go's x509 keyUsage bits and
// ExtKeyUsage order, and what a certificate issued with every extended usage reads back as.
#include "common/crypto/key_usage.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/obj_mac.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/crypto/cert.h"
#include "common/crypto/csr.h"
#include "common/crypto/key.h"
#include "tests/testing/status_matchers.h"

namespace joinguard::crypto {
namespace {

using ::testing::ElementsAre;

TEST(KeyUsageTest, TheApisValuesInDeclarationOrder) {
  // k8s.io/api/certificates/v1/types.go, UsageSigning .. UsageNetscapeSGC.
  std::vector<std::string> names;
  for (const KeyUsage& u : KeyUsages()) names.emplace_back(u.name);
  EXPECT_THAT(names,
              ElementsAre("signing", "digital signature", "content commitment", "key encipherment",
                          "key agreement", "data encipherment", "cert sign", "crl sign", "encipher only",
                          "decipher only", "any", "server auth", "client auth", "code signing",
                          "email protection", "s/mime", "ipsec end system", "ipsec tunnel", "ipsec user",
                          "timestamping", "ocsp signing", "microsoft sgc", "netscape sgc"));
}

TEST(KeyUsageTest, KeyUsageBitsAreGos) {
  // crypto/x509: KeyUsageDigitalSignature = 1 << 0 ... KeyUsageDecipherOnly = 1 << 8.
  const std::vector<std::pair<std::string, int>> bits = {
      {"signing", 0},       {"digital signature", 0}, {"content commitment", 1}, {"key encipherment", 2},
      {"key agreement", 4}, {"data encipherment", 3}, {"cert sign", 5},          {"crl sign", 6},
      {"encipher only", 7}, {"decipher only", 8}};
  for (const auto& [name, bit] : bits) {
    const KeyUsage* u = FindKeyUsage(name);
    ASSERT_NE(u, nullptr) << name;
    EXPECT_FALSE(u->extended()) << name;
    EXPECT_EQ(u->key_usage_bit, bit) << name;
  }
  EXPECT_EQ(kKeyUsageCertSignBit, FindKeyUsage("cert sign")->key_usage_bit);
}

TEST(KeyUsageTest, ExtendedUsagesAreGosInOrder) {
  // crypto/x509: ExtKeyUsageAny = 0 ... ExtKeyUsageNetscapeServerGatedCrypto = 11.
  EXPECT_EQ(FindKeyUsage("any")->ext_order, 0);
  EXPECT_EQ(FindKeyUsage("server auth")->ext_order, 1);
  EXPECT_EQ(FindKeyUsage("client auth")->ext_order, 2);
  EXPECT_EQ(FindKeyUsage("s/mime")->ext_order, FindKeyUsage("email protection")->ext_order);
  EXPECT_EQ(FindKeyUsage("s/mime")->ext_nid, NID_email_protect);
  EXPECT_EQ(FindKeyUsage("netscape sgc")->ext_order, 11);
  int previous = -1;
  for (const KeyUsage& u : KeyUsages()) {
    if (!u.extended()) continue;
    EXPECT_GE(u.ext_order, previous) << u.name;
    previous = u.ext_order;
  }
}

TEST(KeyUsageTest, LookupIsExactAsTheApiValidates) {
  EXPECT_EQ(FindKeyUsage("Client Auth"), nullptr);
  EXPECT_EQ(FindKeyUsage("client auth "), nullptr);
  EXPECT_EQ(FindKeyUsage(""), nullptr);
  EXPECT_EQ(ExtKeyUsageName(NID_email_protect), "email protection");
  EXPECT_EQ(ExtKeyUsageName(NID_commonName), "");
}

TEST(KeyUsageTest, EveryExtendedUsageSurvivesACertificate) {
  auto key = PrivateKey::Generate(KeyType::kEcdsaP256);
  ASSERT_OK(key);
  const auto now = std::chrono::system_clock::now();
  auto ca = CreateSelfSignedCa(*key, "usage-ca", std::chrono::hours(1), now);
  ASSERT_OK(ca);
  CsrTemplate subject;
  subject.subject = {{"CN", "usages"}};
  CertificateProfile profile;
  for (const KeyUsage& u : KeyUsages()) profile.usages.emplace_back(u.name);
  auto cert = IssueCertificate(*key, subject, *ca, *key, profile, now);
  ASSERT_OK(cert);
  // Sorted by Go's ExtKeyUsage value, "s/mime" folded into "email protection" (upstream's
  // signer writes x509.ExtKeyUsage values, which have one name each).
  EXPECT_THAT(cert->ExtendedKeyUsages(),
              ElementsAre("any", "server auth", "client auth", "code signing", "email protection",
                          "ipsec end system", "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing",
                          "microsoft sgc", "netscape sgc"));
}

}  // namespace
}  // namespace joinguard::crypto
