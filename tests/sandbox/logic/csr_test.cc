#include "tests/sandbox/logic/csr.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/crypto/cert.h"
#include "common/crypto/encoding.h"
#include "tests/sandbox/logic/test_support.h"
#include "tests/testing/status_matchers.h"

namespace joinguard::sandbox::logic {
namespace {

using ::joinguard::testing::IsOk;
using ::joinguard::testing::StatusIs;
using nlohmann::json;
using testing::FixedNow;
using ::testing::HasSubstr;
using testing::KubeletClientCsr;

UserInfo Bootstrapper() {
  UserInfo u;
  u.name = "system:bootstrap:abcdef";
  u.groups = {"system:bootstrappers", "system:bootstrappers:kubeadm:default-node-token",
              "system:authenticated"};
  return u;
}

TEST(PrepareCsrForCreateTest, RequesterFromUserAndStatusCleared) {
  json csr = KubeletClientCsr("node-csr-1");
  csr["spec"]["username"] = "system:node:evil";
  csr["spec"]["groups"] = {"system:masters"};
  csr["spec"]["extra"] = {{"k", {"v"}}};
  csr["status"] = {{"conditions", {{{"type", "Approved"}, {"status", "True"}}}}, {"certificate", "Zm9v"}};
  ASSERT_OK(PrepareCsrForCreate(csr, Bootstrapper()));
  EXPECT_EQ(csr["spec"]["username"], "system:bootstrap:abcdef");
  EXPECT_EQ(csr["spec"]["groups"], json(Bootstrapper().groups));
  EXPECT_FALSE(csr["spec"].contains("extra"));
  EXPECT_FALSE(csr["spec"].contains("uid"));
  EXPECT_EQ(csr["status"], json::object());
  UserInfo with_extra = Bootstrapper();
  with_extra.uid = "u-1";
  with_extra.extra["authentication.kubernetes.io/credential-id"] = {"X509SHA256=ab"};
  json csr2 = KubeletClientCsr("node-csr-2");
  ASSERT_OK(PrepareCsrForCreate(csr2, with_extra));
  EXPECT_EQ(csr2["spec"]["uid"], "u-1");
  EXPECT_EQ(csr2["spec"]["extra"]["authentication.kubernetes.io/credential-id"][0], "X509SHA256=ab");
}

TEST(PrepareCsrForCreateTest, RequestMustBeAVerifiedCertificateRequestPem) {
  json csr = KubeletClientCsr("c");
  csr["spec"]["request"] =
      crypto::Base64Encode("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  EXPECT_THAT(
      PrepareCsrForCreate(csr, Bootstrapper()),
      StatusIs(
          StatusCode::kInvalidArgument,
          HasSubstr(
              R"(CertificateSigningRequest.certificates.k8s.io "c" is invalid: spec.request: Invalid value: )")));
  EXPECT_THAT(
      PrepareCsrForCreate(csr, Bootstrapper()),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("PEM block type must be CERTIFICATE REQUEST")));
  Status s = PrepareCsrForCreate(csr, Bootstrapper());
  EXPECT_EQ(s.reason(), "Invalid");
  EXPECT_EQ(s.http_status(), 422);

  csr["spec"]["request"] = crypto::Base64Encode("not pem at all");
  EXPECT_THAT(
      PrepareCsrForCreate(csr, Bootstrapper()),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("PEM block type must be CERTIFICATE REQUEST")));

  // A CSR whose signature no longer verifies (proof of possession fails).
  const std::string pem = testing::MakeCsrPem(crypto::CsrTemplate::ForKubeletClient("n"));
  auto parsed = crypto::ParsedCsr::FromPem(pem);
  ASSERT_OK(parsed.status());
  std::string der = parsed->der();
  der[der.size() - 1] ^= 0x01;
  std::string b64 = crypto::Base64Encode(der), tampered = "-----BEGIN CERTIFICATE REQUEST-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) tampered += b64.substr(i, 64) + "\n";
  tampered += "-----END CERTIFICATE REQUEST-----\n";
  csr["spec"]["request"] = crypto::Base64Encode(tampered);
  EXPECT_THAT(PrepareCsrForCreate(csr, Bootstrapper()),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("spec.request: Invalid value")));

  csr["spec"]["request"] = "!!!not base64";
  Status bad = PrepareCsrForCreate(csr, Bootstrapper());
  EXPECT_THAT(bad, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(bad.http_status(), 400);
}

TEST(PrepareCsrForCreateTest, UsagesSignerAndExpiration) {
  json csr = KubeletClientCsr("c");
  csr["spec"]["usages"] = json::array();
  EXPECT_THAT(
      PrepareCsrForCreate(csr, Bootstrapper()),
      StatusIs(
          StatusCode::kInvalidArgument,
          ::testing::Eq(
              R"(CertificateSigningRequest.certificates.k8s.io "c" is invalid: spec.usages: Required value)")));
  csr["spec"]["usages"] = {"client auth", "bogus", "client auth"};
  Status s = PrepareCsrForCreate(csr, Bootstrapper());
  EXPECT_THAT(
      s.message(),
      HasSubstr(
          R"(is invalid: [spec.usages[1]: Unsupported value: "bogus": supported values: "any", "cert sign")"));
  EXPECT_THAT(s.message(), HasSubstr(R"(spec.usages[2]: Duplicate value: "client auth"])"));

  csr = KubeletClientCsr("c");
  csr["spec"]["signerName"] = "";
  EXPECT_THAT(PrepareCsrForCreate(csr, Bootstrapper()).message(),
              HasSubstr("spec.signerName: Required value"));
  for (const char* bad : {"kubelet", "a/b/c", "example/x", "Example.com/x", "example.com/"}) {
    csr["spec"]["signerName"] = bad;
    EXPECT_THAT(PrepareCsrForCreate(csr, Bootstrapper()),
                StatusIs(StatusCode::kInvalidArgument, HasSubstr("spec.signerName: Invalid value")))
        << bad;
  }
  csr["spec"]["signerName"] = "kubelet";
  EXPECT_THAT(PrepareCsrForCreate(csr, Bootstrapper()).message(),
              HasSubstr("must be a fully qualified domain and path of the form 'example.com/signer-name'"));
  csr["spec"]["signerName"] = "kubernetes.io/legacy-unknown";
  EXPECT_THAT(PrepareCsrForCreate(csr, Bootstrapper()).message(),
              HasSubstr("the legacy signerName is not allowed via this API version"));
  for (const char* good :
       {"example.com/signer-name", "joinguard.example.org/Node_1.x", "kubernetes.io/kubelet-serving"}) {
    csr["spec"]["signerName"] = good;
    EXPECT_OK(PrepareCsrForCreate(csr, Bootstrapper())) << good;
  }

  csr = KubeletClientCsr("c");
  csr["spec"]["expirationSeconds"] = 599;
  EXPECT_THAT(PrepareCsrForCreate(csr, Bootstrapper()).message(),
              HasSubstr("spec.expirationSeconds: Invalid value: 599: may not specify a duration less than "
                        "600 seconds (10 minutes)"));
  csr["spec"]["expirationSeconds"] = 600;
  EXPECT_OK(PrepareCsrForCreate(csr, Bootstrapper()));
}

TEST(PrepareCsrForCreateTest, SubjectRestrictionForbidsSystemMastersClientCerts) {
  json csr = testing::CsrObject("c", testing::MakeCsrPem(testing::Subject("eve", {"system:masters"})),
                                "kubernetes.io/kube-apiserver-client", {"client auth"});
  Status s = PrepareCsrForCreate(csr, Bootstrapper());
  EXPECT_THAT(
      s,
      StatusIs(
          StatusCode::kPermissionDenied,
          ::testing::Eq(
              R"(certificatesigningrequests.certificates.k8s.io "c" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed)")));
  EXPECT_EQ(s.http_status(), 403);
  csr["spec"]["signerName"] = "example.com/x";
  EXPECT_OK(PrepareCsrForCreate(csr, Bootstrapper()));
}

class CsrUpdateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stored_ = KubeletClientCsr("csr-1");
    ASSERT_OK(PrepareCsrForCreate(stored_, Bootstrapper()));
  }
  static json Cond(const std::string& type, const std::string& status = "True") {
    return {{"type", type}, {"status", status}, {"reason", "R"}, {"message", "m"}};
  }
  json stored_;
};

TEST_F(CsrUpdateTest, ApprovalTakesOnlyConditionsAndFillsTimestamps) {
  json update = stored_;
  update["spec"]["signerName"] = "example.com/other";
  update["spec"]["username"] = "system:admin";
  update["status"]["conditions"] = {Cond("Approved")};
  update["status"]["conditions"][0]["lastTransitionTime"] = nullptr;  // kubectl 1.20 sends null
  update["status"]["certificate"] = "Zm9v";
  ASSERT_OK(ValidateCsrApprovalUpdate(stored_, update, FixedNow()));
  EXPECT_EQ(update["spec"], stored_["spec"]);
  EXPECT_FALSE(update["status"].contains("certificate"));
  ASSERT_EQ(update["status"]["conditions"].size(), 1u);
  EXPECT_EQ(update["status"]["conditions"][0]["lastUpdateTime"], "2026-11-29T03:00:00Z");
  EXPECT_EQ(update["status"]["conditions"][0]["lastTransitionTime"], "2026-11-29T03:00:00Z");
  EXPECT_EQ(update["metadata"]["uid"], stored_["metadata"]["uid"]);
}

TEST_F(CsrUpdateTest, ApprovedAndDeniedAreExclusiveAndPermanent) {
  json both = stored_;
  both["status"]["conditions"] = {Cond("Approved"), Cond("Denied")};
  EXPECT_THAT(
      ValidateCsrApprovalUpdate(stored_, both, FixedNow()),
      StatusIs(
          StatusCode::kInvalidArgument,
          ::testing::Eq(
              R"(CertificateSigningRequest.certificates.k8s.io "csr-1" is invalid: status.conditions[1].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive)")));
  json approved = stored_;
  approved["status"]["conditions"] = {Cond("Approved")};
  ASSERT_OK(ValidateCsrApprovalUpdate(stored_, approved, FixedNow()));
  // Removing (or replacing Approved by Denied) is forbidden.
  json flipped = approved;
  flipped["status"]["conditions"] = {Cond("Denied")};
  EXPECT_THAT(
      ValidateCsrApprovalUpdate(approved, flipped, FixedNow()),
      StatusIs(
          StatusCode::kInvalidArgument,
          HasSubstr(
              R"(status.conditions: Forbidden: updates may not remove a condition of type "Approved")")));
  json removed = approved;
  removed["status"]["conditions"] = json::array();
  EXPECT_THAT(ValidateCsrApprovalUpdate(approved, removed, FixedNow()),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("may not remove a condition")));
  // Wrong status values and duplicates.
  json false_approved = stored_;
  false_approved["status"]["conditions"] = {Cond("Approved", "False")};
  EXPECT_THAT(
      ValidateCsrApprovalUpdate(stored_, false_approved, FixedNow()).message(),
      HasSubstr(R"(status.conditions[0].status: Unsupported value: "False": supported values: "True")"));
  json dup = stored_;
  dup["status"]["conditions"] = {Cond("Custom", "Unknown"), Cond("Custom")};
  EXPECT_THAT(ValidateCsrApprovalUpdate(stored_, dup, FixedNow()).message(),
              HasSubstr(R"(status.conditions[1].type: Duplicate value: "Custom")"));
  json empty_type = stored_;
  empty_type["status"]["conditions"] = {Cond("")};
  EXPECT_THAT(ValidateCsrApprovalUpdate(stored_, empty_type, FixedNow()).message(),
              HasSubstr("status.conditions[0].type: Required value"));
}

TEST_F(CsrUpdateTest, LastTransitionTimeKeptFromSameTypeAndStatus) {
  json approved = stored_;
  approved["status"]["conditions"] = {Cond("Approved")};
  approved["status"]["conditions"][0]["lastTransitionTime"] = "2026-11-29T01:00:00Z";
  approved["status"]["conditions"][0]["lastUpdateTime"] = "2026-11-29T01:00:00Z";
  json again = approved;
  again["status"]["conditions"][0].erase("lastTransitionTime");
  again["status"]["conditions"][0].erase("lastUpdateTime");
  ASSERT_OK(ValidateCsrApprovalUpdate(approved, again, FixedNow()));
  EXPECT_EQ(again["status"]["conditions"][0]["lastTransitionTime"], "2026-11-29T01:00:00Z");
  EXPECT_EQ(again["status"]["conditions"][0]["lastUpdateTime"], "2026-11-29T03:00:00Z");
}

TEST_F(CsrUpdateTest, MainUpdateSilentlyKeepsSpecAndStatus) {
  json update = stored_;
  update["spec"]["signerName"] = "example.com/other";
  update["status"]["conditions"] = {Cond("Approved")};
  update["metadata"]["labels"] = {{"a", "b"}};
  ASSERT_OK(ValidateCsrMainUpdate(stored_, update));
  EXPECT_EQ(update["spec"], stored_["spec"]);
  EXPECT_EQ(update["status"], stored_["status"]);
  EXPECT_EQ(update["metadata"]["labels"]["a"], "b");
  json renamed = stored_;
  renamed["metadata"]["name"] = "other";
  EXPECT_THAT(ValidateCsrMainUpdate(stored_, renamed),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("metadata.name: Invalid value: \"other\": field is immutable")));
  json new_uid = stored_;
  new_uid["metadata"]["uid"] = "different";
  EXPECT_THAT(ValidateCsrMainUpdate(stored_, new_uid),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("metadata.uid")));
}

class CsrStatusUpdateTest : public CsrUpdateTest {
 protected:
  std::string CertPem() {
    auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcdsaP256);
    auto ca = crypto::CreateSelfSignedCa(*key, "test-ca", std::chrono::hours(24), FixedNow());
    return ca.ok() ? ca->ToPem() : "";
  }
};

TEST_F(CsrStatusUpdateTest, CertificateOnlyViaStatusAndOnlyOnce) {
  const std::string pem = CertPem();
  ASSERT_FALSE(pem.empty());
  json approved = stored_;
  approved["status"]["conditions"] = {Cond("Approved")};
  ASSERT_OK(ValidateCsrApprovalUpdate(stored_, approved, FixedNow()));

  // Not through the main resource: silently ignored.
  json via_main = approved;
  via_main["status"]["certificate"] = crypto::Base64Encode(pem);
  ASSERT_OK(ValidateCsrMainUpdate(approved, via_main));
  EXPECT_FALSE(via_main["status"].contains("certificate"));

  json issued = approved;
  issued["status"]["certificate"] = crypto::Base64Encode(pem);
  issued["status"]["conditions"] = json::array();  // tries to drop Approved: copied back
  ASSERT_OK(ValidateCsrStatusUpdate(approved, issued, FixedNow()));
  EXPECT_EQ(issued["status"]["certificate"], crypto::Base64Encode(pem));
  ASSERT_EQ(issued["status"]["conditions"].size(), 1u);
  EXPECT_EQ(issued["status"]["conditions"][0]["type"], "Approved");

  json changed = issued;
  changed["status"]["certificate"] = crypto::Base64Encode(CertPem());
  EXPECT_THAT(
      ValidateCsrStatusUpdate(issued, changed, FixedNow()),
      StatusIs(
          StatusCode::kInvalidArgument,
          HasSubstr("status.certificate: Forbidden: updates may not modify existing certificate content")));

  json garbage = approved;
  garbage["status"]["certificate"] =
      crypto::Base64Encode("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  EXPECT_THAT(
      ValidateCsrStatusUpdate(approved, garbage, FixedNow()).message(),
      HasSubstr(
          R"(status.certificate: Invalid value: "<certificate data>": only CERTIFICATE PEM blocks are allowed, found "PRIVATE KEY")"));
  garbage["status"]["certificate"] = crypto::Base64Encode("hello");
  EXPECT_THAT(ValidateCsrStatusUpdate(approved, garbage, FixedNow()).message(),
              HasSubstr("must contain at least one CERTIFICATE PEM block"));

  // A stored certificate that does not parse is tolerated by updates that leave it alone, as
  // upstream's allowArbitraryCertificate; changing it is still validated (above).
  json stored_garbage = approved;
  stored_garbage["status"]["certificate"] = crypto::Base64Encode("hello");
  json conditions_only = stored_garbage;
  conditions_only["status"]["conditions"].push_back(Cond("Failed"));
  EXPECT_OK(ValidateCsrStatusUpdate(stored_garbage, conditions_only, FixedNow()));

  // Approval changes do not go through /status; Failed may be added there.
  json add_denied = stored_;
  add_denied["status"]["conditions"] = {Cond("Denied")};
  EXPECT_THAT(ValidateCsrStatusUpdate(stored_, add_denied, FixedNow()),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr(R"(updates may not add a condition of type "Denied")")));
  json failed = approved;
  failed["status"]["conditions"].push_back(Cond("Failed"));
  EXPECT_OK(ValidateCsrStatusUpdate(approved, failed, FixedNow()));
}

TEST(CsrAdmissionTest, ApproveAndSignNeedSignerPermission) {
  json csr = KubeletClientCsr("csr-1");
  UserInfo u;
  u.name = "approver";
  std::vector<std::string> asked;
  auto deny_all = [&](const RequestAttributes& a) {
    asked.push_back(a.verb + " " + a.resource + " " + a.name);
    return false;
  };
  EXPECT_THAT(
      AdmitCsrApproval(csr, u, deny_all),
      StatusIs(
          StatusCode::kPermissionDenied,
          ::testing::Eq(
              R"(certificatesigningrequests.certificates.k8s.io "csr-1" is forbidden: user not permitted to approve requests with signerName "kubernetes.io/kube-apiserver-client-kubelet")")));
  EXPECT_THAT(asked, ::testing::ElementsAre("approve signers kubernetes.io/kube-apiserver-client-kubelet",
                                            "approve signers kubernetes.io/*"));
  auto wildcard_only = [](const RequestAttributes& a) { return a.name == "kubernetes.io/*"; };
  EXPECT_OK(AdmitCsrApproval(csr, u, wildcard_only));
  json issued = csr;
  issued["status"]["certificate"] = "Zm9v";
  EXPECT_OK(AdmitCsrStatusUpdate(csr, csr, u, deny_all));  // nothing changed
  EXPECT_THAT(AdmitCsrStatusUpdate(csr, issued, u, deny_all),
              StatusIs(StatusCode::kPermissionDenied, HasSubstr("user not permitted to sign requests")));
}

}  // namespace
}  // namespace joinguard::sandbox::logic

namespace joinguard::sandbox::logic {
namespace {

// Malformed JSON shapes never throw out of the logic modules.
TEST(MalformedInputTest, NoExceptionsCrossTheBoundary) {
  json csr = testing::KubeletClientCsr("c");
  csr["metadata"] = "not an object";
  Status s = PrepareCsrForCreate(csr, Bootstrapper());
  EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(s.http_status(), 400);
  json weird = testing::KubeletClientCsr("c");
  weird["spec"]["signerName"] = 42;
  EXPECT_THAT(PrepareCsrForCreate(weird, Bootstrapper()), StatusIs(StatusCode::kInvalidArgument));
  json old_csr = testing::KubeletClientCsr("c");
  json upd = old_csr;
  upd["status"] = {{"conditions", {{{"type", 7}, {"status", "True"}}}}};
  EXPECT_THAT(ValidateCsrApprovalUpdate(old_csr, upd, FixedNow()), StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace joinguard::sandbox::logic
