#include "tests/sandbox/logic/signer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/crypto/encoding.h"
#include "tests/sandbox/logic/csr.h"
#include "tests/sandbox/logic/test_support.h"
#include "tests/testing/status_matchers.h"

namespace joinguard::sandbox::logic {
namespace {

using nlohmann::json;
using testing::FixedNow;
using namespace std::chrono_literals;

class SignerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcdsaP256);
    ASSERT_TRUE(key.ok());
    auto cert =
        crypto::CreateSelfSignedCa(*key, "kubernetes", std::chrono::hours(24 * 3650), FixedNow() - 1h);
    ASSERT_TRUE(cert.ok()) << cert.status();
    ca_.emplace(CaMaterial{*cert, std::move(*key)});
  }
  static json Approve(json csr) {
    SetCsrCondition(csr, "Approved", "KubectlApprove", "ok", "2026-11-29T03:00:00Z");
    return csr;
  }
  static crypto::Certificate Issued(const json& csr) {
    auto pem = crypto::Base64Decode(csr["status"]["certificate"].get<std::string>());
    EXPECT_TRUE(pem.ok());
    auto cert = crypto::Certificate::FromPem(*pem);
    EXPECT_TRUE(cert.ok()) << cert.status();
    return *cert;
  }
  std::optional<CaMaterial> ca_;
};

TEST_F(SignerTest, SignsApprovedKubeletClientCsrForOneYear) {
  json csr = Approve(testing::KubeletClientCsr("csr-1", "node-7"));
  auto out = SignCsr(csr, *ca_, FixedNow());
  ASSERT_TRUE(out.has_value());
  crypto::Certificate cert = Issued(*out);
  EXPECT_EQ(cert.CommonName(), "system:node:node-7");
  EXPECT_THAT(cert.Organizations(), ::testing::ElementsAre("system:nodes"));
  EXPECT_EQ(cert.IssuerCommonName(), "kubernetes");
  EXPECT_FALSE(cert.IsCa());
  EXPECT_THAT(cert.ExtendedKeyUsages(), ::testing::ElementsAre("client auth"));
  EXPECT_EQ(cert.NotBefore(), FixedNow() - 5min);
  EXPECT_EQ(cert.NotAfter(), FixedNow() + std::chrono::hours(24 * 365) - 5min);
  ASSERT_OK(crypto::VerifyCertificate(cert, {ca_->cert}, {}, FixedNow()));
  // The rest of the object is untouched; a second pass has nothing to do.
  EXPECT_EQ((*out)["spec"], csr["spec"]);
  EXPECT_FALSE(SignCsr(*out, *ca_, FixedNow()).has_value());
}

// The create strategy's parse handed in: the same certificate as parsing the request here; a
// refused request hands out no parse.
TEST_F(SignerTest, AParseFromTheCreateStrategyGivesTheSameResult) {
  json pending = testing::KubeletClientCsr("csr-1", "node-7");
  std::shared_ptr<const crypto::ParsedCsr> parsed;
  ASSERT_OK(PrepareCsrForCreate(pending, UserInfo{}, &parsed));
  ASSERT_NE(parsed, nullptr);
  EXPECT_EQ(parsed->CommonName(), "system:node:node-7");
  json csr = Approve(pending);
  auto out = SignCsr(csr, *ca_, FixedNow(), parsed.get());
  ASSERT_TRUE(out.has_value());
  crypto::Certificate cert = Issued(*out);
  EXPECT_EQ(cert.CommonName(), "system:node:node-7");
  EXPECT_THAT(cert.Organizations(), ::testing::ElementsAre("system:nodes"));
  ASSERT_OK(crypto::VerifyCertificate(cert, {ca_->cert}, {}, FixedNow()));
  EXPECT_EQ(cert.NotAfter(), Issued(*SignCsr(csr, *ca_, FixedNow())).NotAfter());

  json bad = testing::KubeletClientCsr("csr-3", "node-9");
  bad["spec"]["request"] = "bm90IGEgQ1NS";  // "not a CSR"
  std::shared_ptr<const crypto::ParsedCsr> none;
  EXPECT_FALSE(PrepareCsrForCreate(bad, UserInfo{}, &none).ok());
  EXPECT_EQ(none, nullptr) << "no parse is handed out for a refused request";
}

TEST_F(SignerTest, HonoursExpirationSeconds) {
  json csr = testing::KubeletClientCsr("csr-1");
  csr["spec"]["expirationSeconds"] = 3600;  // < 8h: no extra backdate
  auto out = SignCsr(Approve(csr), *ca_, FixedNow());
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(Issued(*out).NotAfter(), FixedNow() + 1h);
  csr["spec"]["expirationSeconds"] = 86400;  // ≥ 8h: minus the 5 min backdate
  out = SignCsr(Approve(csr), *ca_, FixedNow());
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(Issued(*out).NotAfter(), FixedNow() + 24h - 5min);
  csr["spec"]["expirationSeconds"] = 10 * 365 * 86400;  // capped at the 1 year default
  EXPECT_EQ(SignerDuration(csr), std::chrono::hours(24 * 365));
  csr["spec"]["expirationSeconds"] = 60;  // sanity floor
  EXPECT_EQ(SignerDuration(csr), 10min);
}

TEST_F(SignerTest, CappedAtCaLifetime) {
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcdsaP256);
  auto short_ca = crypto::CreateSelfSignedCa(*key, "short", 2h, FixedNow() - 1h);
  ASSERT_TRUE(short_ca.ok());
  CaMaterial ca{*short_ca, std::move(*key)};
  auto out = SignCsr(Approve(testing::KubeletClientCsr("csr-1")), ca, FixedNow());
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(Issued(*out).NotAfter(), short_ca->NotAfter());
  // An expired CA signs nothing.
  EXPECT_FALSE(SignCsr(Approve(testing::KubeletClientCsr("csr-2")), ca, FixedNow() + 3h).has_value());
}

TEST_F(SignerTest, IgnoresUnapprovedDeniedFailedAndForeignSigners) {
  json csr = testing::KubeletClientCsr("csr-1");
  EXPECT_FALSE(SignCsr(csr, *ca_, FixedNow()).has_value());
  json denied = csr;
  SetCsrCondition(denied, "Denied", "No", "no", "2026-11-29T03:00:00Z");
  EXPECT_FALSE(SignCsr(denied, *ca_, FixedNow()).has_value());
  json failed = Approve(csr);
  SetCsrCondition(failed, "Failed", "X", "x", "2026-11-29T03:00:00Z");
  EXPECT_FALSE(SignCsr(failed, *ca_, FixedNow()).has_value());
  json other = Approve(csr);
  other["spec"]["signerName"] = "example.com/mine";
  EXPECT_FALSE(SignCsr(other, *ca_, FixedNow()).has_value());
  other["spec"]["signerName"] = "kubernetes.io/kube-apiserver-client";
  EXPECT_FALSE(SignCsr(other, *ca_, FixedNow()).has_value());
}

TEST_F(SignerTest, WrongShapeGetsFailedCondition) {
  struct Case {
    crypto::CsrTemplate tmpl;
    std::vector<std::string> usages;
    std::string message;
  };
  crypto::CsrTemplate with_dns = crypto::CsrTemplate::ForKubeletClient("n");
  with_dns.dns_names = {"n.example"};
  std::vector<Case> cases = {
      {testing::Subject("system:node:n", {"system:masters"}),
       {"digital signature", "client auth"},
       "subject organization is not system:nodes"},
      {testing::Subject("alice", {"system:nodes"}),
       {"digital signature", "client auth"},
       "subject common name does not begin with system:node:"},
      {with_dns, {"digital signature", "client auth"}, "DNS subjectAltNames are not allowed"},
      {crypto::CsrTemplate::ForKubeletClient("n"),
       {"digital signature", "client auth", "server auth"},
       "usages did not match [client auth digital signature key encipherment]"},
  };
  for (const auto& c : cases) {
    json csr = testing::CsrObject("csr-x", testing::MakeCsrPem(c.tmpl),
                                  "kubernetes.io/kube-apiserver-client-kubelet", c.usages);
    auto out = SignCsr(Approve(csr), *ca_, FixedNow());
    ASSERT_TRUE(out.has_value()) << c.message;
    EXPECT_FALSE((*out)["status"].contains("certificate"));
    EXPECT_TRUE(CsrHasCondition(*out, "Failed"));
    const json& failed = (*out)["status"]["conditions"][1];
    EXPECT_EQ(failed["reason"], "SignerValidationFailure");
    EXPECT_EQ(failed["message"], c.message);
    EXPECT_FALSE(SignCsr(*out, *ca_, FixedNow()).has_value());
  }
}

TEST_F(SignerTest, KubeletServingNeedsSansAndServerAuth) {
  crypto::CsrTemplate tmpl = crypto::CsrTemplate::ForKubeletClient("node-1");
  json no_san = testing::CsrObject("s1", testing::MakeCsrPem(tmpl), "kubernetes.io/kubelet-serving",
                                   {"digital signature", "server auth"});
  auto out = SignCsr(Approve(no_san), *ca_, FixedNow());
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ((*out)["status"]["conditions"][1]["message"], "DNS or IP subjectAltName is required");
  tmpl.dns_names = {"node-1"};
  tmpl.ip_addresses = {"10.0.0.7"};
  json good = testing::CsrObject("s2", testing::MakeCsrPem(tmpl), "kubernetes.io/kubelet-serving",
                                 {"digital signature", "key encipherment", "server auth"});
  out = SignCsr(Approve(good), *ca_, FixedNow());
  ASSERT_TRUE(out.has_value());
  crypto::Certificate cert = Issued(*out);
  EXPECT_THAT(cert.DnsNames(), ::testing::ElementsAre("node-1"));
  EXPECT_THAT(cert.IpAddresses(), ::testing::ElementsAre("10.0.0.7"));
  EXPECT_THAT(cert.ExtendedKeyUsages(), ::testing::ElementsAre("server auth"));
}

}  // namespace
}  // namespace joinguard::sandbox::logic
