#include "tests/e2e/deploy/deployed_cluster.h"

#include <signal.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include "common/crypto/csr.h"
#include "common/crypto/encoding.h"
#include "common/crypto/key.h"
#include "tests/testing/http_get.h"

namespace joinguard::deploy_test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr char kKubectl[] = "/usr/bin/kubectl";
constexpr auto kKubectlTimeout = 60s;
// Polling interval of a condition wait (file content, API object): not synchronisation.
constexpr auto kPoll = 50ms;
constexpr int kTokenBytes = 24;

std::string RandomHex(int bytes) {
  std::random_device rd;
  std::ostringstream out;
  for (int i = 0; i < bytes; ++i) out << std::hex << ((rd() >> 3) & 0xf) << ((rd() >> 7) & 0xf);
  return out.str();
}

Status WriteFile(const std::string& path, const std::string& body) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << body;
  out.close();
  if (!out) return InternalError("cannot write " + path);
  return OkStatus();
}

// Replaces $(VAR) references as the kubelet does for container args.
std::string ExpandEnvRefs(std::string arg, const std::map<std::string, std::string>& env) {
  for (const auto& [k, v] : env) {
    std::string ref = "$(" + k + ")";
    for (size_t at = arg.find(ref); at != std::string::npos; at = arg.find(ref, at + v.size())) {
      arg.replace(at, ref.size(), v);
    }
  }
  return arg;
}

}  // namespace

bool WaitUntil(const std::function<bool()>& fn, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (fn()) return true;
    std::this_thread::sleep_for(kPoll);
  }
  return fn();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string HttpGet(int port, const std::string& path) {
  int status = 0;
  std::string body = joinguard::testing::HttpGet(port, path, &status);
  return status == 0 ? "" : body;
}

bool Controller::LogHasLineWithAll(const std::vector<std::string>& needles) const {
  std::istringstream in(Log());
  for (std::string line; std::getline(in, line);) {
    bool all = true;
    for (const auto& n : needles) all = all && line.find(n) != std::string::npos;
    if (all) return true;
  }
  return false;
}

Status Controller::Stop() {
  if (!process || process->exit_code()) return OkStatus();
  process->Signal(SIGTERM);
  JG_ASSIGN_OR_RETURN(int code, process->Wait(30s));
  if (code != 0) return InternalError("joinguard-controller exited " + std::to_string(code) + ": " + Log());
  return OkStatus();
}

StatusOr<std::unique_ptr<DeployedCluster>> DeployedCluster::Start() {
  auto c = std::unique_ptr<DeployedCluster>(new DeployedCluster());
  c->dir_ = testing::MakeTempDir("jg-deploy-");
  c->admin_kubeconfig_ = c->dir_ + "/admin.conf";
  sandbox::SandboxOptions so;
  so.admin_kubeconfig_path = c->admin_kubeconfig_;
  so.autoapprove_binding = true;  // a stock kubeadm cluster, before the migration
  JG_ASSIGN_OR_RETURN(c->sandbox_, sandbox::Sandbox::Start(so));
  sandbox::TokenSpec t;
  t.id = kBootstrapTokenId;
  t.secret = "0123456789abcdef";
  JG_RETURN_IF_ERROR(c->sandbox_->CreateBootstrapToken(t));
  return c;
}

DeployedCluster::~DeployedCluster() {
  sandbox_.reset();
  if (!dir_.empty() && std::getenv("JOINGUARD_KEEP_TEST_DIRS") == nullptr) testing::RemoveTree(dir_);
}

StatusOr<testing::CommandResult> DeployedCluster::Kubectl(const std::vector<std::string>& args,
                                                          const std::string& stdin_data,
                                                          const std::string& kubeconfig) {
  std::vector<std::string> argv = {kKubectl, "--kubeconfig",
                                   kubeconfig.empty() ? admin_kubeconfig_ : kubeconfig, "--cache-dir",
                                   dir_ + "/kubectl-cache"};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::RunCommand(argv, kKubectlTimeout, {{"HOME", dir_}}, stdin_data);
}

StatusOr<std::string> DeployedCluster::KubectlOk(const std::vector<std::string>& args,
                                                 const std::string& stdin_data,
                                                 const std::string& kubeconfig) {
  JG_ASSIGN_OR_RETURN(testing::CommandResult r, Kubectl(args, stdin_data, kubeconfig));
  if (r.exit_code != 0) {
    std::string cmd = "kubectl";
    for (const auto& a : args) cmd += " " + a;
    return InternalError(cmd + " exited " + std::to_string(r.exit_code) + ": " + r.err + r.out);
  }
  return r.out;
}

StatusOr<json> DeployedCluster::KubectlJson(const std::vector<std::string>& args) {
  std::vector<std::string> a = args;
  a.insert(a.end(), {"-o", "json"});
  JG_ASSIGN_OR_RETURN(std::string out, KubectlOk(a));
  json j = json::parse(out, nullptr, false);
  if (j.is_discarded()) return InternalError("kubectl printed no JSON: " + out);
  return j;
}

Status DeployedCluster::ApplyDeploy(const std::string& path) {
  return KubectlOk({"apply", "-k", std::string(JOINGUARD_SOURCE_DIR) + "/deploy/" + path, "--validate=false"})
      .status();
}

StatusOr<std::string> DeployedCluster::ServiceAccountKubeconfig() {
  if (!sa_kubeconfig_.empty()) return sa_kubeconfig_;
  std::string token = RandomHex(kTokenBytes);
  JG_RETURN_IF_ERROR(sandbox_->AddServiceAccountToken(kNamespace, kServiceAccount, token));
  std::string ca = dir_ + "/sa-ca.crt";
  JG_RETURN_IF_ERROR(WriteFile(ca, sandbox_->ca_pem()));
  std::string path = dir_ + "/serviceaccount.conf";
  JG_RETURN_IF_ERROR(WriteFile(path,
                               "apiVersion: v1\nkind: Config\nclusters:\n- name: sandbox\n  cluster:\n"
                               "    server: " +
                                   sandbox_->url() + "\n    certificate-authority: " + ca +
                                   "\nusers:\n- name: joinguard-controller\n  user:\n    token: " + token +
                                   "\ncontexts:\n- name: sa\n  context:\n    cluster: sandbox\n"
                                   "    user: joinguard-controller\n    namespace: " +
                                   kNamespace + "\ncurrent-context: sa\n"));
  sa_kubeconfig_ = path;
  return path;
}

Status DeployedCluster::DeleteAutoapproveBinding() {
  return KubectlOk({"delete", "clusterrolebinding", "kubeadm:node-autoapprove-bootstrap"}).status();
}

StatusOr<Controller> DeployedCluster::StartController(const std::string& identity,
                                                      const std::vector<std::string>& extra) {
  JG_ASSIGN_OR_RETURN(std::string kubeconfig, ServiceAccountKubeconfig());
  JG_ASSIGN_OR_RETURN(json deploy,
                      KubectlJson({"get", "deployment", "-n", kNamespace, "joinguard-controller"}));
  JG_ASSIGN_OR_RETURN(json cm, KubectlJson({"get", "configmap", "-n", kNamespace, "joinguard-policy"}));
  std::string policy = dir_ + "/policy-" + identity + ".yaml";
  JG_RETURN_IF_ERROR(WriteFile(policy, cm["data"].value("policy.yaml", "")));

  const json& container = deploy["spec"]["template"]["spec"]["containers"][0];
  std::map<std::string, std::string> env = {{"POD_NAME", identity}, {"POD_NAMESPACE", kNamespace}};
  std::vector<std::string> argv = {JOINGUARD_CONTROLLER_BINARY, "--kubeconfig", kubeconfig,
                                   "--leader-election-namespace", kNamespace};
  for (const auto& a : container.value("args", json::array())) {
    std::string arg = ExpandEnvRefs(a.get<std::string>(), env);
    if (arg.rfind("--metrics-address=", 0) == 0) arg = "--metrics-address=127.0.0.1:0";
    if (arg.rfind("--health-address=", 0) == 0) arg = "--health-address=127.0.0.1:0";
    if (arg.rfind("--policy-file=", 0) == 0) arg = "--policy-file=" + policy;
    argv.push_back(arg);
  }
  argv.insert(argv.end(), extra.begin(), extra.end());

  Controller c;
  JG_ASSIGN_OR_RETURN(c.process, testing::Subprocess::Start(argv, dir_ + "/logs", env));
  // Text: `serving metrics address=127.0.0.1:N`; JSON: `"msg":"serving metrics","address":"127.0.0.1:N"`.
  std::regex metrics_re(R"(serving metrics"?(,"address":"| address=)127\.0\.0\.1:([0-9]+))");
  std::regex health_re(R"(serving health probes"?(,"address":"| address=)127\.0\.0\.1:([0-9]+))");
  bool up = WaitUntil([&] {
    std::string log = c.process->Stderr();
    std::smatch m;
    if (std::regex_search(log, m, metrics_re)) c.metrics_port = std::stoi(m[2]);
    if (std::regex_search(log, m, health_re)) c.health_port = std::stoi(m[2]);
    return (c.metrics_port > 0 && c.health_port > 0) || c.process->exit_code().has_value();
  });
  if (!up || c.metrics_port == 0 || c.health_port == 0) {
    return InternalError("joinguard-controller did not report its ports: " + c.process->Stderr());
  }
  return c;
}

Status DeployedCluster::CreateCsrForSigner(const std::string& csr_name, const std::string& signer,
                                           const std::string& cn, const std::vector<std::string>& orgs,
                                           const std::vector<std::string>& usages) {
  JG_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate(crypto::KeyType::kEcdsaP256));
  crypto::CsrTemplate tmpl;
  for (const auto& o : orgs) tmpl.subject.push_back({"O", o});
  tmpl.subject.push_back({"CN", cn});
  JG_ASSIGN_OR_RETURN(std::string pem, crypto::BuildCsrPem(key, tmpl));
  json obj = {{"apiVersion", "certificates.k8s.io/v1"},
              {"kind", "CertificateSigningRequest"},
              {"metadata", {{"name", csr_name}}},
              {"spec",
               {{"request", crypto::Base64Encode(pem)},
                {"signerName", signer},
                {"usages", usages},
                {"username", std::string("system:bootstrap:") + kBootstrapTokenId},
                {"groups",
                 {"system:bootstrappers", "system:bootstrappers:kubeadm:default-node-token",
                  "system:authenticated"}}}}};
  return sandbox_->CreateObjectForTest(kCsrCollection, obj).status();
}

Status DeployedCluster::CreateBootstrapCsr(const std::string& csr_name, const std::string& node) {
  return CreateCsrForSigner(csr_name, kKubeletClientSigner, "system:node:" + node, {"system:nodes"},
                            {"digital signature", "client auth"});
}

std::string DeployedCluster::CsrDecision(const std::string& csr_name, std::string* reason) {
  auto obj = sandbox_->GetObjectForTest(std::string(kCsrCollection) + "/" + csr_name);
  if (!obj.ok()) return "";
  for (const auto& c : obj->value("status", json::object()).value("conditions", json::array())) {
    std::string type = c.value("type", "");
    if (type == "Approved" || type == "Denied" || type == "Failed") {
      if (reason) *reason = c.value("reason", "");
      return type;
    }
  }
  return "";
}

Status DeployedCluster::CreateNode(const std::string& name) {
  return sandbox_
      ->CreateObjectForTest("/api/v1/nodes",
                            {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", name}}}})
      .status();
}

}  // namespace joinguard::deploy_test
