#include "tests/bench/controller/rig.h"

#include <signal.h>

#include <atomic>
#include <cstdio>
#include <regex>
#include <thread>

#include "common/crypto/csr.h"
#include "common/crypto/key.h"
#include "tests/testing/yaml_json.h"

namespace joinguard::bench {

using namespace std::chrono_literals;

constexpr auto kControllerStartTimeout = 60s;
constexpr auto kControllerStopTimeout = 30s;
constexpr char kProbeCsrName[] = "bench-requester-probe";

StatusOr<CsrPool> CsrPool::Build(size_t count, int threads) {
  CsrPool pool;
  pool.pems_.resize(count);
  std::atomic<size_t> next{0};
  std::mutex mu;
  Status first_error;
  std::vector<std::thread> workers;
  for (int t = 0; t < std::max(1, threads); ++t) {
    workers.emplace_back([&] {
      for (size_t i = next++; i < count; i = next++) {
        auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcdsaP256);
        StatusOr<std::string> pem =
            key.ok() ? crypto::BuildCsrPem(*key, crypto::CsrTemplate::ForKubeletClient(NodeName(i)))
                     : StatusOr<std::string>(key.status());
        if (!pem.ok()) {
          std::lock_guard<std::mutex> l(mu);
          if (first_error.ok()) first_error = pem.status();
          return;
        }
        pool.pems_[i] = std::move(*pem);
      }
    });
  }
  for (auto& w : workers) w.join();
  if (!first_error.ok()) return first_error;
  return pool;
}

std::string CsrPool::NodeName(size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "bench-node-%06zu", i);
  return buf;
}

StatusOr<std::unique_ptr<Rig>> Rig::Start(const RigOptions& options) {
  std::unique_ptr<Rig> rig(new Rig(options));
  sandbox::SandboxOptions so;
  so.autoapprove_binding = false;  // joinguard must be the only approver
  so.run_controllers = options.run_sandbox_controllers;
  JG_ASSIGN_OR_RETURN(rig->sandbox_, sandbox::Sandbox::Start(so));
  // The controller records every bootstrap approval in a NodeJoin: install the CRD as an
  // operator does (deploy/base/crds), or no bootstrap CSR is ever approved.
  try {
    const YAML::Node crd =
        YAML::LoadFile(std::string(JOINGUARD_SOURCE_DIR) + "/deploy/base/crds/nodejoins.yaml");
    JG_RETURN_IF_ERROR(rig->sandbox_
                           ->CreateObjectForTest("/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                                                 testing::YamlToJson(crd))
                           .status());
  } catch (const YAML::Exception& e) {
    return InternalError(std::string("reading deploy/base/crds/nodejoins.yaml: ") + e.what());
  }
  sandbox::TokenSpec token;
  token.id = kTokenId;
  token.secret = kTokenSecret;
  JG_RETURN_IF_ERROR(rig->sandbox_->CreateBootstrapToken(token));
  rig->kubeconfig_ = options.dir + "/admin.conf";
  JG_RETURN_IF_ERROR(WriteFile(rig->kubeconfig_, rig->sandbox_->admin_kubeconfig_yaml()));
  JG_ASSIGN_OR_RETURN(rig->admin_, rig->AdminClient());
  JG_RETURN_IF_ERROR(rig->LearnRequesterFields());
  return rig;
}

Rig::~Rig() {
  (void)StopController();
  admin_.reset();
  sandbox_.reset();
}

StatusOr<std::unique_ptr<kube::Client>> Rig::NewClient(kube::RestConfig rc) {
  rc.qps = 0;  // the bench's clients must not be the bottleneck
  rc.max_retries = 0;
  rc.user_agent = "joinguard-bench-controller";
  kube::ClientDeps deps;
  deps.clock = &clock_;
  deps.logger = &logger_;
  return kube::NewClient(rc, std::move(deps));
}

StatusOr<std::unique_ptr<kube::Client>> Rig::TokenClient() {
  kube::RestConfig rc;
  rc.server = sandbox_->url();
  rc.ca_pem = sandbox_->ca_pem();
  rc.bearer_token = BootstrapToken();
  return NewClient(rc);
}

StatusOr<std::unique_ptr<kube::Client>> Rig::AdminClient() {
  JG_ASSIGN_OR_RETURN(kube::RestConfig rc, kube::RestConfigFromKubeconfigFile(kubeconfig_));
  return NewClient(rc);
}

kube::CertificateSigningRequest Rig::NewCsr(const std::string& name, const std::string& pem) const {
  kube::CertificateSigningRequest c;
  c.metadata.name = name;
  c.spec.request = pem;
  c.spec.signer_name = kKubeletClientSigner;
  c.spec.usages = {"digital signature", "client auth"};
  return c;
}

Status Rig::LearnRequesterFields() {
  // One CSR POSTed with the token shows what the API stores as the requester.
  JG_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate(crypto::KeyType::kEcdsaP256));
  JG_ASSIGN_OR_RETURN(std::string pem,
                      crypto::BuildCsrPem(key, crypto::CsrTemplate::ForKubeletClient("bench-probe")));
  JG_ASSIGN_OR_RETURN(auto token_client, TokenClient());
  JG_ASSIGN_OR_RETURN(auto created, token_client->Create(NewCsr(kProbeCsrName, pem)));
  kube::Json spec = kube::ToJson(created)["spec"];
  requester_ = kube::Json::object();
  for (const char* f : {"username", "uid", "groups", "extra"}) {
    if (spec.contains(f)) requester_[f] = spec[f];
  }
  return sandbox_->DeleteObjectForTest(
      kube::resources::kCertificateSigningRequests.ObjectPath("", kProbeCsrName));
}

Status Rig::PlantCsr(const std::string& name, const std::string& pem) {
  kube::Json obj = kube::ToJson(NewCsr(name, pem));
  for (auto& [k, v] : requester_.items()) obj["spec"][k] = v;
  return sandbox_->CreateObjectForTest(kube::resources::kCertificateSigningRequests.CollectionPath(""), obj)
      .status();
}

Status Rig::PlantNode(const std::string& name) {
  kube::Json node = {
      {"apiVersion", "v1"},
      {"kind", "Node"},
      {"metadata", {{"name", name}, {"labels", {{"kubernetes.io/hostname", name}}}}},
      {"status", {{"addresses", kube::Json::array({{{"type", "Hostname"}, {"address", name}}})}}}};
  return sandbox_->CreateObjectForTest(kube::resources::kNodes.CollectionPath(""), node).status();
}

Status Rig::StartController() {
  std::vector<std::string> argv = {o_.controller_binary, "--kubeconfig", kubeconfig_,
                                   "--metrics-address",  "127.0.0.1:0",  "--health-address",
                                   "127.0.0.1:0"};
  argv.insert(argv.end(), o_.controller_flags.begin(), o_.controller_flags.end());
  controller_started_ = Clock::now();
  JG_ASSIGN_OR_RETURN(controller_, testing::Subprocess::Start(argv, o_.dir + "/controller"));
  JG_ASSIGN_OR_RETURN(std::string metrics_line,
                      controller_->WaitForOutput("serving metrics", kControllerStartTimeout));
  std::smatch m;
  static const std::regex kPortRe("address=[^ ]*:([0-9]+)");
  if (!std::regex_search(metrics_line, m, kPortRe)) return InternalError("no port in: " + metrics_line);
  metrics_port_ = std::stoi(m[1]);
  return OkStatus();
}

Status Rig::StopController() {
  if (!controller_) return OkStatus();
  controller_->Signal(SIGTERM);
  auto code = controller_->Wait(kControllerStopTimeout);
  controller_.reset();
  return code.status();
}

pid_t Rig::controller_pid() const { return controller_ ? controller_->pid() : -1; }

std::string Rig::ControllerLogTail(size_t bytes) const {
  if (!controller_) return "";
  std::string s = controller_->Stderr();
  return s.size() <= bytes ? s : s.substr(s.size() - bytes);
}

}  // namespace joinguard::bench
