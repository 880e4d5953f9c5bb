#include "common/crypto/cert.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "common/crypto/pem.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/crypto/test_util.h"
#include "tests/testing/vectors.h"

namespace joinguard::crypto {
namespace {

namespace vectors = ::joinguard::testing::vectors;
using ::joinguard::testing::StatusIs;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::RunOpenSsl;
using testing::TempDir;

SystemTime Utc(int y, int mo, int d, int h, int mi, int s) {
  struct tm tm {};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

SystemTime NowSeconds() { return std::chrono::time_point_cast<seconds>(std::chrono::system_clock::now()); }

class CaFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    now_ = NowSeconds();
    ASSERT_OK_AND_ASSIGN(ca_key_, PrivateKey::Generate(KeyType::kEcdsaP256));
    ASSERT_OK_AND_ASSIGN(ca_, CreateSelfSignedCa(ca_key_, "kubernetes", hours(24 * 3650), now_));
  }
  StatusOr<ParsedCsr> KubeletCsr(const std::string& node, PrivateKey* key_out = nullptr) {
    JG_ASSIGN_OR_RETURN(PrivateKey key, PrivateKey::Generate(KeyType::kEcdsaP256));
    JG_ASSIGN_OR_RETURN(std::string pem, BuildCsrPem(key, CsrTemplate::ForKubeletClient(node)));
    if (key_out != nullptr) *key_out = std::move(key);
    return ParsedCsr::FromPem(pem);
  }
  // `openssl verify` with the CA (purpose optional) at the real current time.
  void ExpectOpenSslVerifies(const Certificate& leaf, const std::string& purpose) {
    if (!testing::HaveOpenSslCli()) return;
    TempDir dir;
    testing::WriteText(dir.File("ca.pem"), ca_.ToPem());
    testing::WriteText(dir.File("leaf.pem"), leaf.ToPem());
    std::vector<std::string> args = {"verify", "-CAfile", dir.File("ca.pem")};
    if (!purpose.empty()) args.insert(args.end(), {"-purpose", purpose});
    args.push_back(dir.File("leaf.pem"));
    auto r = RunOpenSsl(args);
    EXPECT_EQ(r.exit_code, 0) << r.output;
  }
  std::string OpenSslText(const Certificate& cert) {
    if (!testing::HaveOpenSslCli()) return {};
    TempDir dir;
    testing::WriteText(dir.File("c.pem"), cert.ToPem());
    return RunOpenSsl({"x509", "-in", dir.File("c.pem"), "-noout", "-text"}).output;
  }

  SystemTime now_;
  PrivateKey ca_key_{EvpPkeyPtr()};
  Certificate ca_{X509Ptr()};
};

TEST_F(CaFixture, SelfSignedCaLooksLikeKubeadms) {
  EXPECT_TRUE(ca_.IsCa());
  EXPECT_EQ(ca_.CommonName(), "kubernetes");
  EXPECT_EQ(ca_.IssuerCommonName(), "kubernetes");
  EXPECT_THAT(ca_.DnsNames(), ElementsAre("kubernetes"));
  EXPECT_EQ(ca_.NotBefore(), now_ - minutes(5));
  EXPECT_EQ(ca_.NotAfter(), now_ + hours(24 * 3650));
  EXPECT_EQ(ca_.PublicKeyInfo().ToString(), "ECDSA P-256");
  EXPECT_OK(VerifyCertificate(ca_, {ca_}, {}, now_));
  ExpectOpenSslVerifies(ca_, "");
  const std::string text = OpenSslText(ca_);
  if (!text.empty()) {
    EXPECT_THAT(text, HasSubstr("CA:TRUE"));
    EXPECT_THAT(text, HasSubstr("Digital Signature, Key Encipherment, Certificate Sign"));
    EXPECT_THAT(text, HasSubstr("Subject Key Identifier"));
  }
}

TEST_F(CaFixture, SignCsrForKubeletClient) {
  ASSERT_OK_AND_ASSIGN(ParsedCsr csr, KubeletCsr("node-1"));
  CertificateProfile profile;
  profile.usages = {"digital signature", "client auth"};
  profile.validity = hours(24 * 365);
  ASSERT_OK_AND_ASSIGN(Certificate cert, SignCsr(csr, ca_, ca_key_, profile, now_));
  EXPECT_EQ(cert.CommonName(), "system:node:node-1");
  EXPECT_THAT(cert.Organizations(), ElementsAre("system:nodes"));
  EXPECT_EQ(cert.IssuerCommonName(), "kubernetes");
  EXPECT_THAT(cert.ExtendedKeyUsages(), ElementsAre("client auth"));
  EXPECT_TRUE(cert.DnsNames().empty());
  EXPECT_FALSE(cert.IsCa());
  EXPECT_EQ(cert.SpkiDer(), csr.spki_der());
  EXPECT_EQ(cert.NotBefore(), now_ - minutes(5));
  EXPECT_EQ(cert.NotAfter(), now_ + hours(24 * 365));
  EXPECT_OK(VerifyCertificate(cert, {ca_}, {}, now_));
  ExpectOpenSslVerifies(cert, "sslclient");
  const std::string text = OpenSslText(cert);
  if (!text.empty()) {
    EXPECT_THAT(text, HasSubstr("X509v3 Key Usage: critical\n                Digital Signature\n"));
    EXPECT_THAT(text, HasSubstr("TLS Web Client Authentication"));
    EXPECT_THAT(text, HasSubstr("CA:FALSE"));
    EXPECT_THAT(text, HasSubstr("Authority Key Identifier"));
    // The subject keeps the CSR's RDN order (O before CN).
    EXPECT_THAT(text, HasSubstr("Subject: O = system:nodes, CN = system:node:node-1"));
  }
}

TEST_F(CaFixture, SerialsAreRandom128Bit) {
  ASSERT_OK_AND_ASSIGN(ParsedCsr csr, KubeletCsr("n"));
  CertificateProfile profile;
  profile.usages = {"client auth"};
  std::set<std::string> serials;
  for (int i = 0; i < 20; ++i) {
    ASSERT_OK_AND_ASSIGN(Certificate cert, SignCsr(csr, ca_, ca_key_, profile, now_));
    const std::string hex = cert.SerialHex();
    EXPECT_LE(hex.size(), 32u);
    EXPECT_GE(hex.size(), 20u);  // probability of < 80 bits is 2^-48
    EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos);
    serials.insert(hex);
  }
  EXPECT_EQ(serials.size(), 20u);
}

TEST_F(CaFixture, ServingCertWithSansAndUsageMapping) {
  ASSERT_OK_AND_ASSIGN(PrivateKey key, PrivateKey::Generate(KeyType::kRsa2048));
  CsrTemplate t = CsrTemplate::ForKubeletClient("node-2");
  t.dns_names = {"node-2", "node-2.example.com"};
  t.ip_addresses = {"10.1.2.3", "fd00::2"};
  ASSERT_OK_AND_ASSIGN(std::string pem, BuildCsrPem(key, t));
  ASSERT_OK_AND_ASSIGN(ParsedCsr csr, ParsedCsr::FromPem(pem));
  CertificateProfile profile;
  // Upstream sorts EKUs by Go's ExtKeyUsage value: server auth (1) before client auth (2).
  profile.usages = {"digital signature", "key encipherment", "client auth", "server auth", "client auth"};
  ASSERT_OK_AND_ASSIGN(Certificate cert, SignCsr(csr, ca_, ca_key_, profile, now_));
  EXPECT_THAT(cert.ExtendedKeyUsages(), ElementsAre("server auth", "client auth"));
  EXPECT_THAT(cert.DnsNames(), ElementsAre("node-2", "node-2.example.com"));
  EXPECT_THAT(cert.IpAddresses(), ElementsAre("10.1.2.3", "fd00::2"));
  EXPECT_EQ(cert.PublicKeyInfo().ToString(), "RSA 2048");
  ExpectOpenSslVerifies(cert, "sslserver");
  const std::string text = OpenSslText(cert);
  if (!text.empty()) {
    EXPECT_THAT(text, HasSubstr("Digital Signature, Key Encipherment"));
    EXPECT_THAT(text, HasSubstr("TLS Web Server Authentication, TLS Web Client Authentication"));
  }
  profile.usages = {"digital signature", "teleportation"};
  EXPECT_THAT(SignCsr(csr, ca_, ca_key_, profile, now_),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("teleportation")));
}

TEST_F(CaFixture, NotAfterIsCappedAtTheCa) {
  ASSERT_OK_AND_ASSIGN(PrivateKey short_key, PrivateKey::Generate(KeyType::kEcdsaP256));
  ASSERT_OK_AND_ASSIGN(Certificate short_ca, CreateSelfSignedCa(short_key, "short", hours(2), now_));
  ASSERT_OK_AND_ASSIGN(ParsedCsr csr, KubeletCsr("n"));
  CertificateProfile profile;
  profile.usages = {"client auth"};
  profile.validity = hours(24);
  ASSERT_OK_AND_ASSIGN(Certificate cert, SignCsr(csr, short_ca, short_key, profile, now_));
  EXPECT_EQ(cert.NotAfter(), short_ca.NotAfter());
  // An expired CA refuses to sign.
  EXPECT_THAT(SignCsr(csr, short_ca, short_key, profile, now_ + hours(3)),
              StatusIs(StatusCode::kFailedPrecondition));
}

TEST_F(CaFixture, SignCsrRejectsBadInputs) {
  ASSERT_OK_AND_ASSIGN(ParsedCsr csr, KubeletCsr("n"));
  CertificateProfile profile;
  profile.usages = {"client auth"};
  // Key that does not belong to the CA.
  ASSERT_OK_AND_ASSIGN(PrivateKey other, PrivateKey::Generate(KeyType::kEcdsaP256));
  EXPECT_THAT(SignCsr(csr, ca_, other, profile, now_), StatusIs(StatusCode::kInvalidArgument));
  // A leaf certificate is not a CA.
  PrivateKey leaf_key{EvpPkeyPtr()};
  ASSERT_OK_AND_ASSIGN(ParsedCsr csr2, KubeletCsr("m", &leaf_key));
  ASSERT_OK_AND_ASSIGN(Certificate leaf2, SignCsr(csr2, ca_, ca_key_, profile, now_));
  EXPECT_THAT(SignCsr(csr, leaf2, leaf_key, profile, now_), StatusIs(StatusCode::kFailedPrecondition));
  // A CSR whose signature does not verify.
  std::string der = csr.der();
  der[der.size() - 3] ^= 0x01;
  ASSERT_OK_AND_ASSIGN(ParsedCsr forged, ParsedCsr::FromDer(der));
  EXPECT_THAT(SignCsr(forged, ca_, ca_key_, profile, now_), StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(CaFixture, VerifyRejectsExpiredNotYetValidAndForeignCerts) {
  ASSERT_OK_AND_ASSIGN(ParsedCsr csr, KubeletCsr("n"));
  CertificateProfile profile;
  profile.usages = {"client auth"};
  profile.validity = hours(1);
  ASSERT_OK_AND_ASSIGN(Certificate cert, SignCsr(csr, ca_, ca_key_, profile, now_));
  EXPECT_OK(VerifyCertificate(cert, {ca_}, {}, now_ + minutes(30)));
  EXPECT_THAT(VerifyCertificate(cert, {ca_}, {}, now_ + hours(2)),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("expired")));
  EXPECT_THAT(VerifyCertificate(cert, {ca_}, {}, now_ - hours(1)),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("not yet valid")));
  ASSERT_OK_AND_ASSIGN(PrivateKey other_key, PrivateKey::Generate(KeyType::kEcdsaP256));
  ASSERT_OK_AND_ASSIGN(Certificate other_ca, CreateSelfSignedCa(other_key, "kubernetes", hours(24), now_));
  EXPECT_THAT(VerifyCertificate(cert, {other_ca}, {}, now_), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_OK(VerifyCertificate(cert, {other_ca, ca_}, {}, now_));  // any root will do
  EXPECT_THAT(VerifyCertificate(cert, {}, {}, now_), StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(CaFixture, VerifyWithIntermediate) {
  ASSERT_OK_AND_ASSIGN(PrivateKey int_key, PrivateKey::Generate(KeyType::kEcdsaP384));
  CsrTemplate int_subject;
  int_subject.subject = {{"CN", "intermediate"}};
  CertificateProfile ca_profile;
  ca_profile.is_ca = true;
  ca_profile.usages = {"cert sign", "digital signature"};
  ASSERT_OK_AND_ASSIGN(Certificate intermediate,
                       IssueCertificate(int_key, int_subject, ca_, ca_key_, ca_profile, now_));
  EXPECT_TRUE(intermediate.IsCa());
  ASSERT_OK_AND_ASSIGN(ParsedCsr csr, KubeletCsr("n"));
  CertificateProfile profile;
  profile.usages = {"client auth"};
  ASSERT_OK_AND_ASSIGN(Certificate leaf, SignCsr(csr, intermediate, int_key, profile, now_));
  EXPECT_OK(VerifyCertificate(leaf, {ca_}, {intermediate}, now_));
  EXPECT_THAT(VerifyCertificate(leaf, {ca_}, {}, now_), StatusIs(StatusCode::kFailedPrecondition));
}

TEST_F(CaFixture, IssueCertificateForAServer) {
  ASSERT_OK_AND_ASSIGN(PrivateKey key, PrivateKey::Generate(KeyType::kEcdsaP256));
  CsrTemplate t;
  t.subject = {{"CN", "kube-apiserver"}};
  t.dns_names = {"localhost"};
  t.ip_addresses = {"127.0.0.1", "::1"};
  CertificateProfile profile;
  profile.usages = {"digital signature", "key encipherment", "server auth"};
  ASSERT_OK_AND_ASSIGN(Certificate cert, IssueCertificate(key, t, ca_, ca_key_, profile, now_));
  EXPECT_EQ(cert.CommonName(), "kube-apiserver");
  EXPECT_THAT(cert.IpAddresses(), ElementsAre("127.0.0.1", "::1"));
  ExpectOpenSslVerifies(cert, "sslserver");
  // Copies share the certificate; both stay usable.
  Certificate copy = cert;
  Certificate assigned{X509Ptr()};
  assigned = copy;
  EXPECT_EQ(assigned.Der(), cert.Der());
  EXPECT_EQ(Certificate::FromDer(cert.Der())->ToPem(), cert.ToPem());
}

TEST(CertParseTest, V3CaFacts) {
  ASSERT_OK_AND_ASSIGN(Certificate ca, Certificate::FromPem(vectors::kV3CaPem));
  EXPECT_EQ(ca.CommonName(), "kubernetes");
  EXPECT_EQ(ca.NotBefore(), Utc(2024, 7, 8, 12, 40, 4));
  EXPECT_EQ(ca.NotAfter(), Utc(2034, 7, 6, 12, 45, 4));
  EXPECT_THAT(ca.DnsNames(), ElementsAre("kubernetes"));
  EXPECT_TRUE(ca.IsCa());
  EXPECT_EQ(ca.PublicKeyInfo().ToString(), "RSA 2048");
  EXPECT_EQ(ca.ToPem(), vectors::kV3CaPem);  // 64-column re-encoding is byte-identical
  EXPECT_OK(VerifyCertificate(ca, {ca}, {}, Utc(2025, 1, 1, 0, 0, 0)));
  EXPECT_THAT(VerifyCertificate(ca, {ca}, {}, Utc(2035, 1, 1, 0, 0, 0)),
              StatusIs(StatusCode::kFailedPrecondition));
}

TEST(CertParseTest, BundleParsing) {
  // CERTIFICATE blocks with PEM headers are skipped (certutil.ParseCertsPEM).
  const std::string headered =
      "-----BEGIN CERTIFICATE-----\nX-Note: skip me\n\nAAAA\n-----END CERTIFICATE-----\n";
  const std::string bundle = "comment\n" + vectors::kV3CaPem + vectors::kV10EcKeyPem + headered +
                             vectors::kV5TestCertPem + vectors::kV5TestCert2Pem;
  ASSERT_OK_AND_ASSIGN(auto certs, ParseCertificatesPem(bundle));
  ASSERT_EQ(certs.size(), 3u);
  EXPECT_EQ(certs[0].CommonName(), "kubernetes");
  EXPECT_EQ(certs[1].CommonName(), "kubeadm-keypins-test");
  EXPECT_EQ(certs[2].CommonName(), "testCert2");
  EXPECT_THAT(certs[2].Organizations(), ElementsAre("Internet Widgits Pty Ltd"));

  EXPECT_THAT(ParseCertificatesPem(vectors::kV10EcKeyPem), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseCertificatesPem(""), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseCertificatesPem(std::string(1 << 20, 'z')), StatusIs(StatusCode::kInvalidArgument));
  // A CERTIFICATE block that does not parse is an error, not skipped.
  EXPECT_THAT(ParseCertificatesPem(vectors::kV3CaPem + PemEncode("CERTIFICATE", "garbage")),
              StatusIs(StatusCode::kInvalidArgument));
  const std::string& pem = vectors::kV3CaPem;
  EXPECT_THAT(Certificate::FromPem(pem.substr(0, pem.size() / 2)), StatusIs(StatusCode::kInvalidArgument));
  const std::string der = PemDecode(pem)->bytes;
  EXPECT_THAT(Certificate::FromDer(der + "x"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(Certificate::FromDer(der.substr(0, der.size() - 1)), StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace joinguard::crypto

namespace joinguard::crypto {
namespace {

class CaKeyTypeTest : public ::testing::TestWithParam<KeyType> {};

INSTANTIATE_TEST_SUITE_P(CaKeys, CaKeyTypeTest,
                         ::testing::Values(KeyType::kEcdsaP256, KeyType::kEcdsaP384, KeyType::kRsa2048,
                                           KeyType::kEd25519),
                         [](const ::testing::TestParamInfo<KeyType>& info) {
                           return "type" + std::to_string(info.index);
                         });

// Every supported CA key type signs (Go's digest choice: RSA SHA-256, ECDSA by curve, Ed25519 pure)
// and the result verifies here and with the OpenSSL CLI.
TEST_P(CaKeyTypeTest, SignsAndVerifies) {
  const SystemTime now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  ASSERT_OK_AND_ASSIGN(PrivateKey ca_key, PrivateKey::Generate(GetParam()));
  ASSERT_OK_AND_ASSIGN(Certificate ca, CreateSelfSignedCa(ca_key, "ca", std::chrono::hours(24), now));
  ASSERT_OK_AND_ASSIGN(PrivateKey key, PrivateKey::Generate(KeyType::kEcdsaP256));
  ASSERT_OK_AND_ASSIGN(std::string pem, BuildCsrPem(key, CsrTemplate::ForKubeletClient("n")));
  ASSERT_OK_AND_ASSIGN(ParsedCsr csr, ParsedCsr::FromPem(pem));
  CertificateProfile profile;
  profile.usages = {"digital signature", "client auth"};
  ASSERT_OK_AND_ASSIGN(Certificate cert, SignCsr(csr, ca, ca_key, profile, now));
  EXPECT_OK(VerifyCertificate(cert, {ca}, {}, now));
  if (!testing::HaveOpenSslCli()) return;
  testing::TempDir dir;
  testing::WriteText(dir.File("ca.pem"), ca.ToPem());
  testing::WriteText(dir.File("leaf.pem"), cert.ToPem());
  auto r = testing::RunOpenSsl({"verify", "-CAfile", dir.File("ca.pem"), dir.File("leaf.pem")});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  auto text = testing::RunOpenSsl({"x509", "-in", dir.File("leaf.pem"), "-noout", "-text"}).output;
  const char* expected_sig = GetParam() == KeyType::kRsa2048     ? "sha256WithRSAEncryption"
                             : GetParam() == KeyType::kEcdsaP384 ? "ecdsa-with-SHA384"
                             : GetParam() == KeyType::kEd25519   ? "ED25519"
                                                                 : "ecdsa-with-SHA256";
  EXPECT_THAT(text, HasSubstr(std::string("Signature Algorithm: ") + expected_sig));
}

}  // namespace
}  // namespace joinguard::crypto
