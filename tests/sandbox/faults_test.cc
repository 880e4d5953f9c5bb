// Fault injection, in-process (Sandbox::AddFault & co.) and out-of-process (joinguard-sandbox's
// /sandbox-admin/ endpoint through SandboxProcess): bursts of 5xx and 429 with Retry-After on
// reads and on the CSR approval write, 409 on the approval write, latency, watch cuts every N
// events, forced 410 on watch, and restarts from the state dir on the same URL.
#include <signal.h>

#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "common/files/atomic_file.h"
#include "tests/sandbox/testing/fixture.h"
#include "tests/sandbox/testing/sandbox_process.h"

namespace joinguard::sandbox::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using ::testing::HasSubstr;

const std::string kCsrs = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
constexpr milliseconds kEventWait{10000};

json WithApproval(json csr) {
  csr["status"]["conditions"] = {
      {{"type", "Approved"}, {"status", "True"}, {"reason", "Test"}, {"message", "by test"}}};
  return csr;
}

bool Approved(const json& csr) {
  if (!csr.contains("status") || !csr["status"].contains("conditions")) return false;
  for (const auto& c : csr["status"]["conditions"]) {
    if (c["type"] == "Approved") return true;
  }
  return false;
}

FaultRule ApprovalWriteFault(int status, int count) {
  FaultRule r;
  r.path_prefix = kCsrs;
  r.path_suffix = "/approval";
  r.method = "PUT";
  r.status = status;
  r.count = count;
  return r;
}

class FaultsTest : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxOptions o;
    o.run_controllers = false;
    o.admin_token = kAdminToken;
    StartSandbox(o);
  }
  json PlantCsr(const std::string& name) {
    auto c = sandbox_->CreateObjectForTest(kCsrs, KubeletCsr(name, name));
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *c : json();
  }
  static constexpr char kAdminToken[] = "test-admin-token";
};

TEST_F(FaultsTest, BurstOf5xxOnReadsThenRecovers) {
  PlantCsr("csr-1");
  FaultRule r;
  r.path_prefix = kCsrs;
  r.method = "GET";
  r.watch = FaultRule::Watch::kExclude;
  r.status = 503;
  r.count = 3;
  r.retry_after_seconds = 2;
  sandbox_->AddFault(r);
  auto admin = Admin();
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(auto g, admin.Get(kCsrs + "/csr-1"));
    EXPECT_EQ(g.status, 503) << i;
    EXPECT_EQ(g.headers["retry-after"], "2");
    EXPECT_EQ(g.Json()["reason"], "ServiceUnavailable");
  }
  ASSERT_OK_AND_ASSIGN(auto ok, admin.Get(kCsrs + "/csr-1"));
  EXPECT_EQ(ok.status, 200);
  ASSERT_OK_AND_ASSIGN(int remaining, sandbox_->RemainingFaultCount(0));
  EXPECT_EQ(remaining, 0);
  // Writes were never matched by the read rule.
  ASSERT_OK_AND_ASSIGN(auto post, admin.Post(kCsrs, KubeletCsr("csr-2", "n2")));
  EXPECT_EQ(post.status, 201);
}

TEST_F(FaultsTest, TooManyRequestsOnTheApprovalWriteLeavesTheCsrPending) {
  json csr = PlantCsr("csr-1");
  FaultRule r = ApprovalWriteFault(429, 2);
  r.retry_after_seconds = 1;
  sandbox_->AddFault(r);
  auto admin = Admin();
  for (int i = 0; i < 2; ++i) {
    ASSERT_OK_AND_ASSIGN(auto put, admin.Put(kCsrs + "/csr-1/approval", WithApproval(csr)));
    EXPECT_EQ(put.status, 429);
    EXPECT_EQ(put.headers["retry-after"], "1");
    EXPECT_EQ(put.Json()["reason"], "TooManyRequests");
    ASSERT_OK_AND_ASSIGN(json now, sandbox_->GetObjectForTest(kCsrs + "/csr-1"));
    EXPECT_FALSE(Approved(now));
  }
  // GETs and the main resource are untouched by the rule.
  ASSERT_OK_AND_ASSIGN(auto get, admin.Get(kCsrs + "/csr-1/approval"));
  EXPECT_EQ(get.status, 200);
  ASSERT_OK_AND_ASSIGN(auto put, admin.Put(kCsrs + "/csr-1/approval", WithApproval(csr)));
  EXPECT_EQ(put.status, 200) << put.body;
  EXPECT_TRUE(Approved(put.Json()));
}

TEST_F(FaultsTest, ConflictOnTheApprovalWrite) {
  json csr = PlantCsr("csr-1");
  sandbox_->AddFault(ApprovalWriteFault(409, 1));
  auto admin = Admin();
  ASSERT_OK_AND_ASSIGN(auto put, admin.Put(kCsrs + "/csr-1/approval", WithApproval(csr)));
  EXPECT_EQ(put.status, 409);
  EXPECT_EQ(put.Json()["reason"], "Conflict");
  ASSERT_OK_AND_ASSIGN(json now, sandbox_->GetObjectForTest(kCsrs + "/csr-1"));
  EXPECT_FALSE(Approved(now));
  EXPECT_EQ(now["metadata"]["resourceVersion"], csr["metadata"]["resourceVersion"]);
}

TEST_F(FaultsTest, LatencyDelaysEveryMatchingRequest) {
  constexpr milliseconds kLatency{300};
  FaultRule r;
  r.path_prefix = "/version";
  r.status = 0;  // latency only
  r.latency = kLatency;
  sandbox_->AddFault(r);
  auto admin = Admin();
  auto start = std::chrono::steady_clock::now();
  ASSERT_OK_AND_ASSIGN(auto v, admin.Get("/version"));
  EXPECT_EQ(v.status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, kLatency);
}

TEST_F(FaultsTest, WatchIsCutEveryNEvents) {
  sandbox_->CloseWatchesAfterEvents(2);
  auto admin = Admin();
  ASSERT_OK_AND_ASSIGN(auto watch, admin.Watch(kCsrs + "?watch=1&resourceVersion=" +
                                               std::to_string(sandbox_->CurrentResourceVersionForTest())));
  for (const char* n : {"a", "b", "c"}) PlantCsr(n);
  ASSERT_OK_AND_ASSIGN(json e1, watch->Next(kEventWait));
  ASSERT_OK_AND_ASSIGN(json e2, watch->Next(kEventWait));
  EXPECT_EQ(e1["object"]["metadata"]["name"], "a");
  EXPECT_EQ(e2["object"]["metadata"]["name"], "b");
  EXPECT_THAT(watch->Next(kEventWait), StatusIs(StatusCode::kOutOfRange));
  EXPECT_TRUE(watch->ended_cleanly());
}

TEST_F(FaultsTest, ForcedGoneOnWatchOnceAndAsABurst) {
  auto admin = Admin();
  sandbox_->ForceGoneOnNextWatch();
  ASSERT_OK_AND_ASSIGN(auto w1, admin.Watch(kCsrs + "?watch=1&resourceVersion=1"));
  EXPECT_EQ(w1->status(), 200);
  ASSERT_OK_AND_ASSIGN(json e1, w1->Next(kEventWait));
  EXPECT_EQ(e1["type"], "ERROR");
  EXPECT_EQ(e1["object"]["code"], 410);
  EXPECT_EQ(e1["object"]["reason"], "Expired");

  FaultRule gone;
  gone.path_prefix = kCsrs;
  gone.watch = FaultRule::Watch::kOnly;
  gone.status = 410;
  gone.count = 2;
  sandbox_->AddFault(gone);
  for (int i = 0; i < 2; ++i) {
    ASSERT_OK_AND_ASSIGN(auto w, admin.Watch(kCsrs + "?watch=1"));
    ASSERT_OK_AND_ASSIGN(json e, w->Next(kEventWait));
    EXPECT_EQ(e["type"], "ERROR") << i;
    EXPECT_THAT(e["object"]["message"].get<std::string>(), HasSubstr("too old resource version"));
  }
  // Lists are not watches: untouched. The third watch is a normal one.
  ASSERT_OK_AND_ASSIGN(auto list, admin.Get(kCsrs));
  EXPECT_EQ(list.status, 200);
  PlantCsr("after");
  ASSERT_OK_AND_ASSIGN(auto w3, admin.Watch(kCsrs + "?watch=1"));
  ASSERT_OK_AND_ASSIGN(json e3, w3->Next(kEventWait));
  EXPECT_EQ(e3["type"], "ADDED");
}

TEST_F(FaultsTest, AdminEndpointNeedsItsTokenAndValidatesRules) {
  auto admin = Admin();  // system:masters: an ordinary credential
  ASSERT_OK_AND_ASSIGN(auto no_token, admin.Get("/sandbox-admin/faults"));
  EXPECT_EQ(no_token.status, 404);
  ASSERT_OK_AND_ASSIGN(auto wrong, admin.Request("GET", "/sandbox-admin/faults", "", "application/json",
                                                 {{"X-Sandbox-Admin-Token", "guess"}}));
  EXPECT_EQ(wrong.status, 404);
  ASSERT_OK_AND_ASSIGN(auto anon, Anonymous().Get("/sandbox-admin/faults"));
  EXPECT_EQ(anon.status, 403);

  const std::vector<std::pair<std::string, std::string>> h = {{"X-Sandbox-Admin-Token", kAdminToken}};
  auto client = Anonymous();  // the token alone is enough; no Kubernetes identity needed
  ASSERT_OK_AND_ASSIGN(
      auto bad, client.Request("POST", "/sandbox-admin/faults", R"({"status":"x"})", "application/json", h));
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr("\\\"status\\\" must be an integer"));
  ASSERT_OK_AND_ASSIGN(auto unknown, client.Request("POST", "/sandbox-admin/faults", R"({"stauts":500})",
                                                    "application/json", h));
  EXPECT_EQ(unknown.status, 400);
  EXPECT_THAT(unknown.body, HasSubstr("unknown field \\\"stauts\\\""));

  ASSERT_OK_AND_ASSIGN(
      auto add, client.Request("POST", "/sandbox-admin/faults",
                               R"({"pathPrefix":"/version","status":500,"count":1})", "application/json", h));
  ASSERT_EQ(add.status, 201) << add.body;
  EXPECT_EQ(add.Json()["index"], 0);
  ASSERT_OK_AND_ASSIGN(auto v, admin.Get("/version"));
  EXPECT_EQ(v.status, 500);
  ASSERT_OK_AND_ASSIGN(auto state, client.Request("GET", "/sandbox-admin/faults", "", "application/json", h));
  EXPECT_EQ(state.Json()["rules"][0]["remaining"], 0);
  ASSERT_OK_AND_ASSIGN(auto cleared,
                       client.Request("DELETE", "/sandbox-admin/faults", "", "application/json", h));
  EXPECT_EQ(cleared.status, 200);
  EXPECT_TRUE(cleared.Json()["rules"].empty());
}

// Connections, not requests, are counted: a keep-alive client adds one however many requests it
// sends, each one-shot client one, and a TCP connection that never completes a handshake counts
// as accepted only.
TEST_F(FaultsTest, ConnectionCountsAreOnePerConnectionNotPerRequest) {
  const ConnectionStats before = sandbox_->Connections();
  auto pair = sandbox_->IssueClientCert("kubernetes-admin", {"system:masters"});
  ASSERT_OK(pair);
  ClientOptions o;
  o.ca_pem = sandbox_->ca_pem();
  o.cert_pem = pair->first;
  o.key_pem = pair->second;
  {
    KeepAliveClient keep(sandbox_->url(), o);
    for (int i = 0; i < 5; ++i) {
      ASSERT_OK_AND_ASSIGN(auto v, keep.Request("GET", "/version"));
      EXPECT_EQ(v.status, 200);
    }
    const ConnectionStats one = sandbox_->Connections();
    EXPECT_EQ(one.tcp_accepted - before.tcp_accepted, 1);
    EXPECT_EQ(one.tls_handshakes - before.tls_handshakes, 1);
  }
  auto admin = Admin();  // a new connection per request
  ASSERT_OK(admin.Get("/version"));
  ASSERT_OK(admin.Get("/version"));
  const ConnectionStats three = sandbox_->Connections();
  EXPECT_EQ(three.tcp_accepted - before.tcp_accepted, 3);
  EXPECT_EQ(three.tls_handshakes - before.tls_handshakes, 3);

  // Plain TCP, no handshake: accepted, never a TLS connection. The accept runs on the server's
  // own thread: wait for it.
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket raw(io);
    raw.connect({boost::asio::ip::make_address("127.0.0.1"), sandbox_->port()});
    const auto deadline = std::chrono::steady_clock::now() + kEventWait;
    while (sandbox_->Connections().tcp_accepted - before.tcp_accepted < 4 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(5));
    }
  }
  EXPECT_EQ(sandbox_->Connections().tcp_accepted - before.tcp_accepted, 4);
  EXPECT_EQ(sandbox_->Connections().tls_handshakes - before.tls_handshakes, 3);

  // The admin endpoint reports the same counters (its own connection included) to the token
  // holder only.
  ASSERT_OK_AND_ASSIGN(auto hidden, admin.Get("/sandbox-admin/connections"));
  EXPECT_EQ(hidden.status, 404);
  ASSERT_OK_AND_ASSIGN(auto shown,
                       Anonymous().Request("GET", "/sandbox-admin/connections", "", "application/json",
                                           {{"X-Sandbox-Admin-Token", kAdminToken}}));
  ASSERT_EQ(shown.status, 200) << shown.body;
  const ConnectionStats now = sandbox_->Connections();
  EXPECT_EQ(shown.Json()["tcpAccepted"], now.tcp_accepted);
  EXPECT_EQ(shown.Json()["tlsHandshakes"], now.tls_handshakes);
  EXPECT_EQ(now.tls_handshakes - before.tls_handshakes, 5);
}

// ---- out of process ----

class FaultsProcessTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = ::joinguard::testing::MakeTempDir("jg-sandbox-faults-"); }
  void TearDown() override {
    sb_.reset();
    if (!HasFailure()) ::joinguard::testing::RemoveTree(dir_);
  }
  HttpsClient Token() {
    ClientOptions o;
    o.ca_pem = sb_->ca_pem();
    o.bearer_token = "tok-controller";
    return HttpsClient(sb_->url(), o);
  }
  std::string dir_;
  std::unique_ptr<SandboxProcess> sb_;
};

TEST_F(FaultsProcessTest, AdminFaultsAndRestartFromTheStateDir) {
  ASSERT_OK_AND_ASSIGN(sb_, SandboxProcess::Start({JOINGUARD_SANDBOX_BINARY,
                                                   dir_,
                                                   {"--no-controllers", "--service-account-token",
                                                    "kube-system:joinguard:tok-controller",
                                                    "--bootstrap-token", "abcdef.0123456789abcdef"}}));
  const std::string url = sb_->url();
  auto client = Token();
  ASSERT_OK_AND_ASSIGN(auto who, client.Post("/apis/authentication.k8s.io/v1/selfsubjectreviews",
                                             json{{"kind", "SelfSubjectReview"}}));
  EXPECT_EQ(who.Json()["status"]["userInfo"]["username"], "system:serviceaccount:kube-system:joinguard");

  ASSERT_OK_AND_ASSIGN(int index, sb_->admin().AddFault(ApprovalWriteFault(503, 1)));
  EXPECT_EQ(index, 0);
  ASSERT_OK(sb_->admin().CloseWatchesAfterEvents(5));
  ASSERT_OK_AND_ASSIGN(json state, sb_->admin().State());
  EXPECT_EQ(state["closeWatchesAfterEvents"], 5);
  // Each admin call and each one-shot client request opened one connection so far.
  ASSERT_OK_AND_ASSIGN(ConnectionStats conns, sb_->admin().Connections());
  EXPECT_GE(conns.tls_handshakes, 4);
  EXPECT_LE(conns.tls_handshakes, conns.tcp_accepted);
  ASSERT_OK_AND_ASSIGN(ConnectionStats next, sb_->admin().Connections());
  EXPECT_EQ(next.tls_handshakes - conns.tls_handshakes, 1) << "the admin call's own connection";
  EXPECT_EQ(state["rules"][0]["pathSuffix"], "/approval");

  // The service account token is not an admin credential.
  ASSERT_OK_AND_ASSIGN(auto sneaky, client.Get("/sandbox-admin/faults"));
  EXPECT_NE(sneaky.status, 200);

  ClientOptions bo;
  bo.ca_pem = sb_->ca_pem();
  bo.bearer_token = "abcdef.0123456789abcdef";
  HttpsClient bootstrap(sb_->url(), bo);
  ASSERT_OK_AND_ASSIGN(auto created, bootstrap.Post(kCsrs, SandboxTest::KubeletCsr("kept", "n1")));
  ASSERT_EQ(created.status, 201) << created.body;

  // Restart mid-run: same URL and CA, objects kept, faults gone, a watch from an old RV is 410.
  ASSERT_OK_AND_ASSIGN(std::string kubeconfig, files::ReadFile(sb_->admin_kubeconfig_path()));
  EXPECT_THAT(kubeconfig, HasSubstr(url));
  const std::string ca_before = sb_->ca_pem();
  ASSERT_OK(sb_->Restart());
  EXPECT_EQ(sb_->url(), url);
  EXPECT_EQ(sb_->ca_pem(), ca_before);
  ASSERT_OK_AND_ASSIGN(json after, sb_->admin().State());
  EXPECT_TRUE(after["rules"].empty());
  auto again = Token();
  ASSERT_OK_AND_ASSIGN(auto who2, again.Post("/apis/authentication.k8s.io/v1/selfsubjectreviews",
                                             json{{"kind", "SelfSubjectReview"}}));
  EXPECT_EQ(who2.status, 201) << "flags (service-account tokens) survive the restart";
  HttpsClient bootstrap2(sb_->url(), bo);
  ASSERT_OK_AND_ASSIGN(auto kept, bootstrap2.Get(kCsrs + "/kept"));
  EXPECT_EQ(kept.status, 200) << kept.body;
  ASSERT_OK_AND_ASSIGN(
      auto old_watch,
      bootstrap2.Watch(
          kCsrs + "?watch=1&resourceVersion=" +
          std::to_string(std::stoll(created.Json()["metadata"]["resourceVersion"].get<std::string>()) - 1)));
  ASSERT_OK_AND_ASSIGN(json gone, old_watch->Next(kEventWait));
  EXPECT_EQ(gone["type"], "ERROR");
  EXPECT_EQ(gone["object"]["code"], 410);
  ASSERT_OK(sb_->CrashAndRestart());
  EXPECT_EQ(sb_->url(), url);
}

}  // namespace
}  // namespace joinguard::sandbox::testing
