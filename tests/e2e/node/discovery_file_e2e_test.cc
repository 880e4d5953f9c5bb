// File discovery with the credentials a discovery kubeconfig may carry, end to end: the sandbox
// API server in this process (port 0), joinguard-node as a separate process, kubectl to check the
// resulting identity. What kubeadm does (cmd/kubeadm/app/discovery/file/file.go,
// discovery/discovery.go, util/kubeconfig/kubeconfig.go HasAuthenticationCredentials):
//  - client certificate, token, basic auth: the file is the TLS-bootstrap kubeconfig when
//    --tls-bootstrap-token is absent;
//  - exec plugin: used for the cluster-info request only; the TLS bootstrap needs
//    --tls-bootstrap-token, else kubeadm's "could not find authentication credentials";
//  - tokenFile: the same as exec;
//  - auth-provider: client creation fails ("no Auth Provider found for name").
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "common/crypto/encoding.h"
#include "common/files/atomic_file.h"
#include "tests/sandbox/sandbox.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

// A namespace of its own: the three node e2e files are one target (one unity translation unit).
namespace joinguard::node::discovery_file_e2e {
namespace {

using ::joinguard::testing::CommandResult;
using ::joinguard::testing::FilesUnder;
using ::joinguard::testing::RunCommand;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kNodeBinary[] = JOINGUARD_NODE_BINARY;
constexpr char kTokenId[] = "fdisco";
constexpr char kTokenSecret[] = "0123456789abcdef";
constexpr char kToken[] = "fdisco.0123456789abcdef";
constexpr auto kRunTimeout = std::chrono::seconds(120);

class DiscoveryFileE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work_ = joinguard::testing::MakeTempDir("discovery-file-e2e-");
    root_ = work_ + "/root";
    ASSERT_EQ(mkdir(root_.c_str(), 0755), 0);
    auto sb = sandbox::Sandbox::Start({});
    ASSERT_OK(sb);
    sandbox_ = *std::move(sb);
    sandbox::TokenSpec spec;
    spec.id = kTokenId;
    spec.secret = kTokenSecret;
    ASSERT_OK(sandbox_->CreateBootstrapToken(spec));
  }
  void TearDown() override {
    sandbox_.reset();
    joinguard::testing::RemoveTree(work_);
  }

  // A discovery kubeconfig: the sandbox as cluster "" (CA embedded unless `insecure`), one
  // context, and `user_yaml` (the lines under `user:`, indented four spaces).
  std::string WriteDiscoveryFile(const std::string& user_yaml, bool insecure = false) {
    const std::string path = work_ + "/discovery.conf";
    std::ofstream f(path);
    f << "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n";
    if (insecure) {
      f << "    insecure-skip-tls-verify: true\n";
    } else {
      f << "    certificate-authority-data: " << crypto::Base64Encode(sandbox_->ca_pem()) << "\n";
    }
    f << "    server: " << sandbox_->url() << "\n  name: \"\"\ncontexts:\n- context:\n    cluster: \"\"\n"
      << "    user: joiner\n  name: joiner\ncurrent-context: joiner\nusers:\n- name: joiner\n  user:\n"
      << user_yaml;
    return path;
  }

  CommandResult Join(const std::string& discovery_file, const std::string& node,
                     const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {kNodeBinary,
                                     "join",
                                     "--root-dir",
                                     root_,
                                     "--kubelet-restart-command",
                                     "",
                                     "--discovery-file",
                                     discovery_file,
                                     "--node-name",
                                     node,
                                     "--discovery-retry-interval",
                                     "200ms",
                                     "--tls-bootstrap-timeout",
                                     "60s"};
    args.insert(args.end(), extra.begin(), extra.end());
    if (std::find(extra.begin(), extra.end(), "--discovery-timeout") == extra.end()) {
      args.insert(args.end(), {"--discovery-timeout", "20s"});
    }
    auto r = RunCommand(args, kRunTimeout);
    EXPECT_OK(r);
    if (!r.ok()) return {};
    std::cerr << "--- joinguard-node stdout ---\n" << r->out << "--- stderr ---\n" << r->err;
    return *r;
  }

  std::string KubectlWhoAmI() {
    const std::string home = work_ + "/kubectl-home";
    std::filesystem::create_directories(home);
    auto r =
        RunCommand({"/usr/bin/kubectl", "--kubeconfig", root_ + "/etc/kubernetes/kubelet.conf", "--cache-dir",
                    home + "/cache", "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"},
                   std::chrono::seconds(60), {{"HOME", home}});
    EXPECT_OK(r);
    return r.ok() ? r->out + r->err : "";
  }

  void ExpectJoinedAs(const CommandResult& r, const std::string& node) {
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("This node has joined the cluster"));
    EXPECT_THAT(KubectlWhoAmI(), HasSubstr("system:node:" + node));
    EXPECT_THAT(FilesUnder(root_), Not(::testing::Contains("etc/kubernetes/bootstrap-kubelet.conf")));
  }

  void ExpectRefused(const CommandResult& r, const std::string& message) {
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_THAT(r.err, HasSubstr(message));
    EXPECT_THAT(FilesUnder(root_), IsEmpty()) << "a refused join leaves nothing behind";
    EXPECT_THAT(r.out + r.err, Not(HasSubstr(kTokenSecret)));
  }

  std::string work_, root_;
  std::unique_ptr<sandbox::Sandbox> sandbox_;
};

constexpr char kNoCredentials[] =
    "could not find authentication credentials for the TLS bootstrap process. Please use Token discovery, a "
    "discovery file with embedded authentication credentials or a discovery file without authentication "
    "credentials but with the TLSBootstrapToken flag";

TEST_F(DiscoveryFileE2eTest, ClientCertificateFilesAreTheBootstrapCredentials) {
  // A certificate in the bootstrappers group: RBAC lets it create CSRs and csrapproving approves.
  auto pair =
      sandbox_->IssueClientCert("file-bootstrapper", {"system:bootstrappers:kubeadm:default-node-token"});
  ASSERT_OK(pair);
  const std::string cert = work_ + "/joiner.crt", key = work_ + "/joiner.key";
  std::ofstream(cert) << pair->first;
  std::ofstream(key) << pair->second;
  // Files, not data: kubeadm embeds them so the file can become bootstrap-kubelet.conf.
  auto r = Join(WriteDiscoveryFile("    client-certificate: " + cert + "\n    client-key: " + key + "\n"),
                "e2e-cert-node");
  ExpectJoinedAs(r, "e2e-cert-node");
}

TEST_F(DiscoveryFileE2eTest, TokenInTheFileIsTheBootstrapCredential) {
  auto r = Join(WriteDiscoveryFile(std::string("    token: ") + kToken + "\n"), "e2e-token-node");
  ExpectJoinedAs(r, "e2e-token-node");
  EXPECT_THAT(r.out + r.err, Not(HasSubstr(kTokenSecret)));
}

TEST_F(DiscoveryFileE2eTest, BasicAuthFileIsPassedOnAsTheBootstrapCredentials) {
  // kube-apiserver (>= 1.19) has no basic authenticator: a Basic header is anonymous, which the
  // sandbox reproduces. An authenticating proxy would map it to a user; here the cluster lets the
  // anonymous user bootstrap, so the join shows the file's credentials carry the TLS bootstrap.
  ASSERT_OK(sandbox_->CreateObjectForTest(
      "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
      {{"apiVersion", "rbac.authorization.k8s.io/v1"},
       {"kind", "ClusterRoleBinding"},
       {"metadata", {{"name", "e2e-anonymous-bootstrap"}}},
       {"roleRef",
        {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", "cluster-admin"}}},
       {"subjects",
        {{{"apiGroup", "rbac.authorization.k8s.io"},
          {"kind", "Group"},
          {"name", "system:unauthenticated"}}}}}));
  const std::string file = WriteDiscoveryFile("    password: s3cret-pass\n    username: node-joiner\n");
  // Without the TLS bootstrap the file is left as bootstrap-kubelet.conf, as kubeadm hands it to
  // the kubelet: the basic credentials are in it.
  auto staged = Join(file, "e2e-basic-node", {"--skip-phases", "tls-bootstrap"});
  ASSERT_EQ(staged.exit_code, 0) << staged.err;
  auto conf = files::ReadFile(root_ + "/etc/kubernetes/bootstrap-kubelet.conf");
  ASSERT_OK(conf);
  EXPECT_THAT(*conf, HasSubstr("username: node-joiner"));
  EXPECT_THAT(*conf, HasSubstr("password: s3cret-pass"));
  EXPECT_THAT(*conf, HasSubstr("certificate-authority-data: "));
  joinguard::testing::RemoveTree(root_);
  ASSERT_EQ(mkdir(root_.c_str(), 0755), 0);

  auto r = Join(file, "e2e-basic-node");
  ExpectJoinedAs(r, "e2e-basic-node");
}

TEST_F(DiscoveryFileE2eTest, ExecPluginAuthenticatesTheClusterInfoRequest) {
  // Only bootstrappers may read cluster-info (anonymous access closed, as the kubeadm docs
  // suggest); the file trusts the server without a CA, so the CA must come from cluster-info,
  // which only the exec plugin's credential can read.
  ASSERT_OK(
      sandbox_->DeleteObjectForTest("/apis/rbac.authorization.k8s.io/v1/namespaces/kube-public/rolebindings/"
                                    "kubeadm:bootstrap-signer-clusterinfo"));
  ASSERT_OK(sandbox_->CreateObjectForTest(
      "/apis/rbac.authorization.k8s.io/v1/namespaces/kube-public/rolebindings",
      {{"apiVersion", "rbac.authorization.k8s.io/v1"},
       {"kind", "RoleBinding"},
       {"metadata", {{"name", "e2e-clusterinfo-bootstrappers"}, {"namespace", "kube-public"}}},
       {"roleRef",
        {{"apiGroup", "rbac.authorization.k8s.io"},
         {"kind", "Role"},
         {"name", "kubeadm:bootstrap-signer-clusterinfo"}}},
       {"subjects",
        {{{"apiGroup", "rbac.authorization.k8s.io"},
          {"kind", "Group"},
          {"name", "system:bootstrappers"}}}}}));
  const std::string plugin = work_ + "/credential-plugin.sh";
  const std::string seen = work_ + "/exec-info.json";
  std::ofstream(plugin)
      << "#!/bin/sh\nprintf '%s' \"$KUBERNETES_EXEC_INFO\" > " << seen
      << "\nprintf '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
         "\"status\":{\"token\":\"%s\"}}' \"$JOIN_TOKEN\"\n";
  ASSERT_EQ(chmod(plugin.c_str(), 0700), 0);
  const std::string file = WriteDiscoveryFile(
      "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
      "      command: " +
          plugin + "\n      env:\n      - name: JOIN_TOKEN\n        value: " + kToken +
          "\n      interactiveMode: Never\n      provideClusterInfo: true\n",
      /*insecure=*/true);

  // kubeadm: an exec plugin is no TLS-bootstrap credential.
  auto refused = Join(file, "e2e-exec-node");
  ExpectRefused(refused, kNoCredentials);

  auto r = Join(file, "e2e-exec-node", {"--tls-bootstrap-token", kToken});
  ExpectJoinedAs(r, "e2e-exec-node");
  auto info = files::ReadFile(seen);
  ASSERT_OK(info) << "the plugin ran";
  EXPECT_THAT(*info, HasSubstr("\"kind\":\"ExecCredential\""));
  EXPECT_THAT(*info, HasSubstr("\"server\":\"" + sandbox_->url() + "\""));
  EXPECT_THAT(*info, HasSubstr("\"interactive\":false"));
  // The CA written for the kubelet is the one cluster-info handed to the plugin's identity.
  auto ca = files::ReadFile(root_ + "/etc/kubernetes/pki/ca.crt");
  ASSERT_OK(ca);
  const std::string& want = sandbox_->ca_pem();
  EXPECT_THAT(*ca, HasSubstr(want.substr(want.size() / 2, 64)));
}

TEST_F(DiscoveryFileE2eTest, FailingExecPluginIsKubeadmsError) {
  const std::string file = WriteDiscoveryFile(
      "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: /bin/false\n",
      /*insecure=*/true);
  auto r = Join(file, "e2e-exec-fail", {"--tls-bootstrap-token", kToken, "--discovery-timeout", "1s"});
  ExpectRefused(r, "getting credentials: exec: executable /bin/false failed with exit code 1");
  EXPECT_THAT(r.err, HasSubstr("Abort reading the cluster-info ConfigMap after timeout of 1s"));
}

TEST_F(DiscoveryFileE2eTest, AuthProviderIsRefusedWithKubeadmsMessage) {
  const std::string file =
      WriteDiscoveryFile("    auth-provider:\n      name: oidc\n      config:\n        id-token: abc\n");
  auto r = Join(file, "e2e-authprovider", {"--tls-bootstrap-token", kToken});
  ExpectRefused(
      r,
      "couldn't validate the identity of the API Server: failed to create API client: no Auth Provider "
      "found for name \"oidc\"");
}

TEST_F(DiscoveryFileE2eTest, TokenFileIsNoBootstrapCredential) {
  const std::string token_file = work_ + "/token";
  std::ofstream(token_file) << kToken << "\n";
  const std::string file = WriteDiscoveryFile("    tokenFile: " + token_file + "\n");
  ExpectRefused(Join(file, "e2e-tokenfile"), kNoCredentials);
  // With --tls-bootstrap-token the tokenFile still authenticates the cluster-info request.
  ExpectJoinedAs(Join(file, "e2e-tokenfile", {"--tls-bootstrap-token", kToken}), "e2e-tokenfile");
}

}  // namespace
}  // namespace joinguard::node::discovery_file_e2e
