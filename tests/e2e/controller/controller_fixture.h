// Shared by the joinguard-controller end-to-end tests: the sandbox API server in-process (with
// joinguard's CRDs installed), the controller as a separate process (fork/exec of the built
// binary) talking to it over HTTPS with an admin kubeconfig. Every wait is a condition poll with
// a deadline.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>
#include "common/crypto/encoding.h"
#include "common/kube/client.h"
#include "common/kube/objects.h"
#include "common/runtime/clock.h"
#include "common/runtime/logger.h"
#include "tests/sandbox/sandbox.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/http_get.h"
#include "tests/testing/yaml_json.h"
#include "tests/unit/controller/csr_builder.h"
#include <yaml-cpp/yaml.h>

namespace joinguard::controller::e2e {

namespace fs = std::filesystem;
using controller::testing::BuildPem;
using controller::testing::TestCsr;
using controller::testing::TestKey;
using json = nlohmann::json;
using namespace std::chrono_literals;

inline constexpr char kCsrPath[] = "/apis/certificates.k8s.io/v1/certificatesigningrequests/";
inline constexpr char kToken[] = "abcdef.0123456789abcdef";
inline constexpr auto kTimeout = 60s;

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Polls `fn` until it returns true or the deadline passes.
inline bool WaitUntil(const std::function<bool()>& fn, std::chrono::milliseconds timeout = kTimeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (fn()) return true;
    std::this_thread::sleep_for(50ms);  // poll interval of a condition wait, not synchronisation
  }
  return fn();
}

using joinguard::testing::HttpGet;

// One joinguard-controller process.
class ControllerProcess {
 public:
  ControllerProcess(std::string dir, std::string name) : dir_(std::move(dir)), name_(std::move(name)) {}
  ~ControllerProcess() { Stop(); }

  void Start(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {JOINGUARD_CONTROLLER_BINARY,
                                     "--kubeconfig",
                                     dir_ + "/admin.conf",
                                     "--metrics-address",
                                     "127.0.0.1:0",
                                     "--health-address",
                                     "127.0.0.1:0",
                                     "--leader-election-id",
                                     name_,
                                     "--policy-poll-interval",
                                     "200ms",
                                     "--log-level",
                                     "debug"};
    args.insert(args.end(), extra.begin(), extra.end());
    // Not fork(): this process runs the sandbox's threads (see SpawnToFiles).
    StatusOr<pid_t> pid = joinguard::testing::SpawnToFiles(args, stdout_path(), stderr_path());
    ASSERT_TRUE(pid.ok()) << pid.status();
    pid_ = *pid;
    ASSERT_GT(pid_, 0);
    std::regex metrics_re("serving metrics address=127\\.0\\.0\\.1:([0-9]+)");
    std::regex health_re("serving health probes address=127\\.0\\.0\\.1:([0-9]+)");
    ASSERT_TRUE(WaitUntil([&] {
      std::string err = ReadFile(stderr_path());
      std::smatch m;
      if (std::regex_search(err, m, metrics_re)) metrics_port_ = std::stoi(m[1]);
      if (std::regex_search(err, m, health_re)) health_port_ = std::stoi(m[1]);
      return metrics_port_ > 0 && health_port_ > 0;
    })) << ReadFile(stderr_path());
    ASSERT_TRUE(WaitUntil([&] {
      int status = 0;
      HttpGet(health_port_, "/readyz", &status);
      return status == 200;
    })) << ReadFile(stderr_path());
  }

  // SIGKILL (a crash: no lease release, nothing flushed) and reap.
  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  bool running() const { return pid_ > 0; }

  // SIGTERM and wait; returns the exit status (or -1).
  int Stop() {
    if (pid_ <= 0) return exit_code_;
    kill(pid_, SIGTERM);
    int status = 0;
    bool exited = WaitUntil([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, 30s);
    if (!exited) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
    pid_ = -1;
    exit_code_ = exited && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return exit_code_;
  }

  std::string Metrics() {
    int status = 0;
    return HttpGet(metrics_port_, "/metrics", &status);
  }
  std::string Readyz() {
    int status = 0;
    return HttpGet(health_port_, "/readyz", &status);
  }
  std::string Audit() const { return ReadFile(stdout_path()); }
  std::string Log() const { return ReadFile(stderr_path()); }
  std::string stdout_path() const { return dir_ + "/" + name_ + ".out"; }
  std::string stderr_path() const { return dir_ + "/" + name_ + ".err"; }
  int metrics_port() const { return metrics_port_; }

 private:
  std::string dir_, name_;
  pid_t pid_ = -1;
  int exit_code_ = -1;
  int metrics_port_ = 0, health_port_ = 0;
};

using joinguard::testing::YamlToJson;

class ControllerE2eTest : public ::testing::Test {
 protected:
  // Sandbox options a test may change before SetUp (through a subclass constructor).
  sandbox::SandboxOptions sandbox_options_;

  void SetUp() override {
    char tmpl[] = "/tmp/jg-ctl-e2e-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    sandbox::SandboxOptions& so = sandbox_options_;
    so.autoapprove_binding = false;
    so.admin_kubeconfig_path = dir_ + "/admin.conf";
    if (so.state_dir == "<tmp>") so.state_dir = dir_ + "/state";
    auto sb = sandbox::Sandbox::Start(so);
    ASSERT_TRUE(sb.ok()) << sb.status();
    sandbox_ = std::move(*sb);
    // The controller records approvals in NodeJoin objects: install the CRD as an operator does.
    YAML::Node crd = YAML::LoadFile(std::string(JOINGUARD_SOURCE_DIR) + "/deploy/base/crds/nodejoins.yaml");
    auto created = sandbox_->CreateObjectForTest("/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                                                 YamlToJson(crd));
    ASSERT_TRUE(created.ok()) << created.status();
    sandbox::TokenSpec t;
    t.id = "abcdef";
    t.secret = "0123456789abcdef";
    ASSERT_THAT(sandbox_->CreateBootstrapToken(t), joinguard::testing::IsOk());
    sandbox::TokenSpec other;
    other.id = "ghijkl";
    other.secret = "0123456789abcdef";
    other.extra_groups = {"system:bootstrappers:ci-runners"};
    ASSERT_THAT(sandbox_->CreateBootstrapToken(other), joinguard::testing::IsOk());
    WritePolicy("");
  }
  void TearDown() override {
    controllers_.clear();
    sandbox_.reset();
    fs::remove_all(dir_);
  }

  std::string policy_path() const { return dir_ + "/policy.yaml"; }
  // Atomic replace, as a ConfigMap update does.
  void WritePolicy(const std::string& body) {
    std::string tmp = policy_path() + ".tmp";
    std::ofstream(tmp) << "apiVersion: joinguard.io/v1alpha1\nkind: CsrPolicy\nmetadata:\n  name: e2e\n"
                       << body;
    fs::rename(tmp, policy_path());
  }

  ControllerProcess& StartController(const std::string& name, std::vector<std::string> extra = {}) {
    controllers_.push_back(std::make_unique<ControllerProcess>(dir_, name));
    extra.push_back("--policy-file");
    extra.push_back(policy_path());
    controllers_.back()->Start(extra);
    return *controllers_.back();
  }

  std::unique_ptr<kube::Client> ClientWith(const std::string& token, const std::string& cert = "",
                                           const std::string& key = "") {
    kube::RestConfig rc;
    rc.server = sandbox_->url();
    rc.ca_pem = sandbox_->ca_pem();
    rc.bearer_token = token;
    rc.client_cert_pem = cert;
    rc.client_key_pem = key;
    kube::ClientDeps deps;
    deps.clock = &clock_;
    deps.logger = &logger_;
    auto c = kube::NewClient(rc, std::move(deps));
    EXPECT_TRUE(c.ok()) << c.status();
    return std::move(*c);
  }

  // POSTs a CSR through the real API as whoever `client` authenticates as.
  void Submit(kube::Client& client, const TestCsr& t) {
    kube::CertificateSigningRequest c;
    c.metadata.name = t.name;
    c.spec.request = BuildPem(t);
    c.spec.signer_name = t.signer;
    c.spec.usages = t.usages;
    if (t.expiration_seconds) c.spec.expiration_seconds = static_cast<int32_t>(*t.expiration_seconds);
    auto r = client.Create(c);
    ASSERT_TRUE(r.ok()) << t.name << ": " << r.status();
  }

  // Creates a CSR "from" t.username/t.groups directly in the store (the sandbox keeps the
  // requester fields when spec.username is set).
  void Plant(const TestCsr& t) {
    json obj = {{"apiVersion", "certificates.k8s.io/v1"},
                {"kind", "CertificateSigningRequest"},
                {"metadata", {{"name", t.name}}},
                {"spec",
                 {{"request", crypto::Base64Encode(BuildPem(t))},
                  {"signerName", t.signer},
                  {"usages", t.usages},
                  {"username", t.username},
                  {"groups", t.groups}}}};
    auto r = sandbox_->CreateObjectForTest("/apis/certificates.k8s.io/v1/certificatesigningrequests", obj);
    ASSERT_TRUE(r.ok()) << t.name << ": " << r.status();
  }

  // Waits until the CSR has an Approved or Denied condition; returns it.
  json WaitDecided(const std::string& name) {
    auto r = sandbox_->WaitForObjectForTest(
        kCsrPath + name,
        [](const json& o) {
          for (const auto& c : o.value("status", json::object()).value("conditions", json::array())) {
            if (c.value("type", "") == "Approved" || c.value("type", "") == "Denied") return true;
          }
          return false;
        },
        kTimeout);
    EXPECT_TRUE(r.ok()) << name << ": " << r.status() << "\n"
                        << (controllers_.empty() ? "" : controllers_[0]->Log());
    return r.ok() ? *r : json();
  }

  static std::vector<json> Conditions(const json& csr) {
    std::vector<json> out;
    for (const auto& c : csr.value("status", json::object()).value("conditions", json::array()))
      out.push_back(c);
    return out;
  }

  std::string dir_;
  std::unique_ptr<sandbox::Sandbox> sandbox_;
  std::vector<std::unique_ptr<ControllerProcess>> controllers_;
  runtime::RealClock clock_;
  runtime::Logger logger_{runtime::LogLevel::kError};
};

}  // namespace joinguard::controller::e2e
