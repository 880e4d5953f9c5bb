// `joinguard-node join --control-plane` end to end: the sandbox API server (in-process, using the
// cluster CA), a real etcd member started from the etcd CA, joinguard-node as a separate process
// with --root-dir, and this test acting as the kubelet: it starts the joining etcd member from
// the etcd.yaml static Pod manifest joinguard-node writes. etcd's own etcdctl checks the result.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <random>
#include <thread>

#include "common/crypto/cert.h"
#include "common/files/atomic_file.h"
#include "common/kube/kubeconfig.h"
#include "tests/e2e/controlplane/cluster_fixture.h"
#include "tests/testing/status_matchers.h"

namespace joinguard::node::e2e {
namespace {

using ::joinguard::testing::CommandResult;
using ::joinguard::testing::RunCommand;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;

constexpr char kNodeBinary[] = JOINGUARD_NODE_BINARY;
constexpr auto kRunTimeout = std::chrono::seconds(180);
constexpr auto kPollInterval = std::chrono::milliseconds(50);

std::vector<std::string> FilesUnder(const std::string& root) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       it != std::filesystem::recursive_directory_iterator(); ++it) {
    out.push_back(it->path().lexically_relative(root).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A loopback address of its own for the joining member (127.0.0.0/8 is all loopback on Linux),
// so its fixed ports 2379/2380 do not collide with anything else on the machine.
std::string UniqueLoopback() {
  std::random_device rd;
  return "127.0." + std::to_string(rd() % 250 + 1) + "." + std::to_string(rd() % 250 + 2);
}

class ControlPlaneJoinE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work_ = joinguard::testing::MakeTempDir("cp-e2e-");
    root_ = work_ + "/root";
    ASSERT_EQ(mkdir(root_.c_str(), 0755), 0);
    advertise_ = UniqueLoopback();
  }
  void TearDown() override {
    joining_etcd_.reset();
    cluster_.reset();
    joinguard::testing::RemoveTree(work_);
  }
  void StartCluster(bool with_endpoint = true, bool start_etcd = true) {
    auto c = ControlPlaneCluster::Create(work_, with_endpoint, start_etcd);
    ASSERT_OK(c);
    cluster_ = *std::move(c);
  }
  std::vector<std::string> JoinArgs(const std::string& certificate_key, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {kNodeBinary,
                                     "join",
                                     cluster_->endpoint(),
                                     "--token",
                                     kToken,
                                     "--discovery-token-ca-cert-hash",
                                     cluster_->pin(),
                                     "--node-name",
                                     "cp-2",
                                     "--control-plane",
                                     "--certificate-key",
                                     certificate_key,
                                     "--apiserver-advertise-address",
                                     advertise_,
                                     "--apiserver-bind-port",
                                     std::to_string(PickFreePort()),
                                     "--root-dir",
                                     root_,
                                     "--kubelet-restart-command",
                                     "touch " + work_ + "/kubelet-restarted",
                                     "--skip-kubelet-health-check",  // the test host has no kubelet
                                     "--discovery-retry-interval",
                                     "200ms",
                                     "--tls-bootstrap-timeout",
                                     "60s",
                                     "--ignore-preflight-errors",
                                     "Port-6443,Port-10257,Port-10259,Port-2379,Port-2380"};
    if (cluster_->etcd() != nullptr) args.push_back("--etcd-endpoints=" + cluster_->etcd()->client_url());
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  CommandResult Run(const std::vector<std::string>& args) {
    auto r = RunCommand(args, kRunTimeout);
    EXPECT_OK(r);
    if (!r.ok()) return {};
    std::cerr << "--- joinguard-node stdout ---\n" << r->out << "--- stderr ---\n" << r->err;
    return *r;
  }
  // The kubelet's part: run the etcd static Pod joinguard-node wrote (paths under --root-dir;
  // the loopback client listener and the metrics port are moved to the member's own address).
  void RunEtcdManifestLikeTheKubelet(const std::string& manifest) {
    YAML::Node pod = YAML::LoadFile(manifest);
    std::vector<std::string> argv = {"/usr/bin/etcd"};
    const auto command = pod["spec"]["containers"][0]["command"];
    for (size_t i = 1; i < command.size(); ++i) {
      std::string arg = command[i].as<std::string>();
      const auto eq = arg.find('=');
      std::string name = arg.substr(0, eq), value = arg.substr(eq + 1);
      if (value.rfind("/etc/kubernetes", 0) == 0 || value.rfind("/var/lib/etcd", 0) == 0)
        value = root_ + value;
      if (name == "--listen-client-urls") value = "https://" + advertise_ + ":2379";
      if (name == "--listen-metrics-urls") value = "http://" + advertise_ + ":2381";
      argv.push_back(name + "=" + value);
    }
    auto etcd = EtcdProcess::StartCommand(argv, work_ + "/etcd-cp-2");
    ASSERT_OK(etcd);
    joining_etcd_ = *std::move(etcd);
  }
  // Runs the join while acting as the kubelet for etcd.yaml.
  CommandResult JoinWithKubelet(const std::vector<std::string>& args) {
    auto join = joinguard::testing::Subprocess::Start(args, work_ + "/join-logs");
    EXPECT_OK(join);
    if (!join.ok()) return {};
    const std::string manifest = root_ + "/etc/kubernetes/manifests/etcd.yaml";
    const auto deadline = std::chrono::steady_clock::now() + kRunTimeout;
    struct stat st {};
    while (std::chrono::steady_clock::now() < deadline && !(*join)->exit_code()) {
      if (stat(manifest.c_str(), &st) == 0 && st.st_size > 0) {
        RunEtcdManifestLikeTheKubelet(manifest);
        break;
      }
      if ((*join)->Wait(kPollInterval).ok()) break;
    }
    auto rc = (*join)->Wait(std::chrono::duration_cast<std::chrono::milliseconds>(kRunTimeout));
    EXPECT_OK(rc);
    CommandResult r;
    r.exit_code = rc.ok() ? *rc : -1;
    r.out = (*join)->Stdout();
    r.err = (*join)->Stderr();
    std::cerr << "--- joinguard-node stdout ---\n" << r.out << "--- stderr ---\n" << r.err;
    if (joining_etcd_)
      std::cerr << "--- joining etcd ---\n" << joining_etcd_->process().Stderr().substr(0, 4000);
    return r;
  }
  void CreateNode(const std::string& name) {
    ASSERT_OK(cluster_->sandbox().CreateObjectForTest(
        "/api/v1/nodes", {{"apiVersion", "v1"},
                          {"kind", "Node"},
                          {"metadata", {{"name", name}, {"labels", {{"kubernetes.io/hostname", name}}}}}}));
  }
  crypto::Certificate Cert(const std::string& relative) {
    auto pem = files::ReadFile(root_ + "/etc/kubernetes/pki/" + relative);
    EXPECT_OK(pem);
    auto cert = crypto::Certificate::FromPem(pem.ok() ? *pem : "");
    EXPECT_OK(cert);
    return cert.ok() ? *cert : crypto::Certificate(crypto::X509Ptr());
  }
  mode_t Mode(const std::string& relative) {
    struct stat st {};
    EXPECT_EQ(stat((root_ + "/" + relative).c_str(), &st), 0) << relative;
    return st.st_mode & 0777;
  }

  std::string work_, root_, advertise_;
  std::unique_ptr<ControlPlaneCluster> cluster_;
  std::unique_ptr<EtcdProcess> joining_etcd_;
};

TEST_F(ControlPlaneJoinE2eTest, JoinsAControlPlaneWithARealEtcd) {
  StartCluster();
  CreateNode("cp-2");  // as the kubelet registers it after the TLS bootstrap
  // --patches reach the static Pods: strategic (merged by the container's name), merge and json.
  const std::string patches = work_ + "/patches";
  ASSERT_OK(
      files::WriteFileAtomic(patches + "/kube-apiserver+strategic.yaml",
                             "spec:\n  containers:\n  - name: kube-apiserver\n    resources:\n      limits:\n"
                             "        memory: 1Gi\n    env:\n    - name: GOGC\n      value: \"50\"\n",
                             0600));
  ASSERT_OK(files::WriteFileAtomic(patches + "/etcd0+merge.yaml",
                                   "metadata:\n  annotations:\n    joinguard.test/patched: merge\n", 0600));
  ASSERT_OK(files::WriteFileAtomic(patches + "/kube-scheduler+json.json",
                                   R"([{"op": "add", "path": "/metadata/labels/patched", "value": "json"}])",
                                   0600));
  auto r = JoinWithKubelet(
      JoinArgs(cluster_->certificate_key(), {"--skip-phases", "wait-control-plane", "--patches", patches}));
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out + r.err, Not(HasSubstr(cluster_->certificate_key())));
  EXPECT_THAT(r.out + r.err, Not(HasSubstr(kTokenSecret)));
  // kubeadm's progress lines, in kubeadm's order.
  const std::vector<std::string> in_order = {
      "[preflight] Running pre-flight checks before initializing the new control plane instance",
      "[download-certs] Downloading the certificates in Secret \"kubeadm-certs\" in the \"kube-system\" "
      "Namespace",
      "[certs] Generating \"apiserver\" certificate and key",
      "[kubeconfig] Writing \"admin.conf\" kubeconfig file",
      "[control-plane] Creating static Pod manifest for \"kube-apiserver\"",
      "[patches] Applied patch of type \"application/strategic-merge-patch+json\" to target "
      "\"kube-apiserver\"",
      "[control-plane] Creating static Pod manifest for \"kube-scheduler\"",
      "[patches] Applied patch of type \"application/json-patch+json\" to target \"kube-scheduler\"",
      "[check-etcd] Checking that the etcd cluster is healthy",
      "[kubelet-start] Writing kubelet environment file",
      "[etcd] Announced new etcd member joining to the existing etcd cluster",
      "[patches] Applied patch of type \"application/merge-patch+json\" to target \"etcd\"",
      "[etcd] Waiting for the new etcd member to join the cluster",
      "[mark-control-plane] Marking the node cp-2 as control-plane by adding the taints "
      "[node-role.kubernetes.io/control-plane:NoSchedule]",
      "This node has joined the cluster and a new control plane instance was created"};
  size_t pos = 0;
  for (const auto& line : in_order) {
    size_t at = r.out.find(line, pos);
    EXPECT_NE(at, std::string::npos) << "missing or out of order: " << line;
    if (at != std::string::npos) pos = at;
  }
  EXPECT_THAT(r.err, HasSubstr("'not_a_valid_san!' was not added to the 'apiserver' SAN"));

  // etcd itself lists the new member, promoted from learner.
  auto members = cluster_->Members();
  ASSERT_OK(members);
  EXPECT_THAT(*members, ::testing::UnorderedElementsAre(Pair("cp-1", false), Pair("cp-2", false)));

  // Shared files downloaded byte for byte with kubeadm's modes.
  for (const auto& [name, content] : cluster_->pki().files) {
    auto got = files::ReadFile(root_ + "/etc/kubernetes/pki/" + name);
    ASSERT_OK(got);
    EXPECT_EQ(*got, content) << name;
    EXPECT_EQ(Mode("etc/kubernetes/pki/" + name), name.ends_with(".key") ? 0600u : 0644u) << name;
  }
  // Leaf certificates: subjects, SANs, usages, signer, validity.
  auto api = Cert("apiserver.crt");
  EXPECT_EQ(api.CommonName(), "kube-apiserver");
  EXPECT_EQ(api.IssuerCommonName(), "kubernetes");
  EXPECT_THAT(api.DnsNames(), ElementsAre("cp-2", "cp.example.com", "kubernetes", "kubernetes.default",
                                          "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"));
  EXPECT_THAT(api.IpAddresses(), ElementsAre("10.96.0.1", advertise_, "127.0.0.1"));
  EXPECT_THAT(api.ExtendedKeyUsages(), ElementsAre("server auth"));
  EXPECT_FALSE(api.IsCa());
  EXPECT_EQ(api.PublicKeyInfo().ToString(), "ECDSA P-256") << "encryptionAlgorithm: ECDSA-P256";
  auto validity = std::chrono::duration_cast<std::chrono::hours>(api.NotAfter() - api.NotBefore());
  EXPECT_NEAR(validity.count(), 8760, 1);
  auto kubelet_client = Cert("apiserver-kubelet-client.crt");
  EXPECT_EQ(kubelet_client.CommonName(), "kube-apiserver-kubelet-client");
  EXPECT_THAT(kubelet_client.Organizations(), ElementsAre("kubeadm:cluster-admins"));
  EXPECT_THAT(kubelet_client.ExtendedKeyUsages(), ElementsAre("client auth"));
  EXPECT_EQ(Cert("front-proxy-client.crt").IssuerCommonName(), "front-proxy-ca")
      << "signed by the openssl-made CA";
  auto etcd_server = Cert("etcd/server.crt");
  EXPECT_EQ(etcd_server.CommonName(), "cp-2");
  EXPECT_EQ(etcd_server.IssuerCommonName(), "etcd-ca");
  EXPECT_THAT(etcd_server.DnsNames(), ElementsAre("cp-2", "localhost"));
  EXPECT_THAT(etcd_server.IpAddresses(), ElementsAre(advertise_, "127.0.0.1", "::1"));
  EXPECT_THAT(etcd_server.ExtendedKeyUsages(), ::testing::UnorderedElementsAre("server auth", "client auth"));
  EXPECT_EQ(Cert("etcd/healthcheck-client.crt").CommonName(), "kube-etcd-healthcheck-client");
  EXPECT_EQ(Cert("apiserver-etcd-client.crt").CommonName(), "kube-apiserver-etcd-client");
  for (const char* key : {"apiserver.key", "etcd/peer.key", "apiserver-etcd-client.key"}) {
    EXPECT_EQ(Mode(std::string("etc/kubernetes/pki/") + key), 0600u) << key;
  }

  // admin.conf works against the API server through the controlPlaneEndpoint.
  std::string home = work_ + "/kubectl-home";
  std::filesystem::create_directories(home);
  auto whoami =
      RunCommand({"/usr/bin/kubectl", "--kubeconfig", root_ + "/etc/kubernetes/admin.conf", "--cache-dir",
                  home + "/cache", "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"},
                 std::chrono::seconds(60), {{"HOME", home}});
  ASSERT_OK(whoami);
  EXPECT_EQ(whoami->out, "kubernetes-admin") << whoami->err;
  for (const char* conf : {"admin.conf", "controller-manager.conf", "scheduler.conf"}) {
    EXPECT_EQ(Mode(std::string("etc/kubernetes/") + conf), 0600u) << conf;
  }
  auto scheduler = kube::LoadKubeconfigFile(root_ + "/etc/kubernetes/scheduler.conf");
  ASSERT_OK(scheduler);
  EXPECT_EQ(scheduler->current_context, "system:kube-scheduler@kubernetes");

  // Static Pod manifests as kubeadm writes them.
  YAML::Node apiserver = YAML::LoadFile(root_ + "/etc/kubernetes/manifests/kube-apiserver.yaml");
  EXPECT_EQ(
      apiserver["metadata"]["annotations"]["kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint"]
          .as<std::string>()
          .rfind(advertise_ + ":", 0),
      0u);
  std::vector<std::string> flags =
      apiserver["spec"]["containers"][0]["command"].as<std::vector<std::string>>();
  EXPECT_EQ(flags.front(), "kube-apiserver");
  EXPECT_TRUE(std::is_sorted(flags.begin() + 1, flags.end()));
  EXPECT_THAT(flags, Contains("--advertise-address=" + advertise_));
  EXPECT_THAT(flags, Contains("--etcd-servers=https://127.0.0.1:2379"));
  EXPECT_THAT(flags, Contains("--service-cluster-ip-range=10.96.0.0/12"));
  // The strategic patch merged into the container (its command and requests kept).
  YAML::Node container = apiserver["spec"]["containers"][0];
  EXPECT_EQ(container["resources"]["limits"]["memory"].as<std::string>(), "1Gi");
  EXPECT_EQ(container["resources"]["requests"]["cpu"].as<std::string>(), "250m");
  EXPECT_EQ(container["env"][0]["name"].as<std::string>(), "GOGC");
  EXPECT_EQ(apiserver["spec"]["containers"].size(), 1u);
  EXPECT_EQ(
      YAML::LoadFile(root_ + "/etc/kubernetes/manifests/kube-scheduler.yaml")["metadata"]["labels"]["patched"]
          .as<std::string>(),
      "json");
  YAML::Node kcm = YAML::LoadFile(root_ + "/etc/kubernetes/manifests/kube-controller-manager.yaml");
  EXPECT_THAT(kcm["spec"]["containers"][0]["command"].as<std::vector<std::string>>(),
              Contains("--cluster-cidr=10.244.0.0/16"));
  EXPECT_EQ(Mode("etc/kubernetes/manifests/kube-scheduler.yaml"), 0600u);
  YAML::Node etcd = YAML::LoadFile(root_ + "/etc/kubernetes/manifests/etcd.yaml");
  EXPECT_THAT(etcd["spec"]["containers"][0]["command"].as<std::vector<std::string>>(),
              Contains("--initial-cluster-state=existing"));
  EXPECT_EQ(etcd["metadata"]["annotations"]["joinguard.test/patched"].as<std::string>(), "merge");
  EXPECT_TRUE(
      etcd["metadata"]["annotations"]["kubeadm.kubernetes.io/etcd.advertise-client-urls"].IsDefined());

  // mark-control-plane, through admin.conf.
  ASSERT_OK_AND_ASSIGN(auto node, cluster_->sandbox().GetObjectForTest("/api/v1/nodes/cp-2"));
  EXPECT_TRUE(node["metadata"]["labels"].contains("node-role.kubernetes.io/control-plane"));
  EXPECT_TRUE(node["metadata"]["labels"].contains("node.kubernetes.io/exclude-from-external-load-balancers"));
  ASSERT_TRUE(node["spec"].contains("taints"));
  EXPECT_EQ(node["spec"]["taints"][0]["key"], "node-role.kubernetes.io/control-plane");
  EXPECT_EQ(node["spec"]["taints"][0]["effect"], "NoSchedule");
}

TEST_F(ControlPlaneJoinE2eTest, WrongCertificateKeyFailsAndLeavesNothingBehind) {
  StartCluster();
  std::string wrong = cluster_->certificate_key();
  wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
  auto r = Run(JoinArgs(wrong));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(
      r.err,
      HasSubstr("error execution phase control-plane-prepare/download-certs: error downloading certs: "
                "error decoding secret data with provided key: cipher: message authentication failed"));
  EXPECT_THAT(r.out + r.err, Not(HasSubstr(wrong)));
  EXPECT_THAT(FilesUnder(root_), IsEmpty());
  auto members = cluster_->Members();
  ASSERT_OK(members);
  EXPECT_THAT(*members, ElementsAre(Pair("cp-1", false)));
}

TEST_F(ControlPlaneJoinE2eTest, ExpiredKubeadmCertsSecretGivesKubeadmsMessage) {
  StartCluster(/*with_endpoint=*/true, /*start_etcd=*/false);
  ASSERT_OK(cluster_->sandbox().DeleteObjectForTest("/api/v1/namespaces/kube-system/secrets/kubeadm-certs"));
  auto r = Run(JoinArgs(cluster_->certificate_key()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(
      r.err,
      HasSubstr("Secret \"kubeadm-certs\" was not found in the \"kube-system\" Namespace. This Secret "
                "might have expired. Please, run `kubeadm init phase upload-certs --upload-certs` on a "
                "control plane to generate a new one"));
  EXPECT_THAT(FilesUnder(root_), IsEmpty());
}

TEST_F(ControlPlaneJoinE2eTest, ClusterWithoutControlPlaneEndpointIsRefused) {
  StartCluster(/*with_endpoint=*/false, /*start_etcd=*/false);
  auto r = Run(JoinArgs(cluster_->certificate_key()));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(
      r.err, HasSubstr("One or more conditions for hosting a new control plane instance is not satisfied.\n\n"
                       "unable to add a new control plane instance a cluster that doesn't have a stable "
                       "controlPlaneEndpoint address\n\nPlease ensure that:\n"
                       "* The cluster has a stable controlPlaneEndpoint address.\n"));
  EXPECT_THAT(FilesUnder(root_), IsEmpty());
}

// The member is added, but its etcd never starts (no kubelet): promotion times out, and the
// rollback removes the member again, with every file.
TEST_F(ControlPlaneJoinE2eTest, FailedEtcdJoinRemovesTheMemberItAdded) {
  StartCluster();
  CreateNode("cp-2");
  const std::string config = work_ + "/join.yaml";
  ASSERT_OK(files::WriteFileAtomic(
      config,
      "apiVersion: kubeadm.k8s.io/v1beta4\n"
      "kind: JoinConfiguration\n"
      "discovery:\n"
      "  bootstrapToken:\n"
      "    token: " +
          std::string(kToken) +
          "\n"
          "    apiServerEndpoint: " +
          cluster_->endpoint() +
          "\n"
          "    caCertHashes: [\"" +
          cluster_->pin() +
          "\"]\n"
          "nodeRegistration:\n"
          "  name: cp-2\n"
          "  ignorePreflightErrors: [Port-6443, Port-10257, Port-10259, Port-2379, Port-2380]\n"
          "controlPlane:\n"
          "  certificateKey: " +
          cluster_->certificate_key() +
          "\n"
          "  localAPIEndpoint:\n"
          "    advertiseAddress: " +
          advertise_ +
          "\n"
          "    bindPort: " +
          std::to_string(PickFreePort()) +
          "\n"
          "timeouts:\n"
          "  etcdAPICall: 3s\n"
          "  tlsBootstrap: 60s\n",
      0600));
  auto r = Run({kNodeBinary, "join", "--config", config, "--root-dir", root_, "--kubelet-restart-command", "",
                "--discovery-retry-interval", "200ms", "--etcd-endpoints", cluster_->etcd()->client_url()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(
      r.err,
      HasSubstr("error execution phase etcd-join: error creating local etcd static pod manifest file"));
  EXPECT_THAT(r.err, HasSubstr("[reset] Removed etcd member"));
  auto members = cluster_->Members();
  ASSERT_OK(members);
  EXPECT_THAT(*members, ElementsAre(Pair("cp-1", false)));
  EXPECT_THAT(FilesUnder(root_), IsEmpty());
}

// Command-line contract differences a script calling `kubeadm join` would trip over.
TEST(JoinCommandLineTest, RefusesWhatKubeadmRefuses) {
  auto skip = RunCommand({kNodeBinary, "join", "10.0.0.1:6443", "--token", kToken,
                          "--discovery-token-unsafe-skip-ca-verification", "--skip-phases", "kubelet-strat"},
                         std::chrono::seconds(60));
  ASSERT_OK(skip);
  EXPECT_EQ(skip->exit_code, 3);
  EXPECT_THAT(skip->err, HasSubstr("invalid phase name: kubelet-strat"));
  auto two = RunCommand({kNodeBinary, "join", "10.0.0.1:6443", "10.0.0.2:6443", "--token", kToken,
                         "--discovery-token-unsafe-skip-ca-verification"},
                        std::chrono::seconds(60));
  ASSERT_OK(two);
  EXPECT_EQ(two->exit_code, 3);
  EXPECT_THAT(two->err, HasSubstr("accepts at most 1 arg(s), received 2"));
}

}  // namespace
}  // namespace joinguard::node::e2e
