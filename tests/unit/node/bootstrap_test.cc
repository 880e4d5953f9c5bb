// Certificate store symlink rotation, CSR construction (V10 vector), CSR evaluation and the
// watch-based wait, kubelet.conf validity and the kubeconfig shapes written to disk.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "common/crypto/cert.h"
#include "common/crypto/csr.h"
#include "common/crypto/key.h"
#include "common/files/atomic_file.h"
#include "common/kube/kubeconfig.h"
#include "common/kube/mock_client.h"
#include "common/runtime/clock.h"
#include "node-helper/bootstrap/cert_store.h"
#include "node-helper/bootstrap/csr_client.h"
#include "node-helper/bootstrap/kubelet_kubeconfig.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/vectors.h"

namespace joinguard::node::bootstrap {
namespace {

namespace vectors = ::joinguard::testing::vectors;

using ::joinguard::testing::StatusIs;
using ::testing::_;
using ::testing::HasSubstr;
using ::testing::Invoke;
using ::testing::Return;

struct TestPki {
  crypto::PrivateKey ca_key;
  crypto::Certificate ca;
  static TestPki Make() {
    auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcdsaP256);
    auto ca =
        crypto::CreateSelfSignedCa(*key, "test-ca", std::chrono::hours(24), std::chrono::system_clock::now());
    return TestPki{*std::move(key), *std::move(ca)};
  }
  std::string Issue(const std::string& csr_pem, std::chrono::seconds validity = std::chrono::hours(1)) {
    auto csr = crypto::ParsedCsr::FromPem(csr_pem);
    crypto::CertificateProfile profile;
    profile.validity = validity;
    profile.usages = {"digital signature", "client auth"};
    auto cert = crypto::SignCsr(*csr, ca, ca_key, profile, std::chrono::system_clock::now());
    return cert->ToPem();
  }
};

std::string LinkTarget(const std::string& path) {
  char buf[4096];
  ssize_t n = readlink(path.c_str(), buf, sizeof(buf));
  return n < 0 ? "" : std::string(buf, static_cast<size_t>(n));
}

class CertStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = joinguard::testing::MakeTempDir("node-certstore-"); }
  void TearDown() override { joinguard::testing::RemoveTree(dir_); }
  std::string dir_;
  runtime::FakeClock clock_;
};

TEST_F(CertStoreTest, RotatesTheCurrentSymlink) {
  auto pki = TestPki::Make();
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcdsaP256);
  auto req = BuildNodeClientCsr(*key, "node-a");
  ASSERT_OK(req);
  std::string cert = pki.Issue(req->csr_pem);
  CertStore store(dir_ + "/pki", "kubelet-client", clock_);

  ASSERT_OK_AND_ASSIGN(auto first, store.Update(cert + pki.ca.ToPem(), *key->ToPem()));
  EXPECT_EQ(LinkTarget(store.CurrentPath()), first);
  struct stat st {};
  ASSERT_EQ(stat(first.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // Content: every certificate of the chain, then the key (kubelet's layout).
  auto content = files::ReadFile(first);
  ASSERT_OK(content);
  auto certs = crypto::ParseCertificatesPem(*content);
  ASSERT_OK(certs);
  EXPECT_EQ(certs->size(), 2u);
  EXPECT_OK(crypto::PrivateKey::FromPem(*content));
  EXPECT_LT(content->find("CERTIFICATE"), content->find("EC PRIVATE KEY"));

  clock_.Advance(std::chrono::seconds(61));
  ASSERT_OK_AND_ASSIGN(auto second, store.Update(cert, *key->ToPem()));
  EXPECT_NE(first, second);
  EXPECT_EQ(LinkTarget(store.CurrentPath()), second);
  EXPECT_NE(access(store.UpdatedPath().c_str(), F_OK), 0);  // renamed away
  EXPECT_EQ(store.PairPath(clock_.Now()), second);
  EXPECT_THAT(second, ::testing::MatchesRegex(
                          ".*/kubelet-client-[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{2}-[0-9]{2}-[0-9]{2}\\.pem"));
}

TEST_F(CertStoreTest, RegularFileAsCurrentIsAnError) {
  auto pki = TestPki::Make();
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcdsaP256);
  auto req = BuildNodeClientCsr(*key, "node-a");
  CertStore store(dir_, "kubelet-client", clock_);
  ASSERT_OK(files::WriteFileAtomic(store.CurrentPath(), "junk", 0600));
  EXPECT_THAT(store.Update(pki.Issue(req->csr_pem), *key->ToPem()),
              StatusIs(StatusCode::kFailedPrecondition,
                       "expected \"" + store.CurrentPath() + "\" to be a symlink but it is a file"));
}

TEST_F(CertStoreTest, RecoverRenamesUpdatedToCurrent) {
  CertStore store(dir_, "kubelet-client", clock_);
  ASSERT_EQ(symlink("/somewhere/kubelet-client-x.pem", store.UpdatedPath().c_str()), 0);
  ASSERT_OK(store.Recover());
  EXPECT_EQ(LinkTarget(store.CurrentPath()), "/somewhere/kubelet-client-x.pem");
  EXPECT_NE(access(store.UpdatedPath().c_str(), F_OK), 0);
}

TEST(CsrTest, DeterministicNameFromTheV10Vector) {
  auto key = crypto::PrivateKey::FromPem(vectors::kV10EcKeyPem);
  ASSERT_OK(key);
  auto req = BuildNodeClientCsr(*key, "fake-node-name");
  ASSERT_OK(req);
  EXPECT_EQ(req->name, vectors::kV10CsrName);
  EXPECT_THAT(req->usages, ::testing::ElementsAre("digital signature", "client auth"));
  auto parsed = crypto::ParsedCsr::FromPem(req->csr_pem);
  ASSERT_OK(parsed);
  EXPECT_EQ(parsed->CommonName(), "system:node:fake-node-name");
  EXPECT_THAT(parsed->Organizations(), ::testing::ElementsAre("system:nodes"));
  EXPECT_FALSE(parsed->HasAnySan());
  EXPECT_TRUE(parsed->signature_valid());
  // Subject DER order: O before CN, one attribute per RDN (Go's pkix.Name).
  ASSERT_EQ(parsed->subject_rdns().size(), 2u);
  EXPECT_EQ(parsed->subject_rdns()[0][0].type, "O");
  EXPECT_EQ(parsed->subject_rdns()[1][0].type, "CN");
}

TEST(CsrTest, RsaKeysAddKeyEnciphermentLast) {
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kRsa2048);
  ASSERT_OK(key);
  EXPECT_THAT(KubeletClientUsages(*key),
              ::testing::ElementsAre("digital signature", "client auth", "key encipherment"));
}

kube::CertificateSigningRequest Csr(const std::string& name, const std::string& uid) {
  kube::CertificateSigningRequest csr;
  csr.metadata.name = name;
  csr.metadata.uid = uid;
  return csr;
}

TEST(EvaluateCsrTest, States) {
  auto csr = Csr("node-csr-x", "u1");
  EXPECT_THAT(EvaluateCsr(csr, "u1"), ::joinguard::testing::IsOk());
  EXPECT_FALSE(EvaluateCsr(csr, "u1")->has_value());
  csr.status.conditions.push_back({"Approved", "True", "AutoApproved", "ok", {}, {}});
  EXPECT_FALSE(EvaluateCsr(csr, "u1")->has_value());  // approved, not yet issued
  csr.status.certificate = "PEM";
  EXPECT_EQ(EvaluateCsr(csr, "u1")->value(), "PEM");
  EXPECT_THAT(EvaluateCsr(csr, "u2"), StatusIs(StatusCode::kAborted, "csr \"node-csr-x\" changed UIDs"));

  auto denied = Csr("node-csr-x", "u1");
  denied.status.conditions.push_back({"Denied", "True", "NodeNameMismatch", "node does not exist", {}, {}});
  EXPECT_THAT(
      EvaluateCsr(denied, "u1"),
      StatusIs(
          StatusCode::kPermissionDenied,
          "certificate signing request is denied, reason: NodeNameMismatch, message: node does not exist"));
  auto failed = Csr("node-csr-x", "u1");
  failed.status.conditions.push_back({"Failed", "True", "SignerError", "boom", {}, {}});
  EXPECT_THAT(EvaluateCsr(failed, "u1"),
              StatusIs(StatusCode::kFailedPrecondition,
                       "certificate signing request failed, reason: SignerError, message: boom"));
}

kube::Json ListOf(const kube::CertificateSigningRequest& csr) {
  return kube::Json{{"metadata", {{"resourceVersion", "10"}}},
                    {"items", kube::Json::array({kube::ToJson(csr)})}};
}

// A WatchRaw action: the watch delivers `csr` as one MODIFIED event and ends with the handler's
// answer.
auto DeliversModified(kube::CertificateSigningRequest csr) {
  return Invoke([csr = std::move(csr)](const kube::Resource&, std::string_view, const kube::ListOptions&,
                                       const kube::WatchHandler& h, std::stop_token) -> Status {
    return h({kube::WatchEventType::kModified, kube::ToJson(csr)});
  });
}

TEST(WaitForCertificateTest, ApprovedThroughTheWatch) {
  kube::MockClient client;
  runtime::FakeClock clock;
  auto pending = Csr("node-csr-x", "u1");
  auto issued = pending;
  issued.status.conditions.push_back({"Approved", "True", "AutoApproved", "ok", {}, {}});
  issued.status.certificate = "-----BEGIN CERTIFICATE-----\n";
  EXPECT_CALL(client, ListRaw(_, _, _))
      .WillOnce(Invoke([&](const kube::Resource&, std::string_view, const kube::ListOptions& o) {
        EXPECT_EQ(o.field_selector, "metadata.name=node-csr-x");
        return StatusOr<kube::Json>(ListOf(pending));
      }));
  EXPECT_CALL(client, WatchRaw(_, _, _, _, _))
      .WillOnce(Invoke([&](const kube::Resource&, std::string_view, const kube::ListOptions& o,
                           const kube::WatchHandler& h, std::stop_token) -> Status {
        EXPECT_EQ(o.resource_version, "10");
        EXPECT_EQ(o.field_selector, "metadata.name=node-csr-x");
        JG_RETURN_IF_ERROR(h({kube::WatchEventType::kModified, kube::ToJson(pending)}));
        return h({kube::WatchEventType::kModified, kube::ToJson(issued)});
      }));
  WaitOptions options;
  options.timeout = std::chrono::seconds(30);
  EXPECT_THAT(WaitForCertificate(client, pending, clock, options),
              ::testing::Property(&StatusOr<std::string>::ok, true));
}

TEST(WaitForCertificateTest, DeletedWhileWaiting) {
  kube::MockClient client;
  runtime::FakeClock clock;
  auto pending = Csr("node-csr-x", "u1");
  ON_CALL(client, ListRaw(_, _, _)).WillByDefault(Return(StatusOr<kube::Json>(ListOf(pending))));
  EXPECT_CALL(client, WatchRaw(_, _, _, _, _))
      .WillOnce(Invoke([&](const kube::Resource&, std::string_view, const kube::ListOptions&,
                           const kube::WatchHandler& h, std::stop_token) -> Status {
        return h({kube::WatchEventType::kDeleted, kube::ToJson(pending)});
      }));
  EXPECT_THAT(WaitForCertificate(client, pending, clock, {}),
              StatusIs(StatusCode::kNotFound, "csr \"node-csr-x\" was deleted"));
}

TEST(WaitForCertificateTest, DeniedInTheInitialList) {
  kube::MockClient client;
  runtime::FakeClock clock;
  auto denied = Csr("node-csr-x", "u1");
  denied.status.conditions.push_back({"Denied", "True", "Policy", "no", {}, {}});
  EXPECT_CALL(client, ListRaw(_, _, _)).WillOnce(Return(StatusOr<kube::Json>(ListOf(denied))));
  EXPECT_CALL(client, WatchRaw(_, _, _, _, _)).Times(0);
  EXPECT_THAT(WaitForCertificate(client, Csr("node-csr-x", "u1"), clock, {}),
              StatusIs(StatusCode::kPermissionDenied, HasSubstr("reason: Policy, message: no")));
}

TEST(WaitForCertificateTest, TimesOutOnTheInjectedClock) {
  kube::MockClient client;
  runtime::FakeClock clock;
  auto pending = Csr("node-csr-x", "u1");
  ON_CALL(client, ListRaw(_, _, _)).WillByDefault(Return(StatusOr<kube::Json>(ListOf(pending))));
  // Each watch ends normally after the server's timeoutSeconds; time passes meanwhile.
  ON_CALL(client, WatchRaw(_, _, _, _, _))
      .WillByDefault(Invoke([&](const kube::Resource&, std::string_view, const kube::ListOptions& o,
                                const kube::WatchHandler&, std::stop_token) -> Status {
        clock.Advance(std::chrono::seconds(o.timeout_seconds));
        return OkStatus();
      }));
  WaitOptions options;
  options.timeout = std::chrono::seconds(90);
  EXPECT_THAT(WaitForCertificate(client, pending, clock, options),
              StatusIs(StatusCode::kDeadlineExceeded,
                       HasSubstr("timed out waiting for the certificate signing request \"node-csr-x\"")));
}

// The created object's resourceVersion: the decision is watched from there, with no LIST.
kube::CertificateSigningRequest CreatedAt(const std::string& resource_version) {
  auto csr = Csr("node-csr-x", "u1");
  csr.metadata.resource_version = resource_version;
  return csr;
}

kube::CertificateSigningRequest Issued(kube::CertificateSigningRequest csr) {
  csr.status.conditions.push_back({"Approved", "True", "AutoApproved", "ok", {}, {}});
  csr.status.certificate = "-----BEGIN CERTIFICATE-----\n";
  return csr;
}

TEST(WaitForCertificateTest, WatchesFromTheCreatedVersionWithoutAList) {
  kube::MockClient client;
  runtime::FakeClock clock;
  const auto created = CreatedAt("7");
  EXPECT_CALL(client, ListRaw(_, _, _)).Times(0);
  EXPECT_CALL(client, WatchRaw(_, _, _, _, _))
      .WillOnce(Invoke([&](const kube::Resource&, std::string_view, const kube::ListOptions& o,
                           const kube::WatchHandler& h, std::stop_token) -> Status {
        EXPECT_EQ(o.resource_version, "7");
        EXPECT_EQ(o.field_selector, "metadata.name=node-csr-x");
        return h({kube::WatchEventType::kModified, kube::ToJson(Issued(created))});
      }));
  auto chain = WaitForCertificate(client, created, clock, {});
  ASSERT_TRUE(chain.ok()) << chain.status();
  EXPECT_EQ(*chain, "-----BEGIN CERTIFICATE-----\n");
}

TEST(WaitForCertificateTest, AnAlreadyIssuedReusedCsrNeedsNoRequest) {
  kube::MockClient client;
  runtime::FakeClock clock;
  EXPECT_CALL(client, ListRaw(_, _, _)).Times(0);
  EXPECT_CALL(client, WatchRaw(_, _, _, _, _)).Times(0);
  EXPECT_TRUE(WaitForCertificate(client, Issued(CreatedAt("7")), clock, {}).ok());
}

TEST(WaitForCertificateTest, DenialOnTheWatchIsReportedAtOnce) {
  kube::MockClient client;
  runtime::FakeClock clock;
  auto denied = CreatedAt("8");
  denied.status.conditions.push_back({"Denied", "True", "NodeExists", "a Node named x exists", {}, {}});
  EXPECT_CALL(client, ListRaw(_, _, _)).Times(0);
  EXPECT_CALL(client, WatchRaw(_, _, _, _, _)).WillOnce(DeliversModified(denied));
  EXPECT_THAT(WaitForCertificate(client, CreatedAt("7"), clock, {}),
              StatusIs(StatusCode::kPermissionDenied, HasSubstr("reason: NodeExists")));
}

TEST(WaitForCertificateTest, AnotherUidOnTheWatchIsAnError) {
  kube::MockClient client;
  runtime::FakeClock clock;
  auto recreated = Issued(Csr("node-csr-x", "u2"));
  EXPECT_CALL(client, WatchRaw(_, _, _, _, _)).WillOnce(DeliversModified(recreated));
  EXPECT_THAT(WaitForCertificate(client, CreatedAt("7"), clock, {}),
              StatusIs(StatusCode::kAborted, HasSubstr("changed UIDs")));
}

// 410 Gone (the version is compacted) or a cut stream: LIST at once, then watch from the
// LIST's version; no pause before that LIST (the pause is for LIST-based watches only).
TEST(WaitForCertificateTest, CutWatchFromTheCreatedVersionFallsBackToListAndWatch) {
  for (const Status& cut : {Status(StatusCode::kUnavailable, "stream reset"), OkStatus()}) {
    SCOPED_TRACE(cut.ToString());
    kube::MockClient client;
    runtime::FakeClock clock;
    const auto created = CreatedAt("7");
    int waits = 0;
    WaitOptions options;
    options.wait = [&](runtime::Duration) { ++waits; };
    std::vector<std::string> watched_from;
    EXPECT_CALL(client, ListRaw(_, _, _)).WillOnce(Return(StatusOr<kube::Json>(ListOf(created))));
    EXPECT_CALL(client, WatchRaw(_, _, _, _, _))
        .Times(2)
        .WillRepeatedly(Invoke([&](const kube::Resource&, std::string_view, const kube::ListOptions& o,
                                   const kube::WatchHandler& h, std::stop_token) -> Status {
          watched_from.push_back(o.resource_version);
          if (watched_from.size() == 1) return cut;
          return h({kube::WatchEventType::kModified, kube::ToJson(Issued(created))});
        }));
    EXPECT_TRUE(WaitForCertificate(client, created, clock, options).ok());
    EXPECT_THAT(watched_from, ::testing::ElementsAre("7", "10"));
    EXPECT_EQ(waits, 0);
  }
}

TEST(WaitForCertificateTest, GoneOnTheCreatedVersionRelists) {
  kube::MockClient client;
  runtime::FakeClock clock;
  const auto created = CreatedAt("7");
  EXPECT_CALL(client, ListRaw(_, _, _)).WillOnce(Return(StatusOr<kube::Json>(ListOf(Issued(created)))));
  EXPECT_CALL(client, WatchRaw(_, _, _, _, _))
      .WillOnce(Return(
          Status(StatusCode::kFailedPrecondition, "too old resource version").WithReason("Expired", 410)));
  EXPECT_TRUE(WaitForCertificate(client, created, clock, {}).ok());
}

TEST(CreateCsrTest, ReusesACompatibleExistingCsr) {
  kube::MockClient client;
  auto key = crypto::PrivateKey::FromPem(vectors::kV10EcKeyPem);
  auto req = BuildNodeClientCsr(*key, "fake-node-name");
  auto existing = Csr(req->name, "u-existing");
  existing.spec.request = req->csr_pem;
  existing.spec.signer_name = std::string(kKubeletClientSigner);
  EXPECT_CALL(client, CreateRaw(_, _, _, _))
      .WillOnce(Return(StatusOr<kube::Json>(AlreadyExistsError("exists").WithReason("AlreadyExists", 409))));
  EXPECT_CALL(client, GetRaw(_, _, _, _)).WillOnce(Return(StatusOr<kube::Json>(kube::ToJson(existing))));
  auto got = CreateCsr(client, *req, *key, std::chrono::system_clock::now());
  ASSERT_OK(got);
  EXPECT_EQ(got->metadata.uid, "u-existing");

  // Someone else's request under our name is refused.
  auto other_key = crypto::PrivateKey::Generate(crypto::KeyType::kEcdsaP256);
  auto other = BuildNodeClientCsr(*other_key, "fake-node-name");
  existing.spec.request = other->csr_pem;
  EXPECT_CALL(client, CreateRaw(_, _, _, _))
      .WillOnce(Return(StatusOr<kube::Json>(AlreadyExistsError("exists").WithReason("AlreadyExists", 409))));
  EXPECT_CALL(client, GetRaw(_, _, _, _)).WillOnce(Return(StatusOr<kube::Json>(kube::ToJson(existing))));
  EXPECT_THAT(CreateCsr(client, *req, *key, std::chrono::system_clock::now()),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("retrieved csr is not compatible")));
}

TEST(CreateCsrTest, SendsTheKubeletRequest) {
  kube::MockClient client;
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcdsaP256);
  auto req = BuildNodeClientCsr(*key, "n1");
  EXPECT_CALL(client, CreateRaw(_, _, _, _))
      .WillOnce(
          Invoke([&](const kube::Resource& r, std::string_view, const kube::Json& body, std::string_view) {
            EXPECT_EQ(r.plural, "certificatesigningrequests");
            EXPECT_EQ(body["metadata"]["name"], req->name);
            EXPECT_EQ(body["spec"]["signerName"], "kubernetes.io/kube-apiserver-client-kubelet");
            EXPECT_EQ(body["spec"]["usages"], kube::Json::array({"digital signature", "client auth"}));
            EXPECT_FALSE(body["spec"].contains("expirationSeconds"));
            return StatusOr<kube::Json>(body);
          }));
  EXPECT_OK(CreateCsr(client, *req, *key, std::chrono::system_clock::now()));
}

// ---- kubeconfig shapes (§4, §5.6) and kubelet.conf validity ------------------------------------

TEST(KubeconfigShapeTest, BootstrapKubeletConf) {
  std::string yaml = kube::SerializeKubeconfig(
      kube::BootstrapKubeconfig("https://10.0.0.1:6443", "CA", "abcdef.0123456789abcdef"));
  EXPECT_EQ(yaml,
            "apiVersion: v1\n"
            "clusters:\n"
            "- cluster:\n"
            "    certificate-authority-data: Q0E=\n"
            "    server: https://10.0.0.1:6443\n"
            "  name: kubernetes\n"
            "contexts:\n"
            "- context:\n"
            "    cluster: kubernetes\n"
            "    user: tls-bootstrap-token-user\n"
            "  name: tls-bootstrap-token-user@kubernetes\n"
            "current-context: tls-bootstrap-token-user@kubernetes\n"
            "kind: Config\n"
            "users:\n"
            "- name: tls-bootstrap-token-user\n"
            "  user:\n"
            "    token: abcdef.0123456789abcdef\n");
}

TEST(KubeconfigShapeTest, KubeletConf) {
  kube::KubeletKubeconfigOptions o;
  o.server = "https://10.0.0.1:6443";
  o.ca_pem = "CA";
  std::string yaml = kube::SerializeKubeconfig(kube::KubeletKubeconfig(o));
  EXPECT_EQ(yaml,
            "apiVersion: v1\n"
            "clusters:\n"
            "- cluster:\n"
            "    certificate-authority-data: Q0E=\n"
            "    server: https://10.0.0.1:6443\n"
            "  name: default-cluster\n"
            "contexts:\n"
            "- context:\n"
            "    cluster: default-cluster\n"
            "    namespace: default\n"
            "    user: default-auth\n"
            "  name: default-context\n"
            "current-context: default-context\n"
            "kind: Config\n"
            "users:\n"
            "- name: default-auth\n"
            "  user:\n"
            "    client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem\n"
            "    client-key: /var/lib/kubelet/pki/kubelet-client-current.pem\n");
}

TEST(KubeletKubeconfigTest, ValidityRules) {
  std::string dir = joinguard::testing::MakeTempDir("node-kubeletconf-");
  auto pki = TestPki::Make();
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcdsaP256);
  auto req = BuildNodeClientCsr(*key, "n1");
  runtime::FakeClock clock(std::chrono::system_clock::now());
  CertStore store(dir + "/pki", "kubelet-client", clock);
  const std::string conf = dir + "/kubelet.conf";
  EXPECT_THAT(CheckKubeletKubeconfig(conf, clock.Now()), StatusIs(StatusCode::kNotFound));

  kube::KubeletKubeconfigOptions o;
  o.server = "https://10.0.0.1:6443";
  o.ca_pem = pki.ca.ToPem();
  o.client_cert_path = store.CurrentPath();
  ASSERT_OK(kube::WriteKubeconfigFile(conf, kube::KubeletKubeconfig(o)));
  // kubelet.conf exists before the certificate does (pitfall 9): not valid yet.
  EXPECT_THAT(CheckKubeletKubeconfig(conf, clock.Now()), StatusIs(StatusCode::kFailedPrecondition));
  ASSERT_OK(store.Update(pki.Issue(req->csr_pem, std::chrono::hours(1)), *key->ToPem()));
  std::string cn;
  EXPECT_OK(CheckKubeletKubeconfig(conf, clock.Now(), &cn));
  EXPECT_EQ(cn, "system:node:n1");
  EXPECT_THAT(CheckKubeletKubeconfig(conf, clock.Now() + std::chrono::hours(2)),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("expired")));
  joinguard::testing::RemoveTree(dir);
}

}  // namespace
}  // namespace joinguard::node::bootstrap
