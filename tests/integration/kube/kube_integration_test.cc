// common/kube against the sandbox API server: TLS, authentication, CRUD, subresources,
// paging, conflicts, retries, watch and events.
#include <set>
#include <thread>

#include "common/crypto/csr.h"
#include "common/crypto/key.h"
#include "common/files/atomic_file.h"
#include "common/kube/events.h"
#include "tests/integration/kube/fixture.h"

namespace joinguard::kube {
namespace {

using namespace std::chrono_literals;
using ::joinguard::testing::StatusIs;
using testing::CountingTransport;
using testing::Eventually;
using ::testing::HasSubstr;

class KubeClientTest : public testing::SandboxTest {};

std::string MakeCsrPem(const std::string& node) {
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcdsaP256);
  EXPECT_TRUE(key.ok()) << key.status();
  if (!key.ok()) return "";
  auto pem = crypto::BuildCsrPem(*key, crypto::CsrTemplate::ForKubeletClient(node));
  EXPECT_TRUE(pem.ok()) << pem.status();
  return pem.ok() ? *pem : "";
}

CertificateSigningRequest NodeCsr(const std::string& node) {
  CertificateSigningRequest csr;
  csr.metadata.generate_name = "csr-";
  csr.spec.request = MakeCsrPem(node);
  csr.spec.signer_name = "kubernetes.io/kube-apiserver-client-kubelet";
  csr.spec.usages = {"digital signature", "client auth"};
  return csr;
}

ConfigMap MakeConfigMap(const std::string& ns, const std::string& name) {
  ConfigMap cm;
  cm.metadata.namespace_ = ns;
  cm.metadata.name = name;
  cm.data["k"] = "v";
  return cm;
}

// ---- TLS and authentication -----------------------------------------------------------------

TEST_F(KubeClientTest, WrongCaFailsWithClearErrorAndNoRetry) {
  auto other = sandbox::Sandbox::Start(DefaultOptions());
  ASSERT_TRUE(other.ok()) << other.status();
  RestConfig rc = AdminConfig();
  rc.ca_pem = (*other)->ca_pem();  // the CA of ANOTHER cluster
  CountingTransport* counter = nullptr;
  ASSERT_OK_AND_ASSIGN(auto client, MakeClient(rc, &counter));
  auto r = client->Get<ConfigMap>("kube-public", "cluster-info");
  ASSERT_FALSE(r.ok());
  std::fprintf(stderr, "wrong CA: %s\n", r.status().ToString().c_str());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("certificate verify failed"));
  EXPECT_THAT(r.status().message(), HasSubstr("check the CA"));
  EXPECT_THAT(r.status().message(), HasSubstr(sandbox_->url()));
  EXPECT_EQ(counter->count("GET"), 1) << "a TLS verification failure is not retried";
}

TEST_F(KubeClientTest, WithoutTheClusterCaVerificationFails) {
  RestConfig rc = AdminConfig();
  rc.ca_pem.clear();  // the sandbox CA is in no system store; verification stays on
  ASSERT_OK_AND_ASSIGN(auto client, MakeClient(rc));
  EXPECT_THAT(client->Get<ConfigMap>("kube-public", "cluster-info"),
              StatusIs(StatusCode::kUnavailable, HasSubstr("certificate verify failed")));
}

TEST_F(KubeClientTest, AnonymousInsecureReadsClusterInfoOnly) {
  RestConfig rc = AnonymousInsecure(sandbox_->url());
  ASSERT_OK_AND_ASSIGN(auto client, MakeClient(rc));
  ASSERT_OK_AND_ASSIGN(ConfigMap cm, client->Get<ConfigMap>("kube-public", "cluster-info"));
  EXPECT_THAT(cm.data.at("kubeconfig"), HasSubstr(sandbox_->url()));
  EXPECT_TRUE(IsForbidden(client->List<Node>("").status()));
}

TEST_F(KubeClientTest, ClientCertificateIdentityReachesTheServer) {
  ASSERT_OK_AND_ASSIGN(auto pair, sandbox_->IssueClientCert("alice", {"system:masters"}));
  RestConfig rc = AdminConfig();
  rc.client_cert_pem = pair.first;
  rc.client_key_pem = pair.second;
  ASSERT_OK_AND_ASSIGN(auto client, MakeClient(rc));
  ASSERT_OK_AND_ASSIGN(auto created, client->Create(NodeCsr("worker-1")));
  EXPECT_EQ(created.spec.username, "alice");
  EXPECT_THAT(created.spec.groups, ::testing::Contains("system:masters"));
  EXPECT_THAT(created.metadata.name, ::testing::StartsWith("csr-"));
}

TEST_F(KubeClientTest, BearerTokensAuthenticate) {
  sandbox::TokenSpec token;
  token.id = "abcdef";
  token.secret = "0123456789abcdef";
  ASSERT_OK(sandbox_->CreateBootstrapToken(token));
  RestConfig rc = AdminConfig();
  rc.client_cert_pem.clear();
  rc.client_key_pem.clear();
  rc.bearer_token = "abcdef.0123456789abcdef";
  ASSERT_OK_AND_ASSIGN(auto client, MakeClient(rc));
  ASSERT_OK_AND_ASSIGN(auto created, client->Create(NodeCsr("worker-2")));
  EXPECT_EQ(created.spec.username, "system:bootstrap:abcdef");
  // The bootstrap user may not list nodes: 403 → IsForbidden, with the server's message.
  auto nodes = client->List<Node>("");
  EXPECT_TRUE(IsForbidden(nodes.status())) << nodes.status();
  EXPECT_THAT(nodes.status().message(), HasSubstr("system:bootstrap:abcdef"));

  rc.bearer_token = "abcdef.ffffffffffffffff";  // wrong secret
  ASSERT_OK_AND_ASSIGN(auto bad, MakeClient(rc));
  auto r = bad->Get<ConfigMap>("kube-public", "cluster-info");
  EXPECT_TRUE(IsUnauthorized(r.status())) << r.status();
}

TEST_F(KubeClientTest, ServiceAccountTokenFromFileIsReReadOnRotation) {
  ASSERT_OK(sandbox_->AddServiceAccountToken("kube-system", "joinguard", "sa-token-1"));
  ASSERT_OK(sandbox_->AddServiceAccountToken("kube-system", "joinguard", "sa-token-2"));
  char tmpl[] = "/tmp/jg-kube-it-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string token_file = std::string(tmpl) + "/token";
  ASSERT_OK(files::WriteFileAtomic(token_file, "sa-token-1\n", 0600));
  RestConfig rc = AdminConfig();
  rc.client_cert_pem.clear();
  rc.client_key_pem.clear();
  rc.bearer_token_file = token_file;
  ASSERT_OK_AND_ASSIGN(auto client, MakeClient(rc));
  // Authenticated as the service account (which has no RBAC grants): 403 naming the user.
  auto r = client->List<Node>("");
  EXPECT_TRUE(IsForbidden(r.status())) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("system:serviceaccount:kube-system:joinguard"));
  ASSERT_OK(files::WriteFileAtomic(token_file, "sa-token-2\n", 0600));
  EXPECT_TRUE(IsForbidden(client->List<Node>("").status()));
  ASSERT_OK(files::WriteFileAtomic(token_file, "not-a-valid-token\n", 0600));
  EXPECT_TRUE(IsUnauthorized(client->List<Node>("").status()));
}

// ---- CRUD -----------------------------------------------------------------------------------

TEST_F(KubeClientTest, ConfigMapCrud) {
  auto client = Admin();
  ASSERT_OK_AND_ASSIGN(ConfigMap created, client->Create(MakeConfigMap("default", "crud")));
  EXPECT_FALSE(created.metadata.resource_version.empty());
  EXPECT_FALSE(created.metadata.uid.empty());
  EXPECT_TRUE(IsAlreadyExists(client->Create(MakeConfigMap("default", "crud")).status()));

  ASSERT_OK_AND_ASSIGN(ConfigMap got, client->Get<ConfigMap>("default", "crud"));
  EXPECT_EQ(got.data.at("k"), "v");
  got.data["k2"] = "v2";
  ASSERT_OK_AND_ASSIGN(ConfigMap updated, client->Update(got));
  EXPECT_NE(updated.metadata.resource_version, got.metadata.resource_version);
  EXPECT_EQ(updated.data.at("k2"), "v2");

  // A stale update (old resourceVersion) conflicts.
  got.data["k3"] = "stale";
  auto stale = client->Update(got);
  EXPECT_TRUE(IsConflict(stale.status())) << stale.status();
  EXPECT_THAT(stale.status().message(), HasSubstr("the object has been modified"));

  ASSERT_OK_AND_ASSIGN(ConfigMap merged, client->Patch<ConfigMap>("default", "crud", PatchType::kMerge,
                                                                  {{"data", {{"k", nullptr}, {"m", "1"}}}}));
  EXPECT_EQ(merged.data.count("k"), 0u);
  EXPECT_EQ(merged.data.at("m"), "1");
  ASSERT_OK_AND_ASSIGN(
      ConfigMap patched,
      client->Patch<ConfigMap>("default", "crud", PatchType::kJson,
                               Json::array({{{"op", "add"}, {"path", "/data/j"}, {"value", "2"}}})));
  EXPECT_EQ(patched.data.at("j"), "2");

  ASSERT_OK(client->Delete<ConfigMap>("default", "crud"));
  EXPECT_TRUE(IsNotFound(client->Get<ConfigMap>("default", "crud").status()));
  EXPECT_TRUE(IsNotFound(client->Delete<ConfigMap>("default", "crud")));
}

TEST_F(KubeClientTest, GenerateNameAndSelectors) {
  auto client = Admin();
  for (int i = 0; i < 3; ++i) {
    ConfigMap cm;
    cm.metadata.namespace_ = "default";
    cm.metadata.generate_name = "gen-";
    cm.metadata.labels["tier"] = i == 0 ? "db" : "web";
    ASSERT_OK_AND_ASSIGN(auto c, client->Create(cm));
    EXPECT_THAT(c.metadata.name, ::testing::StartsWith("gen-"));
    EXPECT_GT(c.metadata.name.size(), 4u);
  }
  ListOptions lo;
  lo.label_selector = "tier=web";
  ASSERT_OK_AND_ASSIGN(auto web, client->List<ConfigMap>("default", lo));
  EXPECT_EQ(web.items.size(), 2u);
  lo.label_selector = "tier!=web,tier";
  ASSERT_OK_AND_ASSIGN(auto db, client->List<ConfigMap>("default", lo));
  EXPECT_EQ(db.items.size(), 1u);
}

TEST_F(KubeClientTest, CsrApprovalAndStatusSubresources) {
  auto client = Admin();
  ASSERT_OK_AND_ASSIGN(auto csr, client->Create(NodeCsr("worker-9")));
  // Field selector on the CSR name (as kubelet's wait does).
  ListOptions lo;
  lo.field_selector = "metadata.name=" + csr.metadata.name;
  ASSERT_OK_AND_ASSIGN(auto one, client->List<CertificateSigningRequest>("", lo));
  ASSERT_EQ(one.items.size(), 1u);

  CertificateSigningRequestCondition approved;
  approved.type = "Approved";
  approved.status = "True";
  approved.reason = "JoinguardApprove";
  approved.message = "test";
  csr.status.conditions.push_back(approved);
  ASSERT_OK_AND_ASSIGN(auto after, client->UpdateApproval(csr));
  EXPECT_TRUE(IsApproved(after));
  ASSERT_NE(FindCondition(after, "Approved"), nullptr);
  EXPECT_TRUE(FindCondition(after, "Approved")->last_update_time.has_value());

  // Approved and Denied are mutually exclusive: 422 Invalid.
  CertificateSigningRequestCondition denied = approved;
  denied.type = "Denied";
  after.status.conditions.push_back(denied);
  auto invalid = client->UpdateApproval(after);
  EXPECT_TRUE(IsInvalid(invalid.status())) << invalid.status();

  // A stale resourceVersion on the subresource conflicts.
  auto stale = client->UpdateApproval(csr);
  EXPECT_TRUE(IsConflict(stale.status())) << stale.status();

  // Failed condition through /status.
  ASSERT_OK_AND_ASSIGN(auto fresh, client->Get<CertificateSigningRequest>("", csr.metadata.name));
  CertificateSigningRequestCondition failed;
  failed.type = "Failed";
  failed.status = "True";
  failed.reason = "SignerError";
  failed.message = "test";
  fresh.status.conditions.push_back(failed);
  ASSERT_OK_AND_ASSIGN(auto with_failed, client->UpdateStatus(fresh));
  EXPECT_TRUE(IsFailed(with_failed));
  EXPECT_TRUE(IsApproved(with_failed));

  // Approval of a missing CSR: 404.
  CertificateSigningRequest missing = csr;
  missing.metadata.name = "does-not-exist";
  missing.metadata.resource_version.clear();
  EXPECT_TRUE(IsNotFound(client->UpdateApproval(missing).status()));

  // Invalid create (no usages) is 422 with the field in the message.
  CertificateSigningRequest bad = NodeCsr("worker-10");
  bad.spec.usages.clear();
  auto created = client->Create(bad);
  EXPECT_TRUE(IsInvalid(created.status())) << created.status();
  EXPECT_THAT(created.status().message(), HasSubstr("spec.usages"));

  ASSERT_OK(client->Delete<CertificateSigningRequest>("", csr.metadata.name));
}

TEST_F(KubeClientTest, SubjectAccessReviewAndBindingLookup) {
  auto client = Admin();
  SubjectAccessReview sar;
  sar.resource_attributes =
      ResourceAttributes{"kube-public", "get", "", "v1", "configmaps", "", "cluster-info"};
  sar.user = "system:anonymous";
  sar.groups = {"system:unauthenticated"};
  ASSERT_OK_AND_ASSIGN(auto allowed, client->CreateSubjectAccessReview(sar));
  EXPECT_TRUE(allowed.allowed);
  sar.resource_attributes->verb = "delete";
  ASSERT_OK_AND_ASSIGN(auto denied, client->CreateSubjectAccessReview(sar));
  EXPECT_FALSE(denied.allowed);

  ASSERT_OK_AND_ASSIGN(auto crb, client->Get<ClusterRoleBinding>("", "kubeadm:node-autoapprove-bootstrap"));
  EXPECT_EQ(crb.role_ref.kind, "ClusterRole");
  EXPECT_TRUE(IsNotFound(client->Get<ClusterRoleBinding>("", "no-such-binding").status()));
}

TEST_F(KubeClientTest, LeaseUnknownFieldsSurviveReadModifyWrite) {
  auto client = Admin();
  Json lease = {
      {"apiVersion", "coordination.k8s.io/v1"},
      {"kind", "Lease"},
      {"metadata", {{"name", "l1"}, {"namespace", "default"}}},
      {"spec",
       {{"holderIdentity", "a"}, {"leaseDurationSeconds", 15}, {"strategy", "OldestEmulationVersion"}}}};
  ASSERT_OK(client->CreateRaw(resources::kLeases, "default", lease));
  ASSERT_OK_AND_ASSIGN(Lease l, client->Get<Lease>("default", "l1"));
  l.spec.holder_identity = "b";
  l.spec.renew_time = Time(std::chrono::seconds(1'800'000'000)) + 123456us;
  ASSERT_OK_AND_ASSIGN(Lease updated, client->Update(l));
  EXPECT_EQ(updated.spec.holder_identity, "b");
  EXPECT_EQ(updated.spec.strategy, "OldestEmulationVersion");
  ASSERT_OK_AND_ASSIGN(
      Json raw, sandbox_->GetObjectForTest("/apis/coordination.k8s.io/v1/namespaces/default/leases/l1"));
  EXPECT_EQ(raw["spec"]["renewTime"], "2027-01-15T08:00:00.123456Z");
  // Lease requires a resourceVersion on update (AllowUnconditionalUpdate=false).
  Lease no_rv = updated;
  no_rv.metadata.resource_version.clear();
  no_rv.raw = Json();
  EXPECT_TRUE(IsInvalid(client->Update(no_rv).status()));
}

// ---- Paging ---------------------------------------------------------------------------------

TEST_F(KubeClientTest, PagesOver1200Objects) {
  for (int i = 0; i < 1200; ++i) {
    Json cm = {{"apiVersion", "v1"},
               {"kind", "ConfigMap"},
               {"metadata", {{"name", "p-" + std::to_string(i)}, {"namespace", "paging"}}},
               {"data", {{"i", std::to_string(i)}}}};
    ASSERT_OK(sandbox_->CreateObjectForTest("/api/v1/namespaces/paging/configmaps", cm));
  }
  CountingTransport* counter = nullptr;
  ASSERT_OK_AND_ASSIGN(auto client, MakeClient(AdminConfig(), &counter));
  ListOptions lo;
  lo.limit = 100;
  ASSERT_OK_AND_ASSIGN(auto all, client->List<ConfigMap>("paging", lo));
  ASSERT_EQ(all.items.size(), 1200u);
  std::set<std::string> names;
  for (const auto& cm : all.items) names.insert(cm.metadata.name);
  EXPECT_EQ(names.size(), 1200u) << "no duplicates across pages";
  EXPECT_GE(counter->count("GET"), 12);
  EXPECT_FALSE(all.resource_version.empty());

  // Page by page by hand: every page but the last carries a continue token.
  ListOptions page;
  page.limit = 500;
  ASSERT_OK_AND_ASSIGN(Json p1, client->ListRaw(resources::kConfigMaps, "paging", page));
  EXPECT_EQ(p1["items"].size(), 500u);
  EXPECT_FALSE(p1["metadata"].value("continue", "").empty());
}

// ---- Retries ----------------------------------------------------------------------------------

TEST_F(KubeClientTest, Injected503IsRetriedForGetButNotForPost) {
  RestConfig rc = AdminConfig();
  rc.max_retries = 3;
  CountingTransport* counter = nullptr;
  ASSERT_OK_AND_ASSIGN(auto client, MakeClient(rc, &counter));
  ASSERT_OK(client->Create(MakeConfigMap("faults", "x")));
  sandbox::FaultRule rule;
  rule.path_prefix = "/api/v1/namespaces/faults/configmaps";
  rule.status = 503;
  rule.fraction = 1.0;
  sandbox_->AddFault(rule);
  counter->Reset();
  auto got = client->Get<ConfigMap>("faults", "x");
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable) << got.status();
  EXPECT_EQ(counter->count("GET"), 1 + rc.max_retries);
  auto created = client->Create(MakeConfigMap("faults", "y"));
  EXPECT_EQ(created.status().code(), StatusCode::kUnavailable) << created.status();
  EXPECT_EQ(counter->count("POST"), 1) << "a POST is never retried silently";
  sandbox_->ClearFaults();
  EXPECT_TRUE(IsNotFound(client->Get<ConfigMap>("faults", "y").status()));
  ASSERT_OK(client->Get<ConfigMap>("faults", "x"));
}

TEST_F(KubeClientTest, PerRequestTimeoutIsDeadlineExceeded) {
  RestConfig rc = AdminConfig();
  rc.timeout = 500ms;
  rc.max_retries = 0;
  ASSERT_OK_AND_ASSIGN(auto client, MakeClient(rc));
  sandbox::FaultRule slow;
  slow.path_prefix = "/api/v1/namespaces/quiet/configmaps";
  slow.status = 200;  // latency only
  slow.latency = 5s;
  sandbox_->AddFault(slow);
  const auto start = std::chrono::steady_clock::now();
  auto r = client->Get<ConfigMap>("quiet", "x");
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status();
  EXPECT_TRUE(IsServerTimeout(r.status()));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  sandbox_->ClearFaults();
}

// ---- Watch ----------------------------------------------------------------------------------

TEST_F(KubeClientTest, WatchStreamsEventsAsTheyHappenAndCancels) {
  auto client = Admin();
  ASSERT_OK_AND_ASSIGN(auto start, client->ListRaw(resources::kConfigMaps, "watch", {}));
  ListOptions lo;
  lo.resource_version = start["metadata"]["resourceVersion"].get<std::string>();
  lo.timeout_seconds = 120;
  std::mutex mu;
  std::vector<std::pair<WatchEventType, std::string>> seen;
  Status result;
  // jthread: an early ASSERT return still stops and joins the watcher.
  std::jthread watcher([&](std::stop_token stop) {
    result = client->Watch<ConfigMap>(
        "watch", lo,
        [&](WatchEventType t, const ConfigMap& cm) {
          std::lock_guard<std::mutex> l(mu);
          seen.emplace_back(t, cm.metadata.name);
          return OkStatus();
        },
        stop);
  });
  auto count = [&] {
    std::lock_guard<std::mutex> l(mu);
    return seen.size();
  };
  // Each event arrives while the stream is still open (not buffered to the end).
  ASSERT_OK(client->Create(MakeConfigMap("watch", "w1")));
  ASSERT_TRUE(Eventually([&] { return count() >= 1; }, 10s));
  ASSERT_OK(client->Patch<ConfigMap>("watch", "w1", PatchType::kMerge, {{"data", {{"x", "1"}}}}));
  ASSERT_TRUE(Eventually([&] { return count() >= 2; }, 10s));
  ASSERT_OK(client->Delete<ConfigMap>("watch", "w1"));
  ASSERT_TRUE(Eventually([&] { return count() >= 3; }, 10s));
  const auto cancel_at = std::chrono::steady_clock::now();
  watcher.request_stop();
  watcher.join();
  EXPECT_LT(std::chrono::steady_clock::now() - cancel_at, 5s);
  EXPECT_EQ(result.code(), StatusCode::kCancelled) << result;
  std::lock_guard<std::mutex> l(mu);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].first, WatchEventType::kAdded);
  EXPECT_EQ(seen[1].first, WatchEventType::kModified);
  EXPECT_EQ(seen[2].first, WatchEventType::kDeleted);
}

TEST_F(KubeClientTest, WatchEndsNormallyAtTimeoutSeconds) {
  auto client = Admin();
  ListOptions lo;
  lo.timeout_seconds = 1;
  const auto start = std::chrono::steady_clock::now();
  Status s =
      client->WatchRaw(resources::kConfigMaps, "quiet", lo, [](const WatchEvent&) { return OkStatus(); }, {});
  EXPECT_OK(s);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 30s);
}

TEST_F(KubeClientTest, ForcedGoneArrivesAsIsGone) {
  auto client = Admin();
  sandbox_->ForceGoneOnNextWatch();
  ListOptions lo;
  lo.resource_version = "1";
  lo.timeout_seconds = 30;
  Status s =
      client->WatchRaw(resources::kConfigMaps, "gone", lo, [](const WatchEvent&) { return OkStatus(); }, {});
  EXPECT_TRUE(IsGone(s)) << s;
}

// ---- Events ---------------------------------------------------------------------------------

TEST_F(KubeClientTest, EventRecorderAggregatesRepeats) {
  auto client = Admin();
  ASSERT_OK_AND_ASSIGN(auto csr, client->Create(NodeCsr("worker-ev")));
  EventRecorderOptions eo;
  eo.source = {"joinguard-controller", "cp-1"};
  EventRecorderImpl recorder(*client, eo, clock_, logger_);
  const ObjectReference ref = ReferenceTo(csr);
  recorder.Record(ref, kEventTypeWarning, "Denied", "node name mismatch");
  recorder.Record(ref, kEventTypeWarning, "Denied", "node name mismatch");
  recorder.Record(ref, kEventTypeWarning, "Denied", "node name mismatch");
  recorder.Record(ref, kEventTypeNormal, "Approved", "ok");
  ASSERT_TRUE(recorder.Flush(std::chrono::seconds(30)));  // Record() only queues
  ASSERT_OK_AND_ASSIGN(auto events, client->List<Event>("default"));
  std::map<std::string, Event> by_reason;
  for (const auto& e : events.items) {
    if (e.involved_object.name == csr.metadata.name) by_reason[e.reason] = e;
  }
  ASSERT_EQ(by_reason.size(), 2u);
  EXPECT_EQ(by_reason["Denied"].count, 3);
  EXPECT_EQ(by_reason["Denied"].type, "Warning");
  EXPECT_EQ(by_reason["Denied"].involved_object.kind, "CertificateSigningRequest");
  EXPECT_EQ(by_reason["Denied"].source.component, "joinguard-controller");
  EXPECT_TRUE(by_reason["Denied"].last_timestamp.has_value());
  EXPECT_EQ(by_reason["Approved"].count, 1);
  EXPECT_THAT(by_reason["Approved"].metadata.name, HasSubstr(csr.metadata.name + "."));

  // Best effort: an API failure is logged, not thrown or returned.
  sandbox::FaultRule rule;
  rule.path_prefix = "/api/v1/namespaces/default/events";
  rule.status = 500;
  sandbox_->AddFault(rule);
  recorder.Record(ref, kEventTypeNormal, "Other", "dropped");
  ASSERT_TRUE(recorder.Flush(std::chrono::seconds(30)));
  sandbox_->ClearFaults();
}

}  // namespace
}  // namespace joinguard::kube
