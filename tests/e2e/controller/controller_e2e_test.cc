// joinguard-controller end to end: the sandbox API server in-process, the controller as a
// separate process (fork/exec of the built binary) talking to it over HTTPS with an admin
// kubeconfig. Every wait is a condition poll with a deadline.
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
#include "tests/unit/controller/csr_builder.h"

namespace joinguard::controller {
namespace {

namespace fs = std::filesystem;
using controller::testing::BuildPem;
using controller::testing::TestCsr;
using controller::testing::TestKey;
using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr char kCsrPath[] = "/apis/certificates.k8s.io/v1/certificatesigningrequests/";
constexpr char kToken[] = "abcdef.0123456789abcdef";
constexpr auto kTimeout = 60s;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Polls `fn` until it returns true or the deadline passes.
bool WaitUntil(const std::function<bool()>& fn, std::chrono::milliseconds timeout = kTimeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (fn()) return true;
    std::this_thread::sleep_for(50ms);  // poll interval of a condition wait, not synchronisation
  }
  return fn();
}

std::string HttpGet(int port, const std::string& path, int* status) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  try {
    boost::asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(10s);
    stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"),
                                                  static_cast<unsigned short>(port)));
    http::request<http::empty_body> req{http::verb::get, path, 11};
    req.set(http::field::host, "127.0.0.1");
    http::write(stream, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(stream, buf, res);
    *status = res.result_int();
    return res.body();
  } catch (const std::exception& e) {
    *status = 0;
    return e.what();
  }
}

// One joinguard-controller process.
class ControllerProcess {
 public:
  ControllerProcess(std::string dir, std::string name) : dir_(std::move(dir)), name_(std::move(name)) {}
  ~ControllerProcess() { Stop(); }

  void Start(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {JOINGUARD_CONTROLLER_BINARY, "--kubeconfig", dir_ + "/admin.conf",
                                     "--metrics-address", "127.0.0.1:0", "--health-address", "127.0.0.1:0",
                                     "--leader-election-id", name_, "--policy-poll-interval", "200ms",
                                     "--log-level", "debug"};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = fork();
    if (pid_ == 0) {
      int out = open(stdout_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int err = open(stderr_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(out, 1);
      dup2(err, 2);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
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

class ControllerE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/jg-ctl-e2e-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    sandbox::SandboxOptions so;
    so.autoapprove_binding = false;
    so.admin_kubeconfig_path = dir_ + "/admin.conf";
    auto sb = sandbox::Sandbox::Start(so);
    ASSERT_TRUE(sb.ok()) << sb.status();
    sandbox_ = std::move(*sb);
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
    std::ofstream(tmp) << "apiVersion: joinguard.io/v1alpha1\nkind: CsrPolicy\nmetadata:\n  name: e2e\n" << body;
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
    EXPECT_TRUE(r.ok()) << name << ": " << r.status() << "\n" << (controllers_.empty() ? "" : controllers_[0]->Log());
    return r.ok() ? *r : json();
  }

  static std::vector<json> Conditions(const json& csr) {
    std::vector<json> out;
    for (const auto& c : csr.value("status", json::object()).value("conditions", json::array())) out.push_back(c);
    return out;
  }

  std::string dir_;
  std::unique_ptr<sandbox::Sandbox> sandbox_;
  std::vector<std::unique_ptr<ControllerProcess>> controllers_;
  runtime::RealClock clock_;
  runtime::Logger logger_{runtime::LogLevel::kError};
};

TEST_F(ControllerE2eTest, ApprovesAValidBootstrapCsrWhichTheSandboxSigns) {
  ControllerProcess& ctl = StartController("ctl");
  auto client = ClientWith(kToken);
  TestCsr t;
  t.name = "node-csr-good";
  Submit(*client, t);
  json csr = WaitDecided(t.name);
  auto conds = Conditions(csr);
  ASSERT_EQ(conds.size(), 1u) << csr.dump();
  EXPECT_EQ(conds[0]["type"], "Approved");
  EXPECT_EQ(conds[0]["reason"], "JoinguardApproved");
  EXPECT_THAT(conds[0]["message"].get<std::string>(), ::testing::HasSubstr("\"e2e\""));
  EXPECT_EQ(csr["spec"]["username"], "system:bootstrap:abcdef");
  auto signed_csr = sandbox_->WaitForObjectForTest(
      std::string(kCsrPath) + t.name,
      [](const json& o) { return !o.value("status", json::object()).value("certificate", "").empty(); }, kTimeout);
  EXPECT_TRUE(signed_csr.ok()) << signed_csr.status();

  // Audit line and Event.
  EXPECT_TRUE(WaitUntil([&] { return ctl.Audit().find("\"csr\":\"node-csr-good\"") != std::string::npos; }));
  std::string audit = ctl.Audit();
  EXPECT_THAT(audit, ::testing::HasSubstr("\"tokenId\":\"abcdef\""));
  EXPECT_THAT(audit, ::testing::Not(::testing::HasSubstr("0123456789abcdef")));
  auto events = sandbox_->ListObjectsForTest("/api/v1/namespaces/default/events");
  ASSERT_TRUE(events.ok()) << events.status();
  bool found = false;
  for (const auto& e : *events) {
    if (e["involvedObject"].value("name", "") == t.name && e.value("reason", "") == "JoinguardApproved" &&
        e.value("type", "") == "Normal") {
      found = true;
    }
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(ctl.Stop(), 0) << "graceful shutdown on SIGTERM";
}

TEST_F(ControllerE2eTest, DeniesEachAttackWithItsOwnReason) {
  StartController("ctl");
  ASSERT_TRUE(sandbox_->CreateObjectForTest("/api/v1/nodes", json{{"apiVersion", "v1"}, {"kind", "Node"},
                                                                    {"metadata", {{"name", "control-plane-1"}}}})
                  .ok());
  auto boot = ClientWith(kToken);

  struct Attack {
    std::string name;
    std::function<void(TestCsr&)> mutate;
    std::string reason;
    // Requesters our RBAC would not even let create a CSR are planted directly (as an
    // identity with a wider binding would create them).
    bool planted = false;
  };
  std::vector<Attack> attacks = {
      {"existing-node", [](TestCsr& t) { t.WithNodeName("control-plane-1"); }, "NodeExists"},
      {"system-masters", [](TestCsr& t) { t.subject = {{"O", "system:masters"}, {"CN", "system:node:w-2"}}; },
       "SubjectNotExact"},
      {"san", [](TestCsr& t) { t.WithNodeName("w-3"); t.dns_names = {"kubernetes.default.svc"}; }, "SanPresent"},
      {"rsa-1024", [](TestCsr& t) { t.WithNodeName("w-4"); t.key = TestKey::kRsa1024; }, "KeyTooWeak"},
      {"extra-ou", [](TestCsr& t) {
         t.subject = {{"O", "system:nodes"}, {"OU", "ops"}, {"CN", "system:node:w-5"}};
       }, "SubjectNotExact"},
      {"wrong-usages", [](TestCsr& t) {
         t.WithNodeName("w-6");
         t.usages = {"digital signature", "client auth", "server auth"};
       }, "UsagesNotAllowed"},
      {"other-group", [](TestCsr& t) {
         t.WithNodeName("w-7");
         t.username = "system:bootstrap:ghijkl";
         t.groups = {"system:authenticated", "system:bootstrappers", "system:bootstrappers:ci-runners"};
       }, "RequesterNotAllowed", true},
      {"renewal-other-cn", [](TestCsr& t) {
         t.AsRenewal("worker-9");
         t.WithNodeName("control-plane-1");
       }, "RenewalIdentityMismatch", true},
  };
  for (auto& a : attacks) {
    TestCsr t;
    t.name = "attack-" + a.name;
    a.mutate(t);
    if (a.planted) {
      Plant(t);
    } else {
      Submit(*boot, t);
    }
  }
  for (auto& a : attacks) {
    json csr = WaitDecided("attack-" + a.name);
    auto conds = Conditions(csr);
    ASSERT_EQ(conds.size(), 1u) << a.name << ": " << csr.dump();
    EXPECT_EQ(conds[0]["type"], "Denied") << a.name;
    EXPECT_EQ(conds[0]["reason"], a.reason) << a.name << ": " << conds[0]["message"];
    EXPECT_FALSE(conds[0].value("message", "").empty()) << a.name;
  }
}

TEST_F(ControllerE2eTest, DryRunWritesNothing) {
  ControllerProcess& ctl = StartController("ctl", {"--dry-run"});
  auto client = ClientWith(kToken);
  TestCsr good;
  good.name = "dry-good";
  TestCsr bad;
  bad.name = "dry-bad";
  bad.WithNodeName("w-2");
  bad.dns_names = {"evil.example.com"};
  Submit(*client, good);
  Submit(*client, bad);
  ASSERT_TRUE(WaitUntil([&] {
    std::string a = ctl.Audit();
    return a.find("\"csr\":\"dry-good\"") != std::string::npos && a.find("\"csr\":\"dry-bad\"") != std::string::npos;
  })) << ctl.Log();
  EXPECT_THAT(ctl.Audit(), ::testing::HasSubstr("\"dryRun\":true"));
  EXPECT_TRUE(WaitUntil([&] {
    std::string m = ctl.Metrics();
    return m.find("decision=\"deny\",mode=\"dry-run\",reason=\"SanPresent\"") != std::string::npos &&
           m.find("decision=\"approve\",mode=\"dry-run\"") != std::string::npos;
  })) << ctl.Metrics();
  for (const char* name : {"dry-good", "dry-bad"}) {
    auto csr = sandbox_->GetObjectForTest(std::string(kCsrPath) + name);
    ASSERT_TRUE(csr.ok());
    EXPECT_TRUE(Conditions(*csr).empty()) << name << ": " << csr->dump();
  }
  auto events = sandbox_->ListObjectsForTest("/api/v1/namespaces/default/events");
  ASSERT_TRUE(events.ok());
  int dry_events = 0;
  for (const auto& e : *events) {
    std::string reason = e.value("reason", "");
    if (reason == "DryRunWouldApprove" || reason == "DryRunWouldDeny") ++dry_events;
  }
  EXPECT_EQ(dry_events, 2);
}

TEST_F(ControllerE2eTest, TwoReplicasDecideEachCsrExactlyOnce) {
  std::vector<std::string> le = {"--leader-elect", "--leader-election-namespace", "kube-system",
                                 "--lease-duration", "2s", "--renew-deadline", "1500ms", "--retry-period", "300ms"};
  ControllerProcess& a = StartController("replica-a", le);
  ControllerProcess& b = StartController("replica-b", le);
  auto client = ClientWith(kToken);
  auto submit_batch = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      TestCsr t;
      t.name = "ha-" + std::to_string(i);
      t.WithNodeName("ha-node-" + std::to_string(i));
      Submit(*client, t);
    }
  };
  submit_batch(0, 4);
  for (int i = 0; i < 4; ++i) WaitDecided("ha-" + std::to_string(i));

  // Fail over: stop whichever replica leads; the other takes the released lease.
  auto lease = sandbox_->GetObjectForTest("/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/joinguard-controller");
  ASSERT_TRUE(lease.ok()) << lease.status();
  std::string leader = (*lease)["spec"].value("holderIdentity", "");
  ASSERT_TRUE(leader == "replica-a" || leader == "replica-b") << lease->dump();
  ControllerProcess& leading = leader == "replica-a" ? a : b;
  ControllerProcess& standby = leader == "replica-a" ? b : a;
  EXPECT_EQ(leading.Stop(), 0);
  auto released = sandbox_->GetObjectForTest("/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/joinguard-controller");
  ASSERT_TRUE(released.ok());
  EXPECT_NE((*released)["spec"].value("holderIdentity", ""), leader) << "lease released on SIGTERM";

  submit_batch(4, 8);
  for (int i = 4; i < 8; ++i) WaitDecided("ha-" + std::to_string(i));

  // Exactly one decision per CSR: one condition each, one audit line each across replicas.
  // (The audit line is written just after the condition, so wait for it first.)
  ASSERT_TRUE(WaitUntil([&] {
    std::string all = a.Audit() + b.Audit();
    for (int i = 0; i < 8; ++i) {
      if (all.find("\"csr\":\"ha-" + std::to_string(i) + "\"") == std::string::npos) return false;
    }
    return true;
  })) << a.Audit() << b.Audit();
  std::string audit = a.Audit() + b.Audit();
  for (int i = 0; i < 8; ++i) {
    std::string name = "ha-" + std::to_string(i);
    auto csr = sandbox_->GetObjectForTest(std::string(kCsrPath) + name);
    ASSERT_TRUE(csr.ok());
    auto conds = Conditions(*csr);
    int approvals = 0;
    for (const auto& c : conds) approvals += c["type"] == "Approved";
    EXPECT_EQ(approvals, 1) << name << ": " << csr->dump();
    size_t count = 0;
    for (size_t pos = audit.find("\"csr\":\"" + name + "\""); pos != std::string::npos;
         pos = audit.find("\"csr\":\"" + name + "\"", pos + 1)) {
      ++count;
    }
    EXPECT_EQ(count, 1u) << name << " audited " << count << " times";
  }
  EXPECT_THAT(standby.Metrics(), ::testing::HasSubstr("\njoinguard_leader 1\n"));
}

TEST_F(ControllerE2eTest, LeaderThatCannotRenewItsLeaseExits) {
  ControllerProcess& ctl = StartController(
      "lonely", {"--leader-elect", "--leader-election-namespace", "kube-system", "--lease-duration", "2s",
                 "--renew-deadline", "1500ms", "--retry-period", "300ms"});
  ASSERT_TRUE(WaitUntil([&] { return ctl.Metrics().find("\njoinguard_leader 1\n") != std::string::npos; }));
  // The API server stops answering Lease requests: the renew deadline passes and the
  // controller must stop writing and exit non-zero so that it restarts cleanly.
  sandbox::FaultRule fault;
  fault.path_prefix = "/apis/coordination.k8s.io";
  fault.status = 500;
  sandbox_->AddFault(fault);
  ASSERT_TRUE(WaitUntil([&] { return ctl.Log().find("leader election lost") != std::string::npos; })) << ctl.Log();
  EXPECT_EQ(ctl.Stop(), 1) << ctl.Log();
}

TEST_F(ControllerE2eTest, PolicyEditTakesEffectWithoutRestartAndBrokenEditIsRejected) {
  WritePolicy("onPass: leave-pending\n");
  ControllerProcess& ctl = StartController("ctl");
  auto client = ClientWith(kToken);
  TestCsr t;
  t.name = "reload-1";
  Submit(*client, t);
  ASSERT_TRUE(WaitUntil([&] {
    return ctl.Audit().find("\"reason\":\"ManualApprovalRequired\"") != std::string::npos;
  })) << ctl.Log();
  {
    auto csr = sandbox_->GetObjectForTest(std::string(kCsrPath) + "reload-1");
    ASSERT_TRUE(csr.ok());
    EXPECT_TRUE(Conditions(*csr).empty()) << "left pending for a human";
  }

  WritePolicy("onPass: approve\n");
  json csr = WaitDecided("reload-1");
  ASSERT_EQ(Conditions(csr).size(), 1u);
  EXPECT_EQ(Conditions(csr)[0]["type"], "Approved");
  EXPECT_THAT(Conditions(csr)[0]["message"].get<std::string>(), ::testing::HasSubstr("generation 2"));

  WritePolicy("onPass: approve\nmaxExpirationSeconds: 5\n");  // invalid
  ASSERT_TRUE(WaitUntil([&] {
    return ctl.Metrics().find("joinguard_policy_reloads_total{result=\"error\"} 1") != std::string::npos;
  })) << ctl.Metrics();
  EXPECT_THAT(ctl.Log(), ::testing::HasSubstr("maxExpirationSeconds"));
  EXPECT_THAT(ctl.Metrics(), ::testing::HasSubstr("joinguard_policy_generation 2"));
  TestCsr t2;
  t2.name = "reload-2";
  t2.WithNodeName("worker-2");
  Submit(*client, t2);
  json csr2 = WaitDecided("reload-2");
  EXPECT_EQ(Conditions(csr2)[0]["type"], "Approved") << "the last good policy still applies";
}

TEST_F(ControllerE2eTest, CsrLeftPendingCanStillBeApprovedByAnAdminWithKubectl) {
  WritePolicy("onPass: leave-pending\n");
  ControllerProcess& ctl = StartController("ctl");
  auto client = ClientWith(kToken);
  TestCsr t;
  t.name = "manual-1";
  Submit(*client, t);
  ASSERT_TRUE(WaitUntil([&] { return ctl.Audit().find("\"csr\":\"manual-1\"") != std::string::npos; })) << ctl.Log();
  // The real kubectl (the seed page's manual flow), with a fresh HOME and cache.
  std::string cmd = "HOME=" + dir_ + " kubectl --kubeconfig " + dir_ + "/admin.conf --cache-dir " + dir_ +
                    "/kcache certificate approve manual-1 > " + dir_ + "/kubectl.out 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << ReadFile(dir_ + "/kubectl.out");
  json csr = WaitDecided("manual-1");
  auto conds = Conditions(csr);
  ASSERT_EQ(conds.size(), 1u) << csr.dump();
  EXPECT_EQ(conds[0]["type"], "Approved");
  EXPECT_EQ(conds[0]["reason"], "KubectlApprove");
  auto signed_csr = sandbox_->WaitForObjectForTest(
      std::string(kCsrPath) + "manual-1",
      [](const json& o) { return !o.value("status", json::object()).value("certificate", "").empty(); }, kTimeout);
  EXPECT_TRUE(signed_csr.ok()) << signed_csr.status();
  // The controller sees the human's decision and leaves it alone.
  EXPECT_THAT(ctl.Audit(), ::testing::Not(::testing::HasSubstr("\"decision\":\"approve\"")));
}

TEST_F(ControllerE2eTest, MetricsPassPromtoolAndWarnAboutTheAutoapproveBinding) {
  // Re-create kubeadm's binding: the controller must warn (log, metric, readiness detail).
  json crb = {{"apiVersion", "rbac.authorization.k8s.io/v1"},
              {"kind", "ClusterRoleBinding"},
              {"metadata", {{"name", "kubeadm:node-autoapprove-bootstrap"}}},
              {"roleRef",
               {{"apiGroup", "rbac.authorization.k8s.io"},
                {"kind", "ClusterRole"},
                {"name", "system:certificates.k8s.io:certificatesigningrequests:nodeclient"}}},
              {"subjects",
               json::array({{{"apiGroup", "rbac.authorization.k8s.io"},
                             {"kind", "Group"},
                             {"name", "system:bootstrappers:kubeadm:default-node-token"}}})}};
  ASSERT_TRUE(sandbox_->CreateObjectForTest("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", crb).ok());
  ControllerProcess& ctl = StartController("ctl");
  EXPECT_THAT(ctl.Readyz(), ::testing::HasSubstr("kubeadm:node-autoapprove-bootstrap"));
  EXPECT_THAT(ctl.Log(), ::testing::HasSubstr("kubeadm:node-autoapprove-bootstrap"));

  auto client = ClientWith(kToken);
  TestCsr t;
  t.name = "metrics-1";
  t.dns_names = {"x.example.com"};
  Submit(*client, t);
  WaitDecided("metrics-1");
  std::string metrics;
  ASSERT_TRUE(WaitUntil([&] {
    metrics = ctl.Metrics();
    return metrics.find("joinguard_csr_decisions_total{") != std::string::npos;
  }));
  EXPECT_THAT(metrics, ::testing::HasSubstr("joinguard_autoapprove_binding_present 1"));
  std::string path = dir_ + "/metrics.txt";
  std::ofstream(path) << metrics;
  std::string cmd = std::string(JOINGUARD_PROMTOOL) + " check metrics < " + path + " > " + dir_ + "/promtool.out 2>&1";
  int rc = std::system(cmd.c_str());
  EXPECT_EQ(rc, 0) << ReadFile(dir_ + "/promtool.out") << "\n" << metrics;
}

}  // namespace
}  // namespace joinguard::controller
