// joinguard-node end to end: the sandbox API server runs in this process (port 0), the node
// helper runs as a separate process with --root-dir in a temporary directory, and the real
// kubectl checks that the resulting kubelet.conf authenticates as system:node:<name>.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <map>
#include <fstream>
#include <regex>
#include <thread>

#include "common/crypto/cert.h"
#include "common/crypto/csr.h"
#include "common/crypto/key.h"
#include "common/crypto/encoding.h"
#include "common/crypto/jws.h"
#include "common/crypto/pin.h"
#include "common/files/atomic_file.h"
#include "node-helper/discovery/https/https.h"
#include "tests/e2e/node/health_server.h"
#include "tests/sandbox/sandbox.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

// A namespace of its own: the three node e2e files are one target (one unity translation unit).
namespace joinguard::node::join_e2e {
namespace {

using ::joinguard::testing::CommandResult;
using ::joinguard::testing::FilesUnder;
using ::joinguard::testing::RunCommand;
using ::joinguard::testing::Subprocess;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kNodeBinary[] = JOINGUARD_NODE_BINARY;
constexpr char kTokenId[] = "abcdef";
constexpr char kTokenSecret[] = "0123456789abcdef";
constexpr char kToken[] = "abcdef.0123456789abcdef";
constexpr auto kRunTimeout = std::chrono::seconds(120);

std::string CaPin(const std::string& ca_pem) {
  return crypto::SpkiPin(*crypto::Certificate::FromPem(ca_pem));
}

// Every regular file and symlink below `root` (relative paths).

// Serves one document over HTTPS (certificate for 127.0.0.1 from its own CA) for https://
// discovery files.
std::unique_ptr<::joinguard::testing::LocalHttpServer> ServeFileOverHttps(std::string body) {
  return std::make_unique<::joinguard::testing::LocalHttpServer>(
      ::joinguard::testing::LocalHttpServer::Scheme::kHttps, 200, "application/yaml",
      [body = std::move(body)](int) { return body; });
}

class NodeJoinE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work_ = joinguard::testing::MakeTempDir("node-e2e-");
    root_ = work_ + "/root";
    ASSERT_EQ(mkdir(root_.c_str(), 0755), 0);
  }
  void TearDown() override {
    sandbox_.reset();
    joinguard::testing::RemoveTree(work_);
  }

  void StartSandbox(sandbox::SandboxOptions options = {}) {
    auto sb = sandbox::Sandbox::Start(options);
    ASSERT_OK(sb);
    sandbox_ = *std::move(sb);
    port_ = std::to_string(sandbox_->port());
  }
  void CreateToken(const std::string& id, const std::string& secret,
                   std::optional<std::chrono::system_clock::time_point> expiration = std::nullopt) {
    sandbox::TokenSpec spec;
    spec.id = id;
    spec.secret = secret;
    spec.expiration = expiration;
    ASSERT_OK(sandbox_->CreateBootstrapToken(spec));
  }
  // The bootstrap signer adds the JWS a moment after the token appears.
  void WaitForSignature(const std::string& id) {
    ASSERT_OK(sandbox_->WaitForObjectForTest(
        "/api/v1/namespaces/kube-public/configmaps/cluster-info",
        [&](const nlohmann::json& cm) {
          return cm.contains("data") && cm["data"].contains("jws-kubeconfig-" + id);
        },
        std::chrono::seconds(30)));
  }
  // The test host has no kubelet: joins skip the health wait unless a test serves a /healthz
  // (`with_kubelet`).
  std::vector<std::string> JoinArgs(const std::vector<std::string>& extra, bool with_kubelet = false) {
    std::vector<std::string> args = {kNodeBinary,
                                     "join",
                                     "--root-dir",
                                     root_,
                                     "--kubelet-restart-command",
                                     "touch " + work_ + "/kubelet-restarted",
                                     "--discovery-retry-interval",
                                     "200ms"};
    if (!with_kubelet) args.push_back("--skip-kubelet-health-check");
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  CommandResult Join(const std::vector<std::string>& extra, bool with_kubelet = false,
                     const std::map<std::string, std::string>& env = {}) {
    auto r = RunCommand(JoinArgs(extra, with_kubelet), kRunTimeout, env);
    EXPECT_OK(r);
    if (!r.ok()) return {};
    std::cerr << "--- joinguard-node stdout ---\n" << r->out << "--- stderr ---\n" << r->err;
    return *r;
  }
  // Joins that should succeed get a generous discovery timeout (a loaded CI machine); the ones
  // that are meant to time out (unknown token, server down, MITM) pass a short one.
  std::vector<std::string> TokenJoin(const std::string& token, const std::string& pin,
                                     const std::string& node, const std::string& discovery_timeout = "30s") {
    return {"127.0.0.1:" + port_,
            "--token",
            token,
            "--discovery-token-ca-cert-hash",
            pin,
            "--node-name",
            node,
            "--discovery-timeout",
            discovery_timeout,
            "--tls-bootstrap-timeout",
            "60s"};
  }
  // The kubelet.conf's client certificate, as the sandbox sees it: kubectl with a fresh cache.
  std::string KubectlAsNode() {
    std::string home = work_ + "/kubectl-home";
    std::filesystem::create_directories(home);
    auto whoami =
        RunCommand({"/usr/bin/kubectl", "--kubeconfig", root_ + "/etc/kubernetes/kubelet.conf", "--cache-dir",
                    home + "/cache", "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"},
                   std::chrono::seconds(60), {{"HOME", home}});
    EXPECT_OK(whoami);
    if (whoami.ok() && whoami->exit_code == 0) return whoami->out;
    // No SelfSubjectReview in this server: ask for something a node may not read; the
    // Forbidden answer names the authenticated user ("User \"system:node:...\" cannot ...").
    auto nodes = RunCommand({"/usr/bin/kubectl", "--kubeconfig", root_ + "/etc/kubernetes/kubelet.conf",
                             "--cache-dir", home + "/cache", "get", "secrets", "-n", "kube-system"},
                            std::chrono::seconds(60), {{"HOME", home}});
    EXPECT_OK(nodes);
    return nodes.ok() ? nodes->out + nodes->err : "";
  }
  void ExpectNoKeyMaterial(const CommandResult& r) {
    EXPECT_THAT(FilesUnder(root_), IsEmpty()) << "a failed join must leave nothing behind";
    EXPECT_THAT(r.out + r.err, Not(HasSubstr(kTokenSecret)));
  }

  std::string work_, root_, port_;
  std::unique_ptr<sandbox::Sandbox> sandbox_;
};

TEST_F(NodeJoinE2eTest, TokenAndPinJoinYieldsANodeIdentity) {
  StartSandbox();
  CreateToken(kTokenId, kTokenSecret);
  WaitForSignature(kTokenId);
  auto r = Join(TokenJoin(kToken, CaPin(sandbox_->ca_pem()), "e2e-node-1"));
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("[kubelet-start] Waiting for the certificate signing request \"node-csr-"));
  EXPECT_THAT(r.out, HasSubstr("This node has joined the cluster"));
  EXPECT_THAT(r.out + r.err, Not(HasSubstr(kTokenSecret)));
  auto files = FilesUnder(root_);
  EXPECT_THAT(files, ::testing::Contains("etc/kubernetes/kubelet.conf"));
  EXPECT_THAT(files, ::testing::Contains("etc/kubernetes/pki/ca.crt"));
  EXPECT_THAT(files, ::testing::Contains("var/lib/kubelet/config.yaml"));
  EXPECT_THAT(files, ::testing::Contains("var/lib/kubelet/kubeadm-flags.env"));
  EXPECT_THAT(files, ::testing::Contains("var/lib/kubelet/pki/kubelet-client-current.pem"));
  EXPECT_THAT(files, Not(::testing::Contains("etc/kubernetes/bootstrap-kubelet.conf")));
  struct stat st {};
  ASSERT_EQ(stat((root_ + "/etc/kubernetes/kubelet.conf").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(access((work_ + "/kubelet-restarted").c_str(), F_OK), 0) << "the restart command ran";

  EXPECT_THAT(KubectlAsNode(), HasSubstr("system:node:e2e-node-1"));

  // Idempotent: a second run sees a valid kubelet.conf and does nothing.
  auto again = Join(TokenJoin(kToken, CaPin(sandbox_->ca_pem()), "e2e-node-1"));
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_THAT(again.out, HasSubstr("this node has already joined, nothing to do"));
}

TEST_F(NodeJoinE2eTest, FileDiscoveryJoin) {
  StartSandbox();
  CreateToken(kTokenId, kTokenSecret);
  // The discovery file an admin exports from cluster-info (no credentials).
  const std::string discovery = work_ + "/discovery.conf";
  std::ofstream(discovery)
      << "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority-data: "
      << crypto::Base64Encode(sandbox_->ca_pem()) << "\n    server: " << sandbox_->url()
      << "\n  name: \"\"\ncontexts: []\ncurrent-context: \"\"\nusers: []\n";
  auto r = Join({"--discovery-file", discovery, "--tls-bootstrap-token", kToken, "--node-name",
                 "e2e-file-node", "--discovery-timeout", "30s", "--tls-bootstrap-timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_THAT(KubectlAsNode(), HasSubstr("system:node:e2e-file-node"));
}

TEST_F(NodeJoinE2eTest, HttpsDiscoveryJoin) {
  StartSandbox();
  CreateToken(kTokenId, kTokenSecret);
  auto server = ServeFileOverHttps(
      "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority-data: " +
      crypto::Base64Encode(sandbox_->ca_pem()) + "\n    server: " + sandbox_->url() +
      "\n  name: \"\"\ncontexts: []\ncurrent-context: \"\"\nusers: []\n");
  const auto& files = *server;
  const std::string ca_file = work_ + "/discovery-file-ca.crt";
  std::ofstream(ca_file) << files.ca_pem();
  auto r = Join({"--discovery-file", files.url("/discovery.conf"), "--https-discovery-ca-file", ca_file,
                 "--tls-bootstrap-token", kToken, "--node-name", "e2e-https-node", "--discovery-timeout",
                 "30s", "--tls-bootstrap-timeout", "60s"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_THAT(KubectlAsNode(), HasSubstr("system:node:e2e-https-node"));

  // Without trusting the file server's CA, the download is refused (verified TLS only).
  joinguard::testing::RemoveTree(root_);
  ASSERT_EQ(mkdir(root_.c_str(), 0755), 0);
  auto untrusted = Join({"--discovery-file", files.url("/discovery.conf"), "--tls-bootstrap-token", kToken,
                         "--node-name", "e2e-https-node2", "--discovery-timeout", "2s"});
  EXPECT_EQ(untrusted.exit_code, 1);
  EXPECT_THAT(untrusted.err, HasSubstr("failed to download \"" + files.url("/discovery.conf") + "\""));
  ExpectNoKeyMaterial(untrusted);
}

TEST_F(NodeJoinE2eTest, ConfigFileJoin) {
  StartSandbox();
  CreateToken(kTokenId, kTokenSecret);
  WaitForSignature(kTokenId);
  const std::string config = work_ + "/join.yaml";
  std::ofstream(config)
      << "apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\ndiscovery:\n"
      << "  bootstrapToken:\n    apiServerEndpoint: 127.0.0.1:" << port_ << "\n    token: " << kToken
      << "\n    caCertHashes:\n    - " << CaPin(sandbox_->ca_pem())
      << "\nnodeRegistration:\n  name: e2e-config-node\n  kubeletExtraArgs:\n  - name: node-ip\n"
      << "    value: 10.9.8.7\ntimeouts:\n  discovery: 30s\n  tlsBootstrap: 1m\n";
  auto r = Join({"--config", config});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_THAT(KubectlAsNode(), HasSubstr("system:node:e2e-config-node"));
  auto env = files::ReadFile(root_ + "/var/lib/kubelet/kubeadm-flags.env");
  ASSERT_OK(env);
  EXPECT_THAT(*env, HasSubstr("--node-ip=10.9.8.7"));

  // kubeadm's mixing rule.
  auto mixed = Join({"--config", config, "--token", kToken});
  EXPECT_EQ(mixed.exit_code, 3);
  EXPECT_THAT(mixed.err, HasSubstr("can not mix '--config' with arguments [token]"));
}

TEST_F(NodeJoinE2eTest, ManualApprovalByAnAdmin) {
  sandbox::SandboxOptions options;
  options.autoapprove_binding = false;
  options.admin_kubeconfig_path = work_ + "/admin.conf";
  StartSandbox(options);
  CreateToken(kTokenId, kTokenSecret);
  WaitForSignature(kTokenId);
  auto proc = Subprocess::Start(JoinArgs(TokenJoin(kToken, CaPin(sandbox_->ca_pem()), "e2e-manual")),
                                work_ + "/logs");
  ASSERT_OK(proc);
  auto line = (*proc)->WaitForOutput("Waiting for the certificate signing request", std::chrono::seconds(60));
  ASSERT_OK(line);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(*line, m, std::regex("\"(node-csr-[A-Za-z0-9_-]+)\""))) << *line;
  const std::string csr = m[1];
  std::string home = work_ + "/admin-home";
  std::filesystem::create_directories(home);
  auto approve = RunCommand({"/usr/bin/kubectl", "--kubeconfig", work_ + "/admin.conf", "--cache-dir",
                             home + "/cache", "certificate", "approve", csr},
                            std::chrono::seconds(60), {{"HOME", home}});
  ASSERT_OK(approve);
  EXPECT_EQ(approve->exit_code, 0) << approve->out << approve->err;
  auto code = (*proc)->Wait(kRunTimeout);
  ASSERT_OK(code);
  EXPECT_EQ(*code, 0) << (*proc)->Stdout() << (*proc)->Stderr();
  EXPECT_THAT(KubectlAsNode(), HasSubstr("system:node:e2e-manual"));
}

TEST_F(NodeJoinE2eTest, DeniedCsrFailsWithTheApproversReason) {
  sandbox::SandboxOptions options;
  options.autoapprove_binding = false;
  options.admin_kubeconfig_path = work_ + "/admin.conf";
  StartSandbox(options);
  CreateToken(kTokenId, kTokenSecret);
  WaitForSignature(kTokenId);
  auto proc = Subprocess::Start(JoinArgs(TokenJoin(kToken, CaPin(sandbox_->ca_pem()), "e2e-denied")),
                                work_ + "/logs");
  ASSERT_OK(proc);
  auto line = (*proc)->WaitForOutput("Waiting for the certificate signing request", std::chrono::seconds(60));
  ASSERT_OK(line);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(*line, m, std::regex("\"(node-csr-[A-Za-z0-9_-]+)\"")));
  // An approver's "no", through the real /approval subresource.
  std::string home = work_ + "/admin-home";
  std::filesystem::create_directories(home);
  auto deny = RunCommand({"/usr/bin/kubectl", "--kubeconfig", work_ + "/admin.conf", "--cache-dir",
                          home + "/cache", "certificate", "deny", std::string(m[1])},
                         std::chrono::seconds(60), {{"HOME", home}});
  ASSERT_OK(deny);
  ASSERT_EQ(deny->exit_code, 0) << deny->out << deny->err;
  auto code = (*proc)->Wait(kRunTimeout);
  ASSERT_OK(code);
  EXPECT_EQ(*code, 1);
  EXPECT_THAT((*proc)->Stderr(),
              HasSubstr("error execution phase tls-bootstrap: certificate signing request is denied, "
                        "reason: KubectlDeny, message: This CSR was denied by kubectl certificate deny."));
  ExpectNoKeyMaterial({*code, (*proc)->Stdout(), (*proc)->Stderr()});
}

TEST_F(NodeJoinE2eTest, InterruptedJoinKeepsOnlyItsPendingKeyAndResumes) {
  sandbox::SandboxOptions options;
  options.autoapprove_binding = false;
  options.admin_kubeconfig_path = work_ + "/admin.conf";
  StartSandbox(options);
  CreateToken(kTokenId, kTokenSecret);
  WaitForSignature(kTokenId);
  auto args = JoinArgs(TokenJoin(kToken, CaPin(sandbox_->ca_pem()), "e2e-resumed"));
  auto proc = Subprocess::Start(args, work_ + "/logs");
  ASSERT_OK(proc);
  auto line = (*proc)->WaitForOutput("Waiting for the certificate signing request", std::chrono::seconds(60));
  ASSERT_OK(line);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(*line, m, std::regex("\"(node-csr-[A-Za-z0-9_-]+)\"")));
  const std::string csr = m[1];
  (*proc)->Signal(SIGTERM);
  auto code = (*proc)->Wait(kRunTimeout);
  ASSERT_OK(code);
  EXPECT_EQ(*code, 128 + SIGTERM);
  // Only the pending key survives (0600), so the rerun can pick up the same CSR.
  EXPECT_THAT(FilesUnder(root_), ::testing::ElementsAre("var/lib/kubelet/pki/kubelet-client.key.tmp"));
  struct stat st {};
  ASSERT_EQ(stat((root_ + "/var/lib/kubelet/pki/kubelet-client.key.tmp").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  // The admin approves the pending CSR meanwhile; the rerun reuses the key and finds it issued.
  std::string home = work_ + "/admin-home";
  std::filesystem::create_directories(home);
  auto approve = RunCommand({"/usr/bin/kubectl", "--kubeconfig", work_ + "/admin.conf", "--cache-dir",
                             home + "/cache", "certificate", "approve", csr},
                            std::chrono::seconds(60), {{"HOME", home}});
  ASSERT_OK(approve);
  ASSERT_EQ(approve->exit_code, 0) << approve->out << approve->err;
  auto r = Join(TokenJoin(kToken, CaPin(sandbox_->ca_pem()), "e2e-resumed"));
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("Reusing the pending private key"));
  EXPECT_THAT(r.out, HasSubstr("\"" + csr + "\""));
  EXPECT_THAT(KubectlAsNode(), HasSubstr("system:node:e2e-resumed"));
  EXPECT_THAT(FilesUnder(root_), Not(::testing::Contains("var/lib/kubelet/pki/kubelet-client.key.tmp")));
}

TEST_F(NodeJoinE2eTest, WrongPinFails) {
  StartSandbox();
  CreateToken(kTokenId, kTokenSecret);
  WaitForSignature(kTokenId);
  auto r = Join(TokenJoin(kToken, "sha256:" + std::string(64, 'a'), "e2e-wrong-pin"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err,
              HasSubstr("cluster CA found in cluster-info ConfigMap is invalid: none of the public keys \"" +
                        CaPin(sandbox_->ca_pem()) + "\" are pinned"));
  ExpectNoKeyMaterial(r);
}

TEST_F(NodeJoinE2eTest, TamperedJwsFails) {
  sandbox::SandboxOptions options;
  options.run_controllers = false;  // no bootstrap signer to repair the signature
  StartSandbox(options);
  CreateToken(kTokenId, kTokenSecret);
  const std::string path = "/api/v1/namespaces/kube-public/configmaps/cluster-info";
  auto cm = sandbox_->GetObjectForTest(path);
  ASSERT_OK(cm);
  (*cm)["data"][std::string("jws-kubeconfig-") + kTokenId] = crypto::ComputeDetachedJws(
      (*cm)["data"]["kubeconfig"].get<std::string>(), kTokenId, "notthesecret0000");
  ASSERT_OK(sandbox_->UpdateObjectForTest(path, *cm));
  auto r = Join(TokenJoin(kToken, CaPin(sandbox_->ca_pem()), "e2e-tampered"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(
      r.err,
      HasSubstr(
          "failed to verify JWS signature of received cluster info object, can't trust this API Server"));
  ExpectNoKeyMaterial(r);
}

TEST_F(NodeJoinE2eTest, TokenNotInTheClusterFails) {
  StartSandbox();
  CreateToken(kTokenId, kTokenSecret);
  WaitForSignature(kTokenId);
  auto r = Join(TokenJoin("zzzzzz.0123456789abcdef", CaPin(sandbox_->ca_pem()), "e2e-unknown-token", "3s"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(
      r.err,
      HasSubstr("could not find a JWS signature in the cluster-info ConfigMap for token ID \"zzzzzz\""));
  EXPECT_THAT(r.err, HasSubstr("kubeadm token create"));
  ExpectNoKeyMaterial(r);
}

TEST_F(NodeJoinE2eTest, ExpiredTokenFails) {
  StartSandbox();
  CreateToken("expird", kTokenSecret, std::chrono::system_clock::now() - std::chrono::hours(1));
  CreateToken(kTokenId, kTokenSecret);
  WaitForSignature(kTokenId);  // the signer has run; it never signs for the expired token
  auto r =
      Join(TokenJoin(std::string("expird.") + kTokenSecret, CaPin(sandbox_->ca_pem()), "e2e-expired", "3s"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(
      r.err,
      HasSubstr("could not find a JWS signature in the cluster-info ConfigMap for token ID \"expird\""));
  ExpectNoKeyMaterial(r);
}

TEST_F(NodeJoinE2eTest, ManInTheMiddleWithAnotherCaFails) {
  // The real cluster, and an impostor with its own CA that replays the real (signed) cluster-info.
  StartSandbox();
  CreateToken(kTokenId, kTokenSecret);
  WaitForSignature(kTokenId);
  auto real_cm = sandbox_->GetObjectForTest("/api/v1/namespaces/kube-public/configmaps/cluster-info");
  ASSERT_OK(real_cm);
  sandbox::SandboxOptions mitm_options;
  mitm_options.run_controllers = false;
  auto mitm = sandbox::Sandbox::Start(mitm_options);
  ASSERT_OK(mitm);
  ASSERT_NE((*mitm)->ca_pem(), sandbox_->ca_pem());
  auto fake_cm = (*mitm)->GetObjectForTest("/api/v1/namespaces/kube-public/configmaps/cluster-info");
  ASSERT_OK(fake_cm);
  (*fake_cm)["data"] = (*real_cm)["data"];
  ASSERT_OK((*mitm)->UpdateObjectForTest("/api/v1/namespaces/kube-public/configmaps/cluster-info", *fake_cm));

  auto args = TokenJoin(kToken, CaPin(sandbox_->ca_pem()), "e2e-mitm", "3s");
  args[0] = "127.0.0.1:" + std::to_string((*mitm)->port());
  auto r = Join(args);
  EXPECT_EQ(r.exit_code, 1);
  // Signature and pin pass on the insecure fetch; the verified fetch cannot succeed.
  EXPECT_THAT(
      r.err,
      HasSubstr(
          "couldn't validate the identity of the API Server: failed to request the cluster-info ConfigMap"));
  // The transport's typed reason survives discovery's wrapping and picks the hint (#14).
  EXPECT_THAT(r.err,
              HasSubstr("hint: the API server's TLS certificate is not signed by the trusted cluster CA"));
  ExpectNoKeyMaterial(r);
}

TEST_F(NodeJoinE2eTest, ServerDownFails) {
  // A port nobody listens on: bind, read the port, close.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  port_ = std::to_string(ntohs(addr.sin_port));
  close(fd);
  auto r = Join(TokenJoin(kToken, "sha256:" + std::string(64, 'a'), "e2e-down", "3s"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("failed to request the cluster-info ConfigMap"));
  EXPECT_THAT(r.err, HasSubstr("hint: the API server could not be reached"));
  ExpectNoKeyMaterial(r);
}

TEST_F(NodeJoinE2eTest, UnwritableRootDirFails) {
  StartSandbox();
  CreateToken(kTokenId, kTokenSecret);
  // Nothing can be created under <root>/etc when it is a regular file (true even for root).
  ASSERT_OK(files::WriteFileAtomic(root_ + "/etc", "in the way", 0644));
  auto r = Join(TokenJoin(kToken, CaPin(sandbox_->ca_pem()), "e2e-readonly"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("[ERROR WriteAccess--etc-kubernetes]"));
  EXPECT_THAT(FilesUnder(root_), ::testing::ElementsAre("etc"));  // only what the test put there
}

TEST_F(NodeJoinE2eTest, ReadyNodeWithTheSameNameIsRefused) {
  StartSandbox();
  CreateToken(kTokenId, kTokenSecret);
  WaitForSignature(kTokenId);
  ASSERT_OK(sandbox_->CreateObjectForTest(
      "/api/v1/nodes",
      {{"apiVersion", "v1"},
       {"kind", "Node"},
       {"metadata", {{"name", "e2e-taken"}}},
       {"status", {{"conditions", nlohmann::json::array({{{"type", "Ready"}, {"status", "True"}}})}}}}));
  auto r = Join(TokenJoin(kToken, CaPin(sandbox_->ca_pem()), "e2e-taken"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err,
              HasSubstr("a Node with name \"e2e-taken\" and status \"Ready\" already exists in the cluster"));
  ExpectNoKeyMaterial(r);
}

TEST_F(NodeJoinE2eTest, HttpsDiscoveryGetterVerifiesTls) {
  // The production getter of https:// discovery files: system trust store plus the optional
  // extra CA (--https-discovery-ca-file). The sandbox's CA is not in the system store.
  StartSandbox();
  auto with_ca = discovery::https::NewHttpsGetter(sandbox_->ca_pem(), std::chrono::seconds(10));
  auto body = with_ca(sandbox_->url() + "/version");
  ASSERT_OK(body);
  EXPECT_THAT(*body, HasSubstr("gitVersion"));
  auto system_only = discovery::https::NewHttpsGetter("", std::chrono::seconds(10));
  EXPECT_THAT(system_only(sandbox_->url() + "/version"),
              ::joinguard::testing::StatusIs(StatusCode::kUnavailable));
}

// --- #12: kubelet health wait, kubeadm-config/kubelet-config, --patches, dry run, exit contract ---

// A fake kubelet's /healthz on a port-0 server; the port reaches joinguard-node the way it
// reaches kubeadm: through the kubelet configuration, here patched with --patches.
TEST_F(NodeJoinE2eTest, WaitsForTheKubeletHealthzFromThePatchedConfiguration) {
  sandbox::SandboxOptions options;
  options.version_minor = "34";  // kubeadm 1.34 records the CRI socket in a file, not on the Node
  StartSandbox(options);
  CreateToken(kTokenId, kTokenSecret);
  WaitForSignature(kTokenId);
  testing::HealthServer kubelet(testing::HealthServer::Scheme::kHttp);
  const std::string patches = work_ + "/patches";
  ASSERT_OK(files::WriteFileAtomic(patches + "/kubeletconfiguration0+strategic.yaml",
                                   "healthzPort: " + std::to_string(kubelet.port()) + "\n", 0644));
  ASSERT_OK(files::WriteFileAtomic(patches + "/kubeletconfiguration1+json.json",
                                   R"([{"op": "add", "path": "/maxPods", "value": 42}])", 0644));
  auto args = TokenJoin(kToken, CaPin(sandbox_->ca_pem()), "e2e-healthy");
  args.insert(args.end(), {"--patches", patches});
  auto r = Join(args, /*with_kubelet=*/true);
  ASSERT_EQ(r.exit_code, 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(kubelet.port()) + "/healthz";
  EXPECT_THAT(r.out, HasSubstr("[kubelet-check] Waiting for a healthy kubelet at " + url +
                               ". This can take up to 4m0s"));
  EXPECT_THAT(r.out, HasSubstr("[kubelet-check] The kubelet is healthy after "));
  EXPECT_GE(kubelet.requests(), 1);
  EXPECT_THAT(r.out, HasSubstr("[patches] Applied patch of type \"application/json-patch+json\" to target "
                               "\"kubeletconfiguration\""));
  // config.yaml: the sandbox's kubelet-config, kubeadm's per-node completion, the patches.
  auto config = files::ReadFile(root_ + "/var/lib/kubelet/config.yaml");
  ASSERT_OK(config);
  EXPECT_THAT(*config, HasSubstr("healthzPort: " + std::to_string(kubelet.port())));
  EXPECT_THAT(*config, HasSubstr("maxPods: 42"));
  EXPECT_THAT(*config, HasSubstr("rotateCertificates: true"));
  EXPECT_THAT(*config, HasSubstr("kind: KubeletConfiguration"));
  EXPECT_THAT(KubectlAsNode(), HasSubstr("system:node:e2e-healthy"));
}

// joinguard-node keeps one connection pool per TLS trust for the whole join
// (node-helper/phases/shared_transports.h), and each pool reuses its connection: the insecure
// first cluster-info read; the CA-verified cluster-info re-read and every bootstrap-token request
// (kubeadm-config, kubelet-config, the Node check, the CSR create and its watch); the
// client-certificate requests at the end (the CRI socket annotation on the Node, kubeadm 1.31).
// Three pools. A pool may open a second connection when its connection is not back in the pool
// yet or was dropped (the CSR watch is abandoned mid-stream): 3 to 5 connections measured with
// common/kube's cpprest adapter. A join with a transport per client makes at least six (one per
// client), one with a connection per request nine (both measured by breaking SharedTransports).
TEST_F(NodeJoinE2eTest, TokenDiscoveryJoinOpensOneConnectionPoolPerTrust) {
  constexpr int64_t kTrusts = 3;  // insecure discovery, CA + bootstrap token, CA + client certificate
  // cpprestsdk puts a connection back into its pool only when the request's context is destroyed
  // (~asio_context in cpprestsdk Release/src/http/client/http_client_asio.cpp), which can be after
  // the caller has its response: on a loaded machine the next request then finds the pool empty
  // and opens another connection (3 on a quiet machine, 4 in 3 of 6 joins beside three busy loops).
  constexpr int64_t kReopened = 2;
  StartSandbox();  // kubeadm 1.31: the CRI socket goes on the Node, with the node's certificate
  CreateToken(kTokenId, kTokenSecret);
  WaitForSignature(kTokenId);
  // The Node as the kubelet registers it (not Ready yet), for the annotation.
  ASSERT_OK(sandbox_->CreateObjectForTest(
      "/api/v1/nodes", {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", "e2e-conns"}}}}));
  testing::HealthServer kubelet(testing::HealthServer::Scheme::kHttp);
  const std::string patches = work_ + "/patches";
  ASSERT_OK(files::WriteFileAtomic(patches + "/kubeletconfiguration.yaml",
                                   "healthzPort: " + std::to_string(kubelet.port()) + "\n", 0644));
  auto args = TokenJoin(kToken, CaPin(sandbox_->ca_pem()), "e2e-conns");
  args.insert(args.end(), {"--patches", patches});

  const sandbox::ConnectionStats before = sandbox_->Connections();
  auto r = Join(args, /*with_kubelet=*/true);
  const sandbox::ConnectionStats after = sandbox_->Connections();
  ASSERT_EQ(r.exit_code, 0);
  // Every trust was used: the certificate-authenticated annotation is the join's last request.
  EXPECT_THAT(r.out, HasSubstr("[patchnode] Uploading the CRI socket"));
  ASSERT_OK_AND_ASSIGN(nlohmann::json node, sandbox_->GetObjectForTest("/api/v1/nodes/e2e-conns"));
  EXPECT_TRUE(node["metadata"].contains("annotations")) << node.dump();
  EXPECT_THAT(r.out + r.err, Not(HasSubstr("Warning")));

  const int64_t opened = after.tcp_accepted - before.tcp_accepted;
  const int64_t handshakes = after.tls_handshakes - before.tls_handshakes;
  std::cerr << "joinguard-node join opened " << opened << " connections (" << handshakes
            << " TLS handshakes)\n";
  EXPECT_LE(opened, kTrusts + kReopened)
      << "one connection pool per trust, reused for every request of that trust";
  EXPECT_GE(handshakes, kTrusts) << "each trust needs its own connection: the count missed some";
}

// Bounded wait with kubeadm's troubleshooting text; the credentials stay (the CSR was approved).
TEST_F(NodeJoinE2eTest, UnhealthyKubeletFailsAfterTheConfiguredTimeout) {
  sandbox::SandboxOptions options;
  options.version_minor = "34";  // kubeadm 1.34 records the CRI socket in a file, not on the Node
  StartSandbox(options);
  CreateToken(kTokenId, kTokenSecret);
  WaitForSignature(kTokenId);
  testing::HealthServer kubelet(testing::HealthServer::Scheme::kHttp, 500);
  const std::string patches = work_ + "/patches";
  ASSERT_OK(files::WriteFileAtomic(patches + "/kubeletconfiguration.yaml",
                                   "healthzPort: " + std::to_string(kubelet.port()) + "\n", 0644));
  const std::string config = work_ + "/join.yaml";
  std::ofstream(config) << "apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\ndiscovery:\n"
                        << "  bootstrapToken:\n    apiServerEndpoint: 127.0.0.1:" << port_
                        << "\n    token: " << kToken << "\n    caCertHashes:\n    - "
                        << CaPin(sandbox_->ca_pem())
                        << "\nnodeRegistration:\n  name: e2e-unhealthy\npatches:\n  directory: " << patches
                        << "\ntimeouts:\n  discovery: 30s\n  tlsBootstrap: 1m\n  kubeletHealthCheck: 2s\n";
  const auto start = std::chrono::steady_clock::now();
  auto r = Join({"--config", config}, /*with_kubelet=*/true);
  EXPECT_EQ(r.exit_code, 1);
  const std::string url = "http://127.0.0.1:" + std::to_string(kubelet.port()) + "/healthz";
  EXPECT_THAT(r.err, HasSubstr("error execution phase kubelet-start: The HTTP call equal to 'curl -sSL " +
                               url + "' returned status code: 500"));
  EXPECT_THAT(r.err, HasSubstr("--skip-kubelet-health-check"));
  EXPECT_THAT(r.out, HasSubstr("This can take up to 2s"));
  EXPECT_THAT(r.out, HasSubstr("\t- 'systemctl status kubelet'"));
  EXPECT_THAT(r.err, HasSubstr("hint: the node's credentials are in place"));
  EXPECT_GE(kubelet.requests(), 2);
  EXPECT_LT(std::chrono::steady_clock::now() - start, kRunTimeout);
  EXPECT_THAT(FilesUnder(root_), ::testing::Contains("etc/kubernetes/kubelet.conf"));
  EXPECT_THAT(KubectlAsNode(), HasSubstr("system:node:e2e-unhealthy"));
}

// An interrupt during the health wait comes after a successful TLS bootstrap: the valid
// credentials stay (rolling them back would strand the approved CSR).
TEST_F(NodeJoinE2eTest, InterruptDuringTheHealthWaitKeepsTheCredentials) {
  sandbox::SandboxOptions options;
  options.version_minor = "34";
  StartSandbox(options);
  CreateToken(kTokenId, kTokenSecret);
  WaitForSignature(kTokenId);
  testing::HealthServer kubelet(testing::HealthServer::Scheme::kHttp, 500);
  const std::string patches = work_ + "/patches";
  ASSERT_OK(files::WriteFileAtomic(patches + "/kubeletconfiguration.yaml",
                                   "healthzPort: " + std::to_string(kubelet.port()) + "\n", 0644));
  auto args = TokenJoin(kToken, CaPin(sandbox_->ca_pem()), "e2e-interrupted-wait");
  args.insert(args.end(), {"--patches", patches});
  auto proc = Subprocess::Start(JoinArgs(args, /*with_kubelet=*/true), work_ + "/logs");
  ASSERT_OK(proc);
  ASSERT_OK(
      (*proc)->WaitForOutput("[kubelet-check] Waiting for a healthy kubelet", std::chrono::seconds(60)));
  (*proc)->Signal(SIGTERM);
  auto code = (*proc)->Wait(kRunTimeout);
  ASSERT_OK(code);
  EXPECT_EQ(*code, 128 + SIGTERM);
  EXPECT_THAT(FilesUnder(root_), ::testing::Contains("etc/kubernetes/kubelet.conf"));
  EXPECT_THAT(FilesUnder(root_), ::testing::Contains("var/lib/kubelet/pki/kubelet-client-current.pem"));
  EXPECT_THAT(KubectlAsNode(), HasSubstr("system:node:e2e-interrupted-wait"));
}

// kubeadm's dry run: discovery and the reads are real, the files go to a temporary directory
// (KUBEADM_JOIN_DRYRUN_DIR here) and the kubelet files are printed; nothing under the root, no
// CSR. The cluster name comes from kube-system/kubeadm-config.
TEST_F(NodeJoinE2eTest, DryRunWritesIntoATemporaryDirectoryAndPrintsTheFiles) {
  StartSandbox();
  CreateToken(kTokenId, kTokenSecret);
  WaitForSignature(kTokenId);
  const std::string cm_path = "/api/v1/namespaces/kube-system/configmaps/kubeadm-config";
  auto cm = sandbox_->GetObjectForTest(cm_path);
  ASSERT_OK(cm);
  std::string cc = (*cm)["data"]["ClusterConfiguration"].get<std::string>();
  const auto at = cc.find("clusterName: kubernetes");
  ASSERT_NE(at, std::string::npos);
  cc.replace(at, std::string("clusterName: kubernetes").size(), "clusterName: e2e-prod");
  (*cm)["data"]["ClusterConfiguration"] = cc;
  ASSERT_OK(sandbox_->UpdateObjectForTest(cm_path, *cm));

  const std::string dry = work_ + "/dryrun";
  auto args = TokenJoin(kToken, CaPin(sandbox_->ca_pem()), "e2e-dry");
  args.push_back("--dry-run");
  auto r = Join(args, /*with_kubelet=*/false, {{"KUBEADM_JOIN_DRYRUN_DIR", dry}});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_THAT(FilesUnder(root_), IsEmpty()) << "a dry run writes nothing under the root";
  EXPECT_EQ(access((work_ + "/kubelet-restarted").c_str(), F_OK), -1) << "no kubelet restart";
  EXPECT_THAT(FilesUnder(dry),
              ::testing::ElementsAre("etc/kubernetes/bootstrap-kubelet.conf", "etc/kubernetes/pki/ca.crt",
                                     "var/lib/kubelet/config.yaml", "var/lib/kubelet/kubeadm-flags.env"));
  EXPECT_THAT(r.out,
              HasSubstr("[dryrun] Wrote certificates and kubeconfig files to the \"" + dry + "\" directory"));
  EXPECT_THAT(
      r.out,
      HasSubstr("[dryrun] Would write file \"" + root_ +
                "/var/lib/kubelet/config.yaml\" with content:\n\tapiVersion: kubelet.config.k8s.io/v1beta1"));
  EXPECT_THAT(r.out,
              HasSubstr("[dryrun] Would write file \"" + root_ + "/var/lib/kubelet/kubeadm-flags.env\""));
  EXPECT_THAT(r.out + r.err, Not(HasSubstr(kTokenSecret)));
  auto bootstrap = files::ReadFile(dry + "/etc/kubernetes/bootstrap-kubelet.conf");
  ASSERT_OK(bootstrap);
  EXPECT_THAT(*bootstrap, HasSubstr("  name: e2e-prod\n"));
  EXPECT_THAT(*bootstrap, HasSubstr("current-context: tls-bootstrap-token-user@kubernetes"));
  auto csrs = sandbox_->ListObjectsForTest("/apis/certificates.k8s.io/v1/certificatesigningrequests");
  ASSERT_OK(csrs);
  EXPECT_THAT(*csrs, IsEmpty()) << "a dry run creates no CSR";
}

// kubeadm's exit contract behind --kubeadm-exit-codes: 1 for every failure, kubeadm's phase
// names in the error prefix; without it joinguard's richer codes (2 preflight, 3 invocation).
TEST_F(NodeJoinE2eTest, KubeadmExitContractFlag) {
  StartSandbox();
  CreateToken(kTokenId, kTokenSecret);
  WaitForSignature(kTokenId);
  const std::vector<std::string> bad = {
      "127.0.0.1:" + port_, "--token",      kToken, "--discovery-token-unsafe-skip-ca-verification",
      "--skip-phases",      "kubelet-strat"};
  auto bad_phase = Join(bad);
  EXPECT_EQ(bad_phase.exit_code, 3);
  auto with_flag = bad;
  with_flag.insert(with_flag.begin(), "--kubeadm-exit-codes");
  auto bad_phase_kubeadm = Join(with_flag);
  EXPECT_EQ(bad_phase_kubeadm.exit_code, 1);
  EXPECT_THAT(bad_phase_kubeadm.err, HasSubstr("invalid phase name: kubelet-strat"));
  auto usage = Join({"--tokn", "x", "--kubeadm-exit-codes"});
  EXPECT_EQ(usage.exit_code, 1);
  EXPECT_EQ(Join({"--tokn", "x"}).exit_code, 3);

  auto wrong_pin = TokenJoin(kToken, "sha256:" + std::string(64, 'a'), "e2e-contract");
  wrong_pin.push_back("--kubeadm-exit-codes");
  auto r = Join(wrong_pin);
  EXPECT_EQ(r.exit_code, 1);
  // joinguard's discovery phase is part of kubeadm's preflight.
  EXPECT_THAT(r.err,
              HasSubstr("error execution phase preflight: couldn't validate the identity of the API Server"));
  EXPECT_THAT(r.out, HasSubstr("[preflight] Running pre-flight checks"));

  ASSERT_OK(files::WriteFileAtomic(root_ + "/etc", "in the way", 0644));
  auto preflight = TokenJoin(kToken, CaPin(sandbox_->ca_pem()), "e2e-contract");
  EXPECT_EQ(Join(preflight).exit_code, 2);
  preflight.push_back("--kubeadm-exit-codes");
  auto pk = Join(preflight);
  EXPECT_EQ(pk.exit_code, 1);
  EXPECT_THAT(pk.err, HasSubstr("error execution phase preflight: [preflight] Some fatal errors occurred:"));
}

}  // namespace
}  // namespace joinguard::node::join_e2e
