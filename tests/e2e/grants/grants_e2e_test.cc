// Join grants end to end (issue: a bootstrap token may claim only the node names it was issued
// for). The sandbox API server runs in this process; joinguard-controller, `joinguard-node join`
// and `joinguard-node token` run as separate processes; the real kubectl cross-checks what the
// tooling wrote. Every wait is a condition poll with a deadline.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "common/crypto/cert.h"
#include "common/crypto/encoding.h"
#include "common/crypto/pin.h"
#include "common/crypto/token.h"
#include "common/kube/meta_time.h"
#include "tests/sandbox/testing/kubectl_fixture.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"
#include "tests/unit/controller/csr_builder.h"

namespace joinguard::grants {
namespace {

using ::joinguard::testing::CommandResult;
using ::joinguard::testing::RunCommand;
using ::joinguard::testing::Subprocess;
using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr char kNodeBinary[] = JOINGUARD_NODE_BINARY;
constexpr char kControllerBinary[] = JOINGUARD_CONTROLLER_BINARY;
constexpr char kSourceDir[] = JOINGUARD_SOURCE_DIR;
constexpr char kCsrs[] = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
constexpr char kGrants[] = "/apis/joinguard.io/v1alpha1/joingrants";
constexpr auto kRunTimeout = std::chrono::seconds(120);
constexpr auto kDecisionTimeout = std::chrono::seconds(60);

bool WaitUntil(const std::function<bool()>& fn, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (fn()) return true;
    std::this_thread::sleep_for(100ms);  // poll interval of a condition wait
  }
  return fn();
}

std::string DecodeB64(const json& data, const char* key) {
  if (!data.contains(key)) return "<absent>";
  auto v = crypto::Base64Decode(data[key].get<std::string>());
  return v.ok() ? *v : "<bad base64>";
}

class GrantsE2eTest : public sandbox::testing::KubectlTest {
 protected:
  void SetUp() override {
    KubectlTest::SetUp();
    sandbox::SandboxOptions o;
    o.autoapprove_binding = false;
    Start(o);
    for (const char* crd : {"joingrants.yaml", "nodejoins.yaml"}) {
      auto r =
          Kubectl({"apply", "--validate=false", "-f", std::string(kSourceDir) + "/deploy/base/crds/" + crd});
      ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    }
    ASSERT_TRUE(WaitUntil([&] { return Kubectl({"get", "joingrants"}).exit_code == 0; }, 30s));
    WritePolicy("");
  }
  void TearDown() override {
    controllers_.clear();
    KubectlTest::TearDown();
  }

  std::string Endpoint() const { return sandbox_->url().substr(std::string("https://").size()); }
  std::string CaHash() const { return crypto::SpkiPin(*crypto::Certificate::FromPem(sandbox_->ca_pem())); }
  std::string PolicyPath() const { return dir_ + "/policy.yaml"; }
  void WritePolicy(const std::string& body) {
    std::string tmp = PolicyPath() + ".tmp";
    std::ofstream(tmp) << "apiVersion: joinguard.io/v1alpha1\nkind: CsrPolicy\nmetadata:\n  name: e2e\n"
                       << body;
    std::rename(tmp.c_str(), PolicyPath().c_str());
  }

  CommandResult Token(std::vector<std::string> args) {
    std::vector<std::string> argv = {kNodeBinary, "token"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--kubeconfig", kubeconfig_});
    auto r = RunCommand(argv, kRunTimeout);
    EXPECT_OK(r);
    return r.ok() ? *r : CommandResult{};
  }
  // Creates a token with a grant; returns "<id>.<secret>".
  std::string CreateToken(std::vector<std::string> args) {
    args.insert(args.begin(), "create");
    CommandResult r = Token(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::string t = r.out.substr(0, r.out.find('\n'));
    EXPECT_TRUE(crypto::IsValidBootstrapToken(t)) << r.out;
    return t;
  }

  CommandResult Join(const std::string& token, const std::string& node, const std::string& timeout = "60s") {
    std::string root = dir_ + "/root-" + node + "-" + std::to_string(++joins_);
    std::vector<std::string> argv = {kNodeBinary, "join",
                                     Endpoint(),  "--token",
                                     token,       "--discovery-token-ca-cert-hash",
                                     CaHash(),    "--node-name",
                                     node,        "--root-dir",
                                     root,        "--kubelet-restart-command",
                                     "",          "--discovery-retry-interval",
                                     "200ms",     "--discovery-timeout",
                                     "30s",       "--tls-bootstrap-timeout",
                                     timeout};
    auto r = RunCommand(argv, kRunTimeout);
    EXPECT_OK(r);
    return r.ok() ? *r : CommandResult{};
  }

  Subprocess& StartController(const std::string& name, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {kControllerBinary,
                                     "--kubeconfig",
                                     kubeconfig_,
                                     "--metrics-address",
                                     "127.0.0.1:0",
                                     "--health-address",
                                     "127.0.0.1:0",
                                     "--policy-file",
                                     PolicyPath(),
                                     "--policy-poll-interval",
                                     "200ms",
                                     "--log-level",
                                     "debug"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto p = Subprocess::Start(argv, dir_ + "/" + name);
    EXPECT_OK(p);
    controllers_.push_back(std::move(*p));
    auto started = controllers_.back()->WaitForOutput("joinguard-controller starting", 60s);
    EXPECT_OK(started) << controllers_.back()->Stderr();
    return *controllers_.back();
  }

  json Csr(const std::string& name) {
    auto o = sandbox_->GetObjectForTest(std::string(kCsrs) + "/" + name);
    return o.ok() ? *o : json::object();
  }
  // The Approved/Denied condition of the CSR whose spec.username is `user` and CN names `node`
  // (joinguard-node names CSRs itself); waits for it.
  json WaitDecision(const std::string& csr_name, std::chrono::milliseconds timeout = kDecisionTimeout) {
    json found;
    WaitUntil(
        [&] {
          json c = Csr(csr_name);
          for (const auto& cond : c.value("status", json::object()).value("conditions", json::array())) {
            if (cond.value("type", "") == "Approved" || cond.value("type", "") == "Denied") {
              found = cond;
              return true;
            }
          }
          return false;
        },
        timeout);
    return found;
  }
  // Creates a CSR "from" `username` through the sandbox's create strategy (requester kept).
  std::string PlantCsr(controller::testing::TestCsr t) {
    json obj = {{"apiVersion", "certificates.k8s.io/v1"},
                {"kind", "CertificateSigningRequest"},
                {"metadata", {{"name", t.name}}},
                {"spec",
                 {{"request", crypto::Base64Encode(controller::testing::BuildPem(t))},
                  {"signerName", t.signer},
                  {"usages", t.usages},
                  {"username", t.username},
                  {"groups", t.groups}}}};
    auto r = sandbox_->CreateObjectForTest(kCsrs, obj);
    EXPECT_OK(r.status());
    return t.name;
  }
  // The grant as kubectl reads it.
  json Grant(const std::string& id) {
    CommandResult r = Kubectl({"get", "joingrant", id, "-o", "json"});
    if (r.exit_code != 0) return json();
    return json::parse(r.out, nullptr, false);
  }

  std::vector<std::unique_ptr<Subprocess>> controllers_;
  int joins_ = 0;
};

// ---- tooling (no controller) ------------------------------------------------------------

TEST_F(GrantsE2eTest, TokenCreateWritesKubeadmSecretAndGrantListDeleteAgree) {
  CommandResult created = Token({"create", "--node-names", "worker-1,worker-2", "--max-joins", "2",
                                 "--description", "e2e token", "--ttl", "2h"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  std::string token = created.out.substr(0, created.out.find('\n'));
  ASSERT_TRUE(crypto::IsValidBootstrapToken(token)) << created.out;
  std::string id = token.substr(0, 6), secret = token.substr(7);

  // The Secret, read back with kubectl, is what kubeadm writes.
  CommandResult s = Kubectl({"get", "secret", "-n", "kube-system", "bootstrap-token-" + id, "-o", "json"});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  json sj = json::parse(s.out);
  EXPECT_EQ(sj["type"], "bootstrap.kubernetes.io/token");
  const json& d = sj["data"];
  EXPECT_EQ(DecodeB64(d, "token-id"), id);
  EXPECT_EQ(DecodeB64(d, "token-secret"), secret);
  EXPECT_EQ(DecodeB64(d, "usage-bootstrap-authentication"), "true");
  EXPECT_EQ(DecodeB64(d, "usage-bootstrap-signing"), "true");
  EXPECT_EQ(DecodeB64(d, "auth-extra-groups"), "system:bootstrappers:kubeadm:default-node-token");
  EXPECT_EQ(DecodeB64(d, "description"), "e2e token");
  auto exp = kube::ParseTime(DecodeB64(d, "expiration"));
  ASSERT_OK(exp.status());
  auto left = *exp - std::chrono::system_clock::now();
  EXPECT_GT(left, 1h + 50min);
  EXPECT_LE(left, 2h);

  // The API server's authenticator accepts it (kubectl as the token).
  CommandResult who =
      Kubectl({"auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"}, TokenKubeconfig(token));
  EXPECT_EQ(who.out, "system:bootstrap:" + id) << who.err;

  // The grant, with kubectl's printer columns.
  CommandResult g = Kubectl({"get", "jg", id});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  EXPECT_THAT(g.out, HasSubstr("TOKEN"));
  EXPECT_THAT(g.out, HasSubstr("NAMES"));
  EXPECT_THAT(g.out, HasSubstr("USED"));
  EXPECT_THAT(g.out, HasSubstr("EXPIRES"));
  EXPECT_THAT(g.out, HasSubstr("[\"worker-1\",\"worker-2\"]"));
  json gj = json::parse(Kubectl({"get", "joingrant", id, "-o", "json"}).out);
  EXPECT_EQ(gj["spec"]["maxJoins"], 2);
  EXPECT_EQ(gj["spec"]["expires"], DecodeB64(d, "expiration"));

  // list: kubeadm's columns plus the grant; never the secret.
  CommandResult list = Token({"list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_THAT(list.out, HasSubstr("TOKEN"));
  EXPECT_THAT(list.out, HasSubstr("EXTRA GROUPS"));
  EXPECT_THAT(list.out, HasSubstr(id + ".<hidden>"));
  EXPECT_THAT(list.out, HasSubstr("worker-1,worker-2"));
  EXPECT_THAT(list.out, HasSubstr("0/2"));
  EXPECT_THAT(list.out, HasSubstr("authentication,signing"));
  EXPECT_THAT(list.out, Not(HasSubstr(secret)));
  json lj = json::parse(Token({"list", "-o", "json"}).out);
  bool seen = false;
  for (const auto& item : lj["items"]) {
    if (item["tokenID"] != id) continue;
    seen = true;
    EXPECT_EQ(item["grant"]["remainingJoins"], 2);
    EXPECT_EQ(item["description"], "e2e token");
  }
  EXPECT_TRUE(seen) << lj.dump();
  CommandResult yaml = Token({"list", "-o", "yaml"});
  EXPECT_THAT(yaml.out, HasSubstr("remainingJoins: 2"));
  EXPECT_THAT(yaml.out, Not(HasSubstr(secret)));

  // delete removes both.
  CommandResult del = Token({"delete", id});
  EXPECT_EQ(del.exit_code, 0) << del.err;
  EXPECT_THAT(del.out, HasSubstr("bootstrap token \"" + id + "\" deleted"));
  EXPECT_NE(Kubectl({"get", "secret", "-n", "kube-system", "bootstrap-token-" + id}).exit_code, 0);
  EXPECT_NE(Kubectl({"get", "joingrant", id}).exit_code, 0);
  CommandResult again = Token({"delete", id});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_THAT(again.err, HasSubstr("not found"));
}

TEST_F(GrantsE2eTest, PrintJoinCommandAndBadInputWritesNothing) {
  CommandResult r =
      Token({"create", "abcdef.0123456789abcdef", "--node-names", "worker-1", "--print-join-command"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "joinguard-node join " + Endpoint() +
                       " --token abcdef.0123456789abcdef "
                       "--discovery-token-ca-cert-hash " +
                       CaHash() + "\n");
  // The same id again: refused, and the existing grant is untouched.
  CommandResult dup = Token({"create", "abcdef.1111111111111111", "--node-names", "worker-9"});
  EXPECT_NE(dup.exit_code, 0);
  EXPECT_THAT(dup.err, HasSubstr("already exists"));
  EXPECT_THAT(dup.err, Not(HasSubstr("1111111111111111")));
  EXPECT_EQ(Grant("abcdef")["spec"]["nodeNames"], json::array({"worker-1"}));

  for (std::vector<std::string> bad : {std::vector<std::string>{"--node-names", "Worker_1"},
                                       {"--node-name-pattern", "worker-("},
                                       {"--node-names", "w", "--max-joins", "0"},
                                       {"--groups", "system:masters", "--node-names", "w"},
                                       {"--usages", "signing,root", "--node-names", "w"},
                                       {"--ttl", "soon", "--node-names", "w"},
                                       {"zzzzzz.notavalidsecret!", "--node-names", "w"}}) {
    bad.insert(bad.begin(), "create");
    CommandResult b = Token(bad);
    EXPECT_EQ(b.exit_code, 3) << bad[1] << ": " << b.out << b.err;
    EXPECT_THAT(b.err, HasSubstr("error: ")) << bad[1];
  }
  auto grants = sandbox_->ListObjectsForTest(kGrants);
  ASSERT_OK(grants.status());
  EXPECT_EQ(grants->size(), 1u) << "a refused create wrote a grant";
  auto secrets = sandbox_->ListObjectsForTest("/api/v1/namespaces/kube-system/secrets");
  ASSERT_OK(secrets.status());
  int tokens = 0;
  for (const auto& s : *secrets) tokens += s.value("type", "") == "bootstrap.kubernetes.io/token";
  EXPECT_EQ(tokens, 1) << "a refused create wrote a token Secret";
}

// ---- joins through the controller ---------------------------------------------------------

TEST_F(GrantsE2eTest, TokenJoinsItsGrantedNameOnceAndNothingElse) {
  StartController("ctl");
  std::string token = CreateToken({"--node-names", "worker-1,worker-3"});
  CommandResult first = Join(token, "worker-1");
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  json granted = Grant(token.substr(0, 6));
  EXPECT_EQ(granted["status"]["joins"], 1) << granted.dump();

  // Second use of the single-use token, for its other granted name: refused with the reason.
  CommandResult second = Join(token, "worker-3", "30s");
  EXPECT_NE(second.exit_code, 0);
  EXPECT_THAT(second.err, HasSubstr("denied"));
  EXPECT_THAT(second.err, HasSubstr("JoinGrantUsedUp"));
  EXPECT_THAT(second.err, HasSubstr("used all 1 of its joins"));

  // A token granted worker-1 cannot obtain worker-2.
  std::string other = CreateToken({"--node-names", "worker-5"});
  CommandResult wrong = Join(other, "worker-2", "30s");
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_THAT(wrong.err, HasSubstr("NodeNameNotGranted"));
  EXPECT_EQ(Grant(other.substr(0, 6)).value("status", json::object()).value("joins", 0), 0);

  // The reasons are on the CSRs too.
  auto csrs = sandbox_->ListObjectsForTest(kCsrs);
  ASSERT_OK(csrs.status());
  std::set<std::string> reasons;
  for (const auto& c : *csrs) {
    for (const auto& cond : c.value("status", json::object()).value("conditions", json::array()))
      reasons.insert(cond.value("reason", ""));
  }
  EXPECT_TRUE(reasons.count("JoinGrantUsedUp")) << ::testing::PrintToString(reasons);
  EXPECT_TRUE(reasons.count("NodeNameNotGranted")) << ::testing::PrintToString(reasons);
}

TEST_F(GrantsE2eTest, DeletedNodeCannotRejoinWithoutARejoinGrant) {
  StartController("ctl");
  ASSERT_EQ(Join(CreateToken({"--node-names", "worker-1"}), "worker-1").exit_code, 0);
  // The node goes away (it never had a Node object here) and its approved CSR is garbage-
  // collected, as the CSR cleaner does after an hour: only the NodeJoin record remembers.
  ASSERT_EQ(Kubectl({"delete", "csr", "--all"}).exit_code, 0);
  ASSERT_EQ(Kubectl({"get", "nodejoin", "worker-1"}).exit_code, 0);
  CommandResult again = Join(CreateToken({"--node-names", "worker-1"}), "worker-1", "30s");
  EXPECT_NE(again.exit_code, 0);
  EXPECT_THAT(again.err, HasSubstr("NodeAlreadyJoined"));
  CommandResult rejoin = Join(CreateToken({"--node-names", "worker-1", "--allow-rejoin"}), "worker-1");
  EXPECT_EQ(rejoin.exit_code, 0) << rejoin.out << rejoin.err;
}

TEST_F(GrantsE2eTest, UseCountsSurviveRestartAndLeaderChange) {
  std::vector<std::string> le = {"--leader-elect",
                                 "--leader-election-namespace",
                                 "kube-system",
                                 "--lease-duration",
                                 "2s",
                                 "--renew-deadline",
                                 "1500ms",
                                 "--retry-period",
                                 "300ms"};
  Subprocess& a = StartController("replica-a", le);
  std::string token = CreateToken({"--node-name-pattern", "pool-[0-9]+", "--max-joins", "2"});
  std::string id = token.substr(0, 6);
  ASSERT_EQ(Join(token, "pool-1").exit_code, 0);
  EXPECT_EQ(Grant(id)["status"]["joins"], 1);
  // Leader change: a new replica takes over after the first is killed without a goodbye.
  a.Signal(SIGKILL);
  StartController("replica-b", le);
  ASSERT_EQ(Join(token, "pool-2").exit_code, 0);
  EXPECT_EQ(Grant(id)["status"]["joins"], 2);
  // Restart: a fresh process still sees the count on the grant.
  controllers_.back()->Signal(SIGTERM);
  ASSERT_OK(controllers_.back()->Wait(30s).status());
  StartController("replica-c", le);
  CommandResult third = Join(token, "pool-3", "30s");
  EXPECT_NE(third.exit_code, 0);
  EXPECT_THAT(third.err, HasSubstr("JoinGrantUsedUp"));
  EXPECT_EQ(Grant(id)["status"]["joins"], 2);
}

TEST_F(GrantsE2eTest, WithoutGrantSettingBothWays) {
  ASSERT_OK(sandbox_->CreateBootstrapToken({"nogrnt", "0123456789abcdef"}));
  StartController("ctl");
  // Default (global-rules): an ungranted kubeadm token still joins a new name (migration).
  EXPECT_EQ(Join("nogrnt.0123456789abcdef", "legacy-1").exit_code, 0);
  WritePolicy("joinGrants:\n  withoutGrant: refuse\n");
  // The policy file is re-read within the poll interval; the next join is refused.
  bool refused = WaitUntil(
      [&] {
        CommandResult r = Join("nogrnt.0123456789abcdef", "legacy-" + std::to_string(joins_ + 10), "20s");
        return r.exit_code != 0 && r.err.find("NoJoinGrant") != std::string::npos;
      },
      90s);
  EXPECT_TRUE(refused);
}

// ---- serving certificates -------------------------------------------------------------------

TEST_F(GrantsE2eTest, ServingCsrsOnlyForTheNodesOwnAddresses) {
  WritePolicy("serving:\n  enabled: true\n  allowedCIDRs: [192.168.0.0/16, 127.0.0.0/8]\n");
  auto node = [&](const std::string& name, json addresses) {
    json n = {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", name}}}};
    ASSERT_OK(sandbox_->CreateObjectForTest("/api/v1/nodes", n).status());
    auto cur = sandbox_->GetObjectForTest("/api/v1/nodes/" + name);
    ASSERT_OK(cur.status());
    json next = *cur;
    next["status"]["addresses"] = addresses;
    ASSERT_OK(sandbox_->UpdateObjectForTest("/api/v1/nodes/" + name + "/status", next).status());
  };
  node("worker-1", json::array({{{"type", "Hostname"}, {"address", "worker-1"}},
                                {{"type", "InternalIP"}, {"address", "192.168.1.10"}},
                                {{"type", "InternalIP"}, {"address", "192.168.1.20"}},  // worker-2's too
                                {{"type", "InternalIP"}, {"address", "127.0.0.1"}},     // the API server's
                                {{"type", "ExternalIP"}, {"address", "172.16.0.5"}}}));
  node("worker-2", json::array({{{"type", "InternalIP"}, {"address", "192.168.1.20"}}}));
  StartController("ctl");

  auto serving = [&](const std::string& name, std::vector<std::string> ips, std::vector<std::string> dns,
                     std::vector<std::string> emails = {}) {
    controller::testing::TestCsr t;
    t.name = name;
    t.signer = "kubernetes.io/kubelet-serving";
    t.usages = {"digital signature", "server auth"};
    t.AsRenewal("worker-1");
    t.ip_addresses = std::move(ips);
    t.dns_names = std::move(dns);
    t.emails = std::move(emails);
    return PlantCsr(t);
  };
  std::string own = serving("serving-own", {"192.168.1.10"}, {"worker-1"});
  std::string other = serving("serving-other-node", {"192.168.1.20"}, {});
  std::string api = serving("serving-api-server", {"127.0.0.1"}, {});
  std::string outside = serving("serving-outside-cidr", {"172.16.0.5"}, {});
  std::string email = serving("serving-email", {"192.168.1.10"}, {}, {"root@example.com"});

  EXPECT_EQ(WaitDecision(own).value("type", ""), "Approved") << Csr(own).dump();
  json c;
  c = WaitDecision(other);
  EXPECT_EQ(c.value("type", ""), "Denied");
  EXPECT_EQ(c.value("reason", ""), "ServingAddressClaimed");
  c = WaitDecision(api);
  EXPECT_EQ(c.value("type", ""), "Denied");
  EXPECT_EQ(c.value("reason", ""), "ServingAddressDenied");
  c = WaitDecision(outside);
  EXPECT_EQ(c.value("type", ""), "Denied");
  EXPECT_EQ(c.value("reason", ""), "ServingAddressNotAllowed");
  c = WaitDecision(email);
  EXPECT_EQ(c.value("type", ""), "Denied");
  EXPECT_EQ(c.value("reason", ""), "ServingSanNotAllowed");
}

// ---- rate brakes ------------------------------------------------------------------------------

TEST_F(GrantsE2eTest, BurstFromOneTokenTripsItsBrakeWhileAnotherTokenIsDecidedPromptly) {
  WritePolicy("brakes:\n  maxPendingPerRequester: 10\n  maxApprovalsPerToken: 20\n  windowSeconds: 600\n");
  std::string flood = CreateToken({"--node-name-pattern", "flood-[0-9]+", "--max-joins", "500"});
  std::string quiet = CreateToken({"--node-names", "quiet-1"});
  constexpr int kBurst = 200;
  for (int i = 0; i < kBurst; ++i) {
    controller::testing::TestCsr t;
    t.name = "flood-" + std::to_string(i);
    t.username = "system:bootstrap:" + flood.substr(0, 6);
    t.WithNodeName("flood-" + std::to_string(i));
    PlantCsr(t);
  }
  Subprocess& ctl = StartController("ctl");
  // The quiet token joins (a real join, separate process) while the flood is pending.
  auto start = std::chrono::steady_clock::now();
  CommandResult q = Join(quiet, "quiet-1");
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(q.exit_code, 0) << q.out << q.err;
  EXPECT_LT(took, 45s);
  // The brake says why in an Event on a held CSR, and in the log.
  EXPECT_TRUE(WaitUntil(
      [&] {
        auto events = sandbox_->ListObjectsForTest("/api/v1/namespaces/default/events");
        if (!events.ok()) return false;
        for (const auto& e : *events) {
          std::string r = e.value("reason", "");
          if (r == "TooManyPendingRequests" || r == "TokenRateLimited") return true;
        }
        return false;
      },
      30s));
  EXPECT_THAT(ctl.Stderr(), HasSubstr("TooManyPendingRequests"));
  // The flood: at most 20 approved (the token window), the rest left pending, never denied.
  int approved = 0, denied = 0, pending = 0;
  for (int i = 0; i < kBurst; ++i) {
    json c = Csr("flood-" + std::to_string(i));
    std::string type;
    for (const auto& cond : c.value("status", json::object()).value("conditions", json::array()))
      type = cond.value("type", "");
    (type == "Approved" ? approved : type == "Denied" ? denied : pending)++;
  }
  EXPECT_EQ(denied, 0);
  EXPECT_LE(approved, 20);
  EXPECT_GE(pending, kBurst - 20);
  EXPECT_LE(Grant(flood.substr(0, 6)).value("status", json::object()).value("joins", 0), 20);
}

}  // namespace
}  // namespace joinguard::grants
