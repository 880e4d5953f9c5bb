// joinguard-node's host preflight checks and CRI socket end to end: the sandbox API server in
// this process (port 0), joinguard-node as a separate process on a fake host root (--root-dir)
// that provides proc/ files, programs in usr/bin/ and a CRI socket this test listens on.
// Checked: a failing check stops the join with kubeadm's message and nothing written;
// --ignore-preflight-errors=<Name> turns it into a warning; the CRI socket is detected and
// recorded as kubeadm does for the cluster's version (the Node annotation, seen through kubectl,
// before v1.34; instance-config.yaml from v1.34); several runtimes are kubeadm's error.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/crypto/cert.h"
#include "common/crypto/pin.h"
#include "common/files/atomic_file.h"
#include "tests/e2e/node/health_server.h"
#include "tests/sandbox/sandbox.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

// A namespace of its own: the three node e2e files are one target (one unity translation unit).
namespace joinguard::node::preflight_e2e {
namespace {

using ::joinguard::testing::CommandResult;
using ::joinguard::testing::FilesUnder;
using ::joinguard::testing::RunCommand;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kNodeBinary[] = JOINGUARD_NODE_BINARY;
constexpr char kTokenId[] = "pfl0ab";
constexpr char kTokenSecret[] = "0123456789abcdef";
constexpr char kToken[] = "pfl0ab.0123456789abcdef";
constexpr auto kRunTimeout = std::chrono::seconds(120);
constexpr char kIpForwardCheck[] = "FileContent--proc-sys-net-ipv4-ip_forward";
constexpr char kCriSocketAnnotation[] = "kubeadm.alpha.kubernetes.io/cri-socket";

void WriteFile(const std::string& path, const std::string& content, mode_t mode = 0644) {
  ASSERT_OK(files::WriteFileAtomic(path, content, mode));
}

// A unix socket that accepts connections and closes them: what preflight and CRI detection see
// of a container runtime (they connect; they do not speak gRPC).
class FakeRuntimeSocket {
 public:
  explicit FakeRuntimeSocket(const std::string& path) : path_(path) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    EXPECT_LT(path.size(), sizeof(addr.sun_path));
    std::memcpy(addr.sun_path, path.data(), std::min(path.size(), sizeof(addr.sun_path) - 1));
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << std::strerror(errno);
    EXPECT_EQ(listen(fd_, SOMAXCONN), 0);
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0) continue;
        int c = accept(fd_, nullptr, nullptr);
        if (c >= 0) {
          ++accepted_;
          close(c);
        }
      }
    });
  }
  ~FakeRuntimeSocket() {
    stop_ = true;
    thread_.join();
    close(fd_);
    unlink(path_.c_str());
  }
  int accepted() const { return accepted_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

class PreflightE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work_ = joinguard::testing::MakeTempDir("pf-e2e-");
    root_ = work_ + "/root";
    ASSERT_EQ(mkdir(root_.c_str(), 0755), 0);
  }
  void TearDown() override {
    sandbox_.reset();
    joinguard::testing::RemoveTree(work_);
  }

  void StartSandbox(const std::string& minor) {
    sandbox::SandboxOptions options;
    options.version_minor = minor;
    auto sb = sandbox::Sandbox::Start(options);
    ASSERT_OK(sb);
    sandbox_ = *std::move(sb);
    sandbox::TokenSpec spec;
    spec.id = kTokenId;
    spec.secret = kTokenSecret;
    ASSERT_OK(sandbox_->CreateBootstrapToken(spec));
    ASSERT_OK(sandbox_->WaitForObjectForTest(
        "/api/v1/namespaces/kube-public/configmaps/cluster-info",
        [](const nlohmann::json& cm) {
          return cm.contains("data") && cm["data"].contains(std::string("jws-kubeconfig-") + kTokenId);
        },
        std::chrono::seconds(30)));
  }

  // A host on which kubeadm's checks pass, except what a test changes: proc/ files, the
  // programs kubeadm looks for (usr/bin, shell scripts), a kubelet answering `--version`.
  void MakeHost(const std::string& kubelet_version) {
    WriteFile(root_ + "/proc/swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
    WriteFile(root_ + "/proc/sys/net/ipv4/ip_forward", "1\n");
    for (const char* p :
         {"ip", "iptables", "mount", "nsenter", "ebtables", "ethtool", "socat", "tc", "touch"}) {
      WriteFile(root_ + "/usr/bin/" + p, "#!/bin/sh\nexit 0\n", 0755);
    }
    WriteFile(root_ + "/usr/bin/kubelet", "#!/bin/sh\necho 'Kubernetes " + kubelet_version + "'\n", 0755);
    host_files_ = FilesUnder(root_);
  }

  std::vector<std::string> JoinArgs(const std::string& node, const std::vector<std::string>& extra) {
    std::vector<std::string> args = {kNodeBinary,
                                     "join",
                                     "127.0.0.1:" + std::to_string(sandbox_->port()),
                                     "--token",
                                     kToken,
                                     "--discovery-token-ca-cert-hash",
                                     crypto::SpkiPin(*crypto::Certificate::FromPem(sandbox_->ca_pem())),
                                     "--node-name",
                                     node,
                                     "--root-dir",
                                     root_,
                                     "--discovery-retry-interval",
                                     "200ms",
                                     "--discovery-timeout",
                                     "30s",
                                     "--tls-bootstrap-timeout",
                                     "60s"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  CommandResult Join(const std::string& node, const std::vector<std::string>& extra) {
    auto r = RunCommand(JoinArgs(node, extra), kRunTimeout);
    EXPECT_OK(r);
    if (!r.ok()) return {};
    std::cerr << "--- joinguard-node stdout ---\n" << r->out << "--- stderr ---\n" << r->err;
    EXPECT_THAT(r->out + r->err, Not(HasSubstr(kTokenSecret)));
    return *r;
  }
  std::string AdminKubeconfig() {
    const std::string path = work_ + "/admin.conf";
    files::WriteFileAtomic(path, sandbox_->admin_kubeconfig_yaml(), 0600).IgnoreError();
    return path;
  }
  std::string ReadText(const std::string& path) {
    auto text = files::ReadFile(path);
    return text.ok() ? *text : "<" + text.status().message() + ">";
  }

  std::string work_, root_;
  std::vector<std::string> host_files_;
  std::unique_ptr<sandbox::Sandbox> sandbox_;
};

TEST_F(PreflightE2eTest, FailingHostCheckStopsTheJoinAndWritesNothing) {
  StartSandbox("31");
  MakeHost("v1.31.0");
  WriteFile(root_ + "/proc/sys/net/ipv4/ip_forward", "0\n");
  FakeRuntimeSocket runtime(root_ + "/var/run/containerd/containerd.sock");
  host_files_ = FilesUnder(root_);

  auto r = Join("pf-fail", {"--kubelet-restart-command", "true"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(
      r.err, HasSubstr("error execution phase preflight: [preflight] Some fatal errors occurred:\n\t[ERROR " +
                       std::string(kIpForwardCheck) + "]: " + root_ +
                       "/proc/sys/net/ipv4/ip_forward contents are not set to 1\n[preflight] If you know "
                       "what you are doing, you can make a check non-fatal with "
                       "`--ignore-preflight-errors=...`"));
  EXPECT_EQ(FilesUnder(root_), host_files_) << "a failed preflight must write nothing";
  EXPECT_GE(runtime.accepted(), 1) << "the CRI socket was not dialed";
}

TEST_F(PreflightE2eTest, KubeletNewerThanTheControlPlaneIsKubeadmsSkewError) {
  StartSandbox("31");
  MakeHost("v1.32.1");
  FakeRuntimeSocket runtime(root_ + "/var/run/containerd/containerd.sock");
  host_files_ = FilesUnder(root_);

  auto r = Join("pf-skew", {"--kubelet-restart-command", "true"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err,
              HasSubstr("\t[ERROR KubeletVersion]: the kubelet version is higher than the control plane "
                        "version. This is not a supported version skew and may lead to a malfunctional "
                        "cluster. Kubelet version: \"1.32.1\" Control plane version: \"1.31.0\"\n"));
  EXPECT_EQ(FilesUnder(root_), host_files_);
}

// v1.31 cluster: the annotation, after the kubelet (here: a restart command that registers the
// Node with the node's own credentials, and a /healthz server) is up.
TEST_F(PreflightE2eTest, IgnoredCheckWarnsAndTheCriSocketBecomesTheNodeAnnotation) {
  StartSandbox("31");
  MakeHost("v1.31.0");
  WriteFile(root_ + "/proc/sys/net/ipv4/ip_forward", "0\n");
  FakeRuntimeSocket runtime(root_ + "/var/run/crio/crio.sock");  // the only runtime: detected
  // The kubelet's /healthz for the health check that precedes the annotation.
  testing::HealthServer healthz(testing::HealthServer::Scheme::kHttp);
  // The kubelet configuration the cluster publishes points the health check at our server.
  auto cm = sandbox_->GetObjectForTest("/api/v1/namespaces/kube-system/configmaps/kubelet-config");
  ASSERT_OK(cm);
  (*cm)["data"]["kubelet"] =
      (*cm)["data"]["kubelet"].get<std::string>() + "healthzPort: " + std::to_string(healthz.port()) + "\n";
  ASSERT_OK(sandbox_->UpdateObjectForTest("/api/v1/namespaces/kube-system/configmaps/kubelet-config", *cm));
  const std::string node_json = work_ + "/node.json";
  WriteFile(node_json, R"({"apiVersion":"v1","kind":"Node","metadata":{"name":"pf-annotated"}})");
  const std::string register_node = "/usr/bin/kubectl --kubeconfig " + root_ +
                                    "/etc/kubernetes/kubelet.conf" + " --cache-dir " + work_ +
                                    "/kubectl-cache create --validate=false -f " + node_json;

  auto r = Join("pf-annotated",
                {"--ignore-preflight-errors", kIpForwardCheck, "--kubelet-restart-command", register_node});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out + r.err, HasSubstr("\t[WARNING " + std::string(kIpForwardCheck) + "]: " + root_ +
                                       "/proc/sys/net/ipv4/ip_forward contents are not set to 1"));
  EXPECT_THAT(ReadText(root_ + "/var/lib/kubelet/kubeadm-flags.env"),
              HasSubstr("--container-runtime-endpoint=unix:///var/run/crio/crio.sock"));
  EXPECT_FALSE(std::filesystem::exists(root_ + "/var/lib/kubelet/instance-config.yaml"));

  auto annotation =
      RunCommand({"/usr/bin/kubectl", "--kubeconfig", AdminKubeconfig(), "--cache-dir",
                  work_ + "/admin-cache", "get", "node", "pf-annotated", "-o",
                  "jsonpath={.metadata.annotations.kubeadm\\.alpha\\.kubernetes\\.io/cri-socket}"},
                 std::chrono::seconds(60), {{"HOME", work_}});
  ASSERT_OK(annotation);
  EXPECT_EQ(annotation->exit_code, 0) << annotation->err;
  EXPECT_EQ(annotation->out, "unix:///var/run/crio/crio.sock");
  auto node = sandbox_->GetObjectForTest("/api/v1/nodes/pf-annotated");
  ASSERT_OK(node);
  EXPECT_EQ((*node)["metadata"]["annotations"][kCriSocketAnnotation], "unix:///var/run/crio/crio.sock");
}

// v1.34 cluster: instance-config.yaml, applied to config.yaml, and no flag in kubeadm-flags.env.
TEST_F(PreflightE2eTest, CriSocketInInstanceConfigFromV134) {
  StartSandbox("34");
  MakeHost("v1.34.0");
  FakeRuntimeSocket runtime(root_ + "/var/run/containerd/containerd.sock");

  auto r = Join("pf-instance", {"--kubelet-restart-command", "true", "--skip-kubelet-health-check"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("[kubelet-start] Writing kubelet configuration to file \"" + root_ +
                               "/var/lib/kubelet/instance-config.yaml\""));
  EXPECT_EQ(ReadText(root_ + "/var/lib/kubelet/instance-config.yaml"),
            "containerRuntimeEndpoint: \"unix:///var/run/containerd/containerd.sock\"\n");
  EXPECT_THAT(ReadText(root_ + "/var/lib/kubelet/config.yaml"),
              HasSubstr("containerRuntimeEndpoint: unix:///var/run/containerd/containerd.sock"));
  EXPECT_THAT(ReadText(root_ + "/var/lib/kubelet/kubeadm-flags.env"),
              Not(HasSubstr("container-runtime-endpoint")));
  auto node = sandbox_->GetObjectForTest("/api/v1/nodes/pf-instance");
  EXPECT_FALSE(node.ok()) << "no kubelet ran, so no Node (and no annotation) is expected";
}

TEST_F(PreflightE2eTest, TwoRuntimesAreKubeadmsErrorBeforeAnythingIsWritten) {
  StartSandbox("31");
  MakeHost("v1.31.0");
  FakeRuntimeSocket containerd(root_ + "/var/run/containerd/containerd.sock");
  FakeRuntimeSocket dockerd(root_ + "/var/run/cri-dockerd.sock");
  host_files_ = FilesUnder(root_);

  auto r = Join("pf-two", {"--kubelet-restart-command", "true"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err,
              HasSubstr("found multiple CRI endpoints on the host. Please define which one do you wish to "
                        "use by setting the 'criSocket' field in the kubeadm configuration file: "
                        "unix:///var/run/containerd/containerd.sock, unix:///var/run/cri-dockerd.sock"));
  EXPECT_EQ(FilesUnder(root_), host_files_);

  // --cri-socket chooses; a bare path gets kubeadm's scheme warning.
  auto chosen = Join("pf-two", {"--kubelet-restart-command", "true", "--skip-kubelet-health-check",
                                "--cri-socket", "/var/run/cri-dockerd.sock"});
  ASSERT_EQ(chosen.exit_code, 0);
  EXPECT_THAT(chosen.err,
              HasSubstr("Automatically prepending scheme \"unix\" to the \"criSocket\" with value "
                        "\"/var/run/cri-dockerd.sock\""));
  EXPECT_THAT(ReadText(root_ + "/var/lib/kubelet/kubeadm-flags.env"),
              HasSubstr("--container-runtime-endpoint=unix:///var/run/cri-dockerd.sock"));
}

}  // namespace
}  // namespace joinguard::node::preflight_e2e
