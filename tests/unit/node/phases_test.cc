// The whole join workflow in-process against an in-memory API server: files written and their
// modes, idempotence, rollback after failures, dry run, the Ready-node refusal.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>

#include "common/crypto/cert.h"
#include "common/crypto/csr.h"
#include "common/crypto/encoding.h"
#include "common/crypto/jws.h"
#include "common/crypto/key.h"
#include "common/crypto/pin.h"
#include "common/files/atomic_file.h"
#include "common/kube/kubeconfig.h"
#include "common/runtime/clock.h"
#include "node-helper/output/reason.h"
#include "node-helper/phases/hints.h"
#include "node-helper/phases/kubelet_start.h"
#include "node-helper/phases/runner.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/unimplemented_client.h"
#include "tests/testing/node_test_values.h"

namespace joinguard::node::phases {
namespace {

using ::joinguard::testing::kTestToken;
using ::joinguard::testing::ReadAllFromStart;

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kTokenId[] = "abcdef";

enum class Decision { kApprove, kDeny, kNone };

// Just enough of an API server for one join: cluster-info, kubelet-config, nodes and CSRs.
struct FakeApi {
  std::mutex mu;  // guards everything below
  crypto::PrivateKey ca_key;
  crypto::Certificate ca;
  std::string cluster_info;
  std::map<std::string, kube::Json> nodes;
  std::map<std::string, kube::Json> csrs;
  bool kubelet_config = true;
  std::string kubelet_config_yaml = "kind: KubeletConfiguration\nhealthzPort: 10248\n";
  std::string cluster_name = "kubernetes";
  Decision decision = Decision::kApprove;
  std::vector<kube::RestConfig> clients;

  static std::unique_ptr<FakeApi> Make() {
    auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcdsaP256);
    auto ca = crypto::CreateSelfSignedCa(*key, "kubernetes", std::chrono::hours(24),
                                         std::chrono::system_clock::now());
    auto api = std::unique_ptr<FakeApi>(
        new FakeApi{{}, *std::move(key), *std::move(ca), {}, {}, {}, true, "", "", Decision::kApprove, {}});
    api->kubelet_config_yaml = "kind: KubeletConfiguration\nhealthzPort: 10248\n";
    api->cluster_name = "kubernetes";
    kube::KubeconfigCluster cluster;
    cluster.server = "https://cp.example:6443";
    cluster.certificate_authority_data = api->ca.ToPem();
    kube::Kubeconfig info;
    info.clusters.push_back({"", cluster});
    api->cluster_info = kube::SerializeKubeconfig(info);
    return api;
  }
  std::string Pin() { return crypto::SpkiPin(ca); }
  kube::Json Decide(kube::Json csr) {
    if (decision == Decision::kNone) return csr;
    if (decision == Decision::kDeny) {
      csr["status"]["conditions"] = kube::Json::array({{{"type", "Denied"},
                                                        {"status", "True"},
                                                        {"reason", "NodePolicy"},
                                                        {"message", "node name not allowed"}}});
      return csr;
    }
    auto req =
        crypto::ParsedCsr::FromPem(crypto::Base64Decode(csr["spec"]["request"].get<std::string>()).value());
    crypto::CertificateProfile profile;
    profile.validity = std::chrono::hours(1);
    profile.usages = {"digital signature", "client auth"};
    auto cert = crypto::SignCsr(*req, ca, ca_key, profile, std::chrono::system_clock::now());
    csr["status"]["conditions"] = kube::Json::array(
        {{{"type", "Approved"}, {"status", "True"}, {"reason", "AutoApproved"}, {"message", "ok"}}});
    csr["status"]["certificate"] = crypto::Base64Encode(cert->ToPem());
    return csr;
  }
};

class FakeApiClient : public ::joinguard::testing::UnimplementedClient {
 public:
  FakeApiClient(FakeApi* api, kube::RestConfig rest) : api_(api), rest_(std::move(rest)) {}
  StatusOr<kube::Json> GetRaw(const kube::Resource& r, std::string_view ns, std::string_view name,
                              std::string_view) override {
    std::lock_guard<std::mutex> l(api_->mu);
    if (r.plural == "configmaps" && ns == "kube-public" && name == "cluster-info") {
      return kube::Json{{"metadata", {{"name", "cluster-info"}}},
                        {"data",
                         {{"kubeconfig", api_->cluster_info},
                          {std::string("jws-kubeconfig-") + kTokenId,
                           crypto::ComputeDetachedJws(api_->cluster_info, kTokenId, "0123456789abcdef")}}}};
    }
    if (r.plural == "configmaps" && ns == "kube-system" && name == "kubelet-config" && api_->kubelet_config) {
      return kube::Json{{"metadata", {{"name", "kubelet-config"}}},
                        {"data", {{"kubelet", api_->kubelet_config_yaml}}}};
    }
    if (r.plural == "configmaps" && ns == "kube-system" && name == "kubeadm-config") {
      return kube::Json{{"metadata", {{"name", "kubeadm-config"}}},
                        {"data",
                         {{"ClusterConfiguration",
                           "apiVersion: kubeadm.k8s.io/v1beta4\nkind: "
                           "ClusterConfiguration\nkubernetesVersion: v1.34.0\nclusterName: " +
                               api_->cluster_name + "\n"}}}};
    }
    if (r.plural == "nodes" && api_->nodes.count(std::string(name)) > 0)
      return api_->nodes[std::string(name)];
    if (r.plural == "certificatesigningrequests" && api_->csrs.count(std::string(name)) > 0)
      return api_->csrs[std::string(name)];
    return NotFoundError(std::string(r.plural) + " \"" + std::string(name) + "\" not found")
        .WithReason("NotFound", 404);
  }
  StatusOr<kube::Json> ListRaw(const kube::Resource&, std::string_view, const kube::ListOptions& o) override {
    std::lock_guard<std::mutex> l(api_->mu);
    kube::Json items = kube::Json::array();
    std::string name = o.field_selector.substr(std::string("metadata.name=").size());
    if (api_->csrs.count(name) > 0) items.push_back(api_->csrs[name]);
    return kube::Json{{"metadata", {{"resourceVersion", "5"}}}, {"items", items}};
  }
  StatusOr<kube::Json> CreateRaw(const kube::Resource& r, std::string_view, const kube::Json& obj,
                                 std::string_view) override {
    std::lock_guard<std::mutex> l(api_->mu);
    if (r.plural != "certificatesigningrequests") return UnimplementedError("create");
    kube::Json csr = obj;
    std::string name = csr["metadata"]["name"];
    if (api_->csrs.count(name) > 0) return AlreadyExistsError("exists").WithReason("AlreadyExists", 409);
    csr["metadata"]["uid"] = "uid-" + name;
    api_->csrs[name] = api_->Decide(csr);
    return csr;
  }
  Status WatchRaw(const kube::Resource&, std::string_view, const kube::ListOptions&,
                  const kube::WatchHandler&, std::stop_token) override {
    return OkStatus();  // nothing changes while we wait: the server just closes the watch
  }

 private:
  FakeApi* api_;
  kube::RestConfig rest_;
};

// Every regular file and symlink under `root`, relative.
std::vector<std::string> Tree(const std::string& root) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (!e.is_directory()) out.push_back(e.path().lexically_relative(root).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

mode_t Mode(const std::string& path) {
  struct stat st {};
  stat(path.c_str(), &st);
  return st.st_mode & 0777;
}

class JoinWorkflowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    api_ = FakeApi::Make();
    root_ = joinguard::testing::MakeTempDir("node-join-");
    dry_run_dir_ = joinguard::testing::MakeTempDir("node-join-dryrun-");
    out_file_ = std::tmpfile();
    printer_ = std::make_unique<Printer>(out_file_, out_file_);
  }
  void TearDown() override {
    std::fclose(out_file_);
    joinguard::testing::RemoveTree(root_);
    joinguard::testing::RemoveTree(dry_run_dir_);
  }
  config::JoinSettings Settings() {
    config::JoinSettings s;
    s.cfg.discovery.bootstrap_token =
        config::BootstrapTokenDiscovery{kTestToken, "10.0.0.1:6443", {api_->Pin()}, false};
    s.cfg.node_registration.name = "node-1";
    config::SetDefaults(&s.cfg);
    s.cfg.timeouts.tls_bootstrap = std::chrono::seconds(3);
    s.root_dir = root_;
    s.kubelet_restart_command = "true";
    return s;
  }
  std::optional<PhaseFailure> Join(const config::JoinSettings& s, std::string_view only = {},
                                   JoinOptions options = {}) {
    JoinEnv env;
    env.clock = &clock_;
    env.out = printer_.get();
    env.wait = [this](runtime::Duration d) { clock_.Advance(d); };
    env.new_client = [this](const kube::RestConfig& rest) -> StatusOr<std::unique_ptr<kube::Client>> {
      api_->clients.push_back(rest);
      return std::unique_ptr<kube::Client>(new FakeApiClient(api_.get(), rest));
    };
    env.run_command = [this](const std::string& cmd) -> StatusOr<int> {
      restarts_.push_back(cmd);
      return 0;
    };
    env.probe = [this](const std::string& url) -> StatusOr<int> {
      probes_.push_back(url);
      return healthz_status_;
    };
    if (options.dry_run_dir.empty() && s.cfg.dry_run) options.dry_run_dir = dry_run_dir_;
    JoinContext ctx(s, env, options);
    return RunJoin(ctx, only);
  }
  std::unique_ptr<FakeApi> api_;
  std::string root_;
  std::FILE* out_file_ = nullptr;
  std::unique_ptr<Printer> printer_;
  runtime::FakeClock clock_{std::chrono::system_clock::now()};
  std::vector<std::string> restarts_;
  std::vector<std::string> probes_;
  StatusOr<int> healthz_status_ = 200;
  std::string dry_run_dir_;
};

TEST_F(JoinWorkflowTest, JoinsAndWritesTheKubeletFiles) {
  auto failure = Join(Settings());
  ASSERT_FALSE(failure.has_value()) << failure->phase << ": " << failure->status;
  auto tree = Tree(root_);
  EXPECT_THAT(tree, ::testing::Contains("etc/kubernetes/kubelet.conf"));
  EXPECT_THAT(tree, ::testing::Contains("etc/kubernetes/pki/ca.crt"));
  EXPECT_THAT(tree, ::testing::Contains("var/lib/kubelet/config.yaml"));
  EXPECT_THAT(tree, ::testing::Contains("var/lib/kubelet/kubeadm-flags.env"));
  EXPECT_THAT(tree, ::testing::Contains("var/lib/kubelet/pki/kubelet-client-current.pem"));
  EXPECT_THAT(tree, Not(::testing::Contains("etc/kubernetes/bootstrap-kubelet.conf")));
  EXPECT_THAT(tree, Not(::testing::Contains("var/lib/kubelet/pki/kubelet-client.key.tmp")));
  EXPECT_EQ(Mode(root_ + "/etc/kubernetes/kubelet.conf"), 0600u);
  EXPECT_EQ(Mode(root_ + "/var/lib/kubelet/pki/kubelet-client-current.pem"), 0600u);
  EXPECT_EQ(Mode(root_ + "/etc/kubernetes/pki/ca.crt"), 0644u);
  EXPECT_EQ(*files::ReadFile(root_ + "/etc/kubernetes/pki/ca.crt"), api_->ca.ToPem());
  auto kubelet_conf = files::ReadFile(root_ + "/etc/kubernetes/kubelet.conf");
  EXPECT_THAT(*kubelet_conf,
              HasSubstr("server: https://cp.example:6443\n"));  // cluster-info's, not the CLI's
  EXPECT_THAT(*kubelet_conf,
              HasSubstr("client-certificate: " + root_ + "/var/lib/kubelet/pki/kubelet-client-current.pem"));
  EXPECT_THAT(restarts_, ::testing::ElementsAre("true"));
  // The CSR: deterministic node-csr- name, created with the bootstrap token.
  ASSERT_EQ(api_->csrs.size(), 1u);
  EXPECT_EQ(api_->csrs.begin()->first.rfind("node-csr-", 0), 0u);
  EXPECT_EQ(api_->clients.back().bearer_token, kTestToken);
  const std::string out = ReadAllFromStart(out_file_);
  EXPECT_THAT(out,
              HasSubstr("Waiting for the certificate signing request \"" + api_->csrs.begin()->first + "\""));
  EXPECT_THAT(out, HasSubstr("This node has joined the cluster"));
  EXPECT_THAT(out, Not(HasSubstr("0123456789abcdef")));  // the token secret is never printed

  // Second run: kubelet.conf is valid → nothing to do, nothing requested.
  auto again = Join(Settings());
  EXPECT_FALSE(again.has_value());
  EXPECT_EQ(api_->csrs.size(), 1u);
  EXPECT_THAT(ReadAllFromStart(out_file_), HasSubstr("this node has already joined, nothing to do"));
}

TEST_F(JoinWorkflowTest, DeniedCsrLeavesNoKeyMaterial) {
  api_->decision = Decision::kDeny;
  auto failure = Join(Settings());
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->phase, "tls-bootstrap");
  EXPECT_EQ(failure->status.message(),
            "certificate signing request is denied, reason: NodePolicy, message: node name not allowed");
  EXPECT_THAT(Tree(root_), IsEmpty());
  EXPECT_THAT(restarts_, IsEmpty());
}

TEST_F(JoinWorkflowTest, ApprovalTimeoutLeavesNoKeyMaterial) {
  api_->decision = Decision::kNone;
  auto failure = Join(Settings());
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->status.code(), StatusCode::kDeadlineExceeded);
  EXPECT_THAT(failure->status.message(), HasSubstr("kubectl certificate approve node-csr-"));
  EXPECT_THAT(Tree(root_), IsEmpty());
}

TEST_F(JoinWorkflowTest, RefusesTheNameOfAReadyNode) {
  api_->nodes["node-1"] = {
      {"metadata", {{"name", "node-1"}}},
      {"status", {{"conditions", kube::Json::array({{{"type", "Ready"}, {"status", "True"}}})}}}};
  auto failure = Join(Settings());
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->phase, "kubelet-start");
  EXPECT_EQ(
      failure->status.message(),
      "a Node with name \"node-1\" and status \"Ready\" already exists in the cluster. You must delete the "
      "existing Node or change the name of this new joining Node");
  EXPECT_THAT(Tree(root_), IsEmpty());  // bootstrap-kubelet.conf and ca.crt were removed again
  EXPECT_TRUE(api_->csrs.empty());
}

TEST_F(JoinWorkflowTest, NotReadyNodeOfTheSameNameIsAccepted) {
  api_->nodes["node-1"] = {
      {"metadata", {{"name", "node-1"}}},
      {"status", {{"conditions", kube::Json::array({{{"type", "Ready"}, {"status", "False"}}})}}}};
  EXPECT_FALSE(Join(Settings()).has_value());
}

// kubeadm's dry run: the files go to a temporary directory and config.yaml/kubeadm-flags.env are
// printed; nothing under the real root, no CSR, no kubelet restart. The old code wrote nothing
// at all and printed "Would write" lines only.
TEST_F(JoinWorkflowTest, DryRunWritesIntoTheDryRunDirectoryAndPrintsTheFiles) {
  auto s = Settings();
  s.cfg.dry_run = true;
  EXPECT_FALSE(Join(s).has_value());
  EXPECT_THAT(Tree(root_), IsEmpty());
  EXPECT_TRUE(api_->csrs.empty());
  EXPECT_THAT(restarts_, IsEmpty());
  EXPECT_THAT(probes_, IsEmpty());
  EXPECT_THAT(Tree(dry_run_dir_),
              ::testing::IsSupersetOf({"etc/kubernetes/bootstrap-kubelet.conf", "etc/kubernetes/pki/ca.crt",
                                       "var/lib/kubelet/config.yaml", "var/lib/kubelet/kubeadm-flags.env"}));
  EXPECT_EQ(Mode(dry_run_dir_ + "/etc/kubernetes/bootstrap-kubelet.conf"), 0600u);
  const std::string out = ReadAllFromStart(out_file_);
  EXPECT_THAT(out, HasSubstr("[dryrun] Wrote certificates and kubeconfig files to the \"" + dry_run_dir_ +
                             "\" directory"));
  EXPECT_THAT(
      out,
      HasSubstr(
          "[dryrun] Would write file \"" + root_ +
          "/var/lib/kubelet/config.yaml\" with content:\n\tapiVersion: kubelet.config.k8s.io/v1beta1\n"));
  EXPECT_THAT(out, HasSubstr("[dryrun] Would write file \"" + root_ +
                             "/var/lib/kubelet/kubeadm-flags.env\" with content:\n\tKUBELET_KUBEADM_ARGS="));
  EXPECT_THAT(out, HasSubstr("[dryrun] Would create CertificateSigningRequest \"node-csr-"));
  EXPECT_THAT(
      out,
      HasSubstr(
          "[dryrun] Would make sure the kubelet \"http://127.0.0.1:10248/healthz\" endpoint is healthy"));
  EXPECT_THAT(out, Not(HasSubstr("0123456789abcdef")));  // the bootstrap kubeconfig is not printed
}

// The cluster name from kube-system/kubeadm-config names the cluster of bootstrap-kubelet.conf;
// the context keeps its name (kubeadm's fetchInitConfigurationFromJoinConfiguration). The old
// code never read kubeadm-config on a worker.
TEST_F(JoinWorkflowTest, ClusterNameFromKubeadmConfig) {
  api_->cluster_name = "prod";
  auto s = Settings();
  s.skip_phases = {"tls-bootstrap"};
  ASSERT_FALSE(Join(s).has_value());
  auto kc = kube::LoadKubeconfigFile(root_ + "/etc/kubernetes/bootstrap-kubelet.conf");
  ASSERT_OK(kc);
  ASSERT_EQ(kc->clusters.size(), 1u);
  EXPECT_EQ(kc->clusters[0].name, "prod");
  EXPECT_EQ(kc->current_context, "tls-bootstrap-token-user@kubernetes");
  EXPECT_EQ(kc->FindContext(kc->current_context)->cluster, "prod");
  EXPECT_THAT(
      ReadAllFromStart(out_file_),
      HasSubstr("[preflight] Reading configuration from the \"kubeadm-config\" ConfigMap in namespace "
                "\"kube-system\"..."));
}

// config.yaml is kubeadm's, not a copy: defaults filled, rotation forced, patches applied; the
// health wait goes to the patched healthz endpoint.
TEST_F(JoinWorkflowTest, KubeletConfigIsAdjustedAndPatched) {
  api_->kubelet_config_yaml =
      "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
      "rotateCertificates: false\n";
  const std::string patches = root_ + "-patches";
  ASSERT_OK(
      files::WriteFileAtomic(patches + "/kubeletconfiguration+merge.yaml", "healthzPort: 12345\n", 0644));
  auto s = Settings();
  s.cfg.patches_directory = patches;
  auto failure = Join(s);
  joinguard::testing::RemoveTree(patches);
  ASSERT_FALSE(failure.has_value()) << failure->status;
  auto yaml = files::ReadFile(root_ + "/var/lib/kubelet/config.yaml");
  ASSERT_OK(yaml);
  EXPECT_THAT(*yaml, HasSubstr("rotateCertificates: true"));
  EXPECT_THAT(*yaml, HasSubstr("healthzPort: 12345"));
  EXPECT_THAT(*yaml, HasSubstr("clusterDNS:\n  - \"10.96.0.10\""));
  EXPECT_THAT(probes_, ::testing::ElementsAre("http://127.0.0.1:12345/healthz"));
  const std::string out = ReadAllFromStart(out_file_);
  EXPECT_THAT(out, HasSubstr("[patches] Applied patch of type \"application/merge-patch+json\" to target "
                             "\"kubeletconfiguration\""));
  EXPECT_THAT(out,
              HasSubstr("[kubelet-check] Waiting for a healthy kubelet at http://127.0.0.1:12345/healthz. "
                        "This can take up to 4m0s"));
  EXPECT_THAT(out, HasSubstr("[kubelet-check] The kubelet is healthy after "));
}

// The kubelet health wait is bounded (timeouts.kubeletHealthCheck), names kubeadm's fix, and
// keeps the node's credentials (the CSR was approved; removing them would strand it).
TEST_F(JoinWorkflowTest, UnhealthyKubeletTimesOutWithKubeadmsTroubleshooting) {
  healthz_status_ = 500;
  auto s = Settings();
  s.cfg.timeouts.kubelet_health_check = std::chrono::seconds(3);
  auto failure = Join(s);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->phase, "kubelet-start");
  EXPECT_EQ(JoinReasonOf(failure->status), JoinReason::kKubeletUnhealthy);
  EXPECT_THAT(
      failure->status.message(),
      HasSubstr(
          "The HTTP call equal to 'curl -sSL http://127.0.0.1:10248/healthz' returned status code: 500"));
  EXPECT_THAT(failure->status.message(), HasSubstr("--skip-kubelet-health-check"));
  EXPECT_GE(probes_.size(), 6u);  // every 500ms for 3s (fake clock)
  EXPECT_LE(probes_.size(), 8u);
  EXPECT_THAT(ReadAllFromStart(out_file_), HasSubstr("\t- 'journalctl -xeu kubelet'"));
  EXPECT_THAT(Tree(root_), ::testing::Contains("etc/kubernetes/kubelet.conf"));

  // A probe that cannot connect gives kubeadm's "returned error" text.
  joinguard::testing::RemoveTree(root_);
  root_ = joinguard::testing::MakeTempDir("node-join-");
  healthz_status_ = UnavailableError("connection refused");
  s.root_dir = root_;
  failure = Join(s);
  ASSERT_TRUE(failure.has_value());
  EXPECT_THAT(failure->status.message(),
              HasSubstr("The HTTP call equal to 'curl -sSL http://127.0.0.1:10248/healthz' returned error: "
                        "connection refused"));
}

TEST_F(JoinWorkflowTest, KubeletHealthCheckCanBeSkipped) {
  healthz_status_ = 500;
  JoinOptions options;
  options.skip_kubelet_health_check = true;
  EXPECT_FALSE(Join(Settings(), {}, options).has_value());
  EXPECT_THAT(probes_, IsEmpty());
  EXPECT_THAT(ReadAllFromStart(out_file_), HasSubstr("[kubelet-check] Skipping the kubelet health check"));
}

TEST_F(JoinWorkflowTest, PendingKeyFromAnInterruptedRunIsReused) {
  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcdsaP256);
  ASSERT_OK(
      files::WriteFileAtomic(root_ + "/var/lib/kubelet/pki/kubelet-client.key.tmp", *key->ToPem(), 0600));
  auto s = Settings();
  s.ignore_preflight_errors = {};
  ASSERT_FALSE(Join(s).has_value());
  auto stored = files::ReadFile(root_ + "/var/lib/kubelet/pki/kubelet-client-current.pem");
  ASSERT_OK(stored);
  EXPECT_THAT(*stored, HasSubstr(*key->ToPem()));
  EXPECT_THAT(ReadAllFromStart(out_file_), HasSubstr("Reusing the pending private key"));
}

TEST_F(JoinWorkflowTest, SinglePhaseAndSkipPhases) {
  auto s = Settings();
  EXPECT_FALSE(Join(s, "preflight").has_value());
  EXPECT_TRUE(api_->clients.empty());  // preflight alone needs no discovery
  s.skip_phases = {"tls-bootstrap"};
  EXPECT_FALSE(Join(s).has_value());
  // Without the TLS bootstrap the kubelet is left to bootstrap itself with bootstrap-kubelet.conf.
  EXPECT_THAT(Tree(root_), ::testing::Contains("etc/kubernetes/bootstrap-kubelet.conf"));
  EXPECT_EQ(Mode(root_ + "/etc/kubernetes/bootstrap-kubelet.conf"), 0600u);
  EXPECT_THAT(restarts_, ::testing::ElementsAre("true"));
  EXPECT_TRUE(api_->csrs.empty());
}

TEST_F(JoinWorkflowTest, WrongPinFailsDiscoveryBeforeAnythingIsWritten) {
  auto s = Settings();
  s.cfg.discovery.bootstrap_token->ca_cert_hashes = {"sha256:" + std::string(64, '0')};
  auto failure = Join(s);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->phase, "discovery");
  EXPECT_THAT(failure->status.message(), HasSubstr("couldn't validate the identity of the API Server: "
                                                   "cluster CA found in cluster-info ConfigMap is invalid"));
  EXPECT_THAT(Tree(root_), IsEmpty());
}

}  // namespace
}  // namespace joinguard::node::phases

namespace joinguard::node::phases {
namespace {

TEST(HintsTest, NamesWhatToDoFromTheTypedReason) {
  EXPECT_THAT(HintFor({"discovery", WithJoinReason(UnavailableError("x"), JoinReason::kTokenNotSigned)}),
              HasSubstr("kubeadm token create"));
  EXPECT_THAT(HintFor({"discovery", WithJoinReason(PermissionDeniedError("x"), JoinReason::kCaPinMismatch)}),
              HasSubstr("--discovery-token-ca-cert-hash"));
  EXPECT_THAT(HintFor({"discovery", UnavailableError("failed to request the cluster-info ConfigMap")}),
              HasSubstr("could not be reached"));
  EXPECT_EQ(HintFor({"kubelet-start", WithJoinReason(AlreadyExistsError("x"), JoinReason::kNodeNameTaken)}),
            "");
}

// The phases set the reasons the hints and exit codes rely on (the old code matched text).
TEST_F(JoinWorkflowTest, FailuresCarryTypedReasons) {
  auto s = Settings();
  s.cfg.discovery.bootstrap_token->ca_cert_hashes = {"sha256:" + std::string(64, '0')};
  auto failure = Join(s);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(JoinReasonOf(failure->status), JoinReason::kCaPinMismatch);

  api_->decision = Decision::kDeny;
  failure = Join(Settings());
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(JoinReasonOf(failure->status), JoinReason::kCsrDenied);

  api_->decision = Decision::kNone;
  failure = Join(Settings());
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(JoinReasonOf(failure->status), JoinReason::kCsrTimeout);

  api_->nodes["node-1"] = {
      {"metadata", {{"name", "node-1"}}},
      {"status", {{"conditions", kube::Json::array({{{"type", "Ready"}, {"status", "True"}}})}}}};
  failure = Join(Settings());
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(JoinReasonOf(failure->status), JoinReason::kNodeNameTaken);
}

TEST(KubeadmPhaseNameTest, JoinguardPhasesMapToKubeadms) {
  EXPECT_EQ(KubeadmPhaseName("discovery"), "preflight");
  EXPECT_EQ(KubeadmPhaseName("tls-bootstrap"), "kubelet-start");
  EXPECT_EQ(KubeadmPhaseName("control-plane-prepare/certs"), "control-plane-prepare/certs");
}

}  // namespace
}  // namespace joinguard::node::phases

namespace joinguard::node::phases {
namespace {

// Old joinguard-node ignored unknown --skip-phases names; kubeadm's workflow refuses them.
TEST(SkipPhasesTest, UnknownNameIsInvalid) {
  EXPECT_OK(
      ValidateSkipPhases({"preflight", "control-plane-prepare/certs", "control-plane-join", "check-etcd"}));
  EXPECT_THAT(
      ValidateSkipPhases({"preflight", "kubelet-strat"}),
      ::joinguard::testing::StatusIs(StatusCode::kInvalidArgument, "invalid phase name: kubelet-strat"));
  EXPECT_THAT(ValidateSkipPhases({"control-plane-prepare/nope"}),
              ::joinguard::testing::StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace joinguard::node::phases

namespace joinguard::node::phases {
namespace {

// v1beta4 kubeletExtraArgs is a list whose duplicates kubeadm passes on; the old code kept
// only the last. An extra argument still replaces the default of the same name.
TEST(KubeadmFlagsEnvTest, DuplicateExtraArgsAreAllPassed) {
  config::NodeRegistration nr;
  nr.name = "node-a";
  nr.cri_socket = "unix:///run/containerd/containerd.sock";
  nr.kubelet_extra_args = {{"node-labels", "b=2"}, {"node-labels", "a=1"}, {"hostname-override", "x"}};
  EXPECT_EQ(BuildKubeadmFlagsEnv(nr, "host"),
            "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///run/containerd/containerd.sock "
            "--hostname-override=x --node-labels=a=1 --node-labels=b=2\"\n");
}

}  // namespace
}  // namespace joinguard::node::phases
