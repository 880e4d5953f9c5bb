// The metrics families exist with the documented names and the pull server serves them on
// an OS-assigned port.
#include "controller/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "controller/health_server.h"
#include "tests/testing/status_matchers.h"

namespace joinguard::controller {
namespace {

using ::testing::HasSubstr;

std::string HttpGet(int port, const std::string& path, int* status) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
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
}

TEST(MetricsTest, FamiliesHaveTheDocumentedNames) {
  ControllerMetrics m;
  m.RecordDecision("kubernetes.io/kube-apiserver-client-kubelet", "deny", "SanPresent", "enforce",
                   std::chrono::seconds(2));
  m.SetPending(3);
  m.IncWatchRestarts("nodes");
  m.SetLeader(true);
  m.RecordPolicyReload(true);
  m.SetPolicyGeneration(4);
  m.RecordReconcile("error");
  m.SetAutoapproveBindingPresent(true);
  std::string text = m.SerializeForTest();
  for (const char* name :
       {"joinguard_csr_decisions_total", "joinguard_csr_decision_latency_seconds_bucket",
        "joinguard_csr_pending 3", "joinguard_watch_restarts_total{resource=\"nodes\"} 1",
        "\njoinguard_leader 1\n", "joinguard_policy_reloads_total{result=\"success\"} 1",
        "joinguard_policy_generation 4", "joinguard_reconcile_errors_total 1",
        "joinguard_reconcile_total{result=\"error\"} 1", "joinguard_autoapprove_binding_present 1"}) {
    EXPECT_THAT(text, HasSubstr(name));
  }
}

// A rejected policy edit keeps the last good policy, so the error counter moves once per edit;
// the alert needs the state: joinguard_policy_last_reload_successful follows the last load.
TEST(MetricsTest, LastReloadGaugeFollowsTheLastLoad) {
  ControllerMetrics m;
  EXPECT_THAT(m.SerializeForTest(), HasSubstr("\njoinguard_policy_last_reload_successful 1\n"));
  m.RecordPolicyReload(false);
  EXPECT_THAT(m.SerializeForTest(), HasSubstr("\njoinguard_policy_last_reload_successful 0\n"));
  m.RecordPolicyReload(true);
  EXPECT_THAT(m.SerializeForTest(), HasSubstr("\njoinguard_policy_last_reload_successful 1\n"));
}

TEST(MetricsTest, ServerOnPortZero) {
  ControllerMetrics m;
  m.RecordDecision("kubernetes.io/kube-apiserver-client-kubelet", "approve", "JoinguardApproved", "enforce",
                   std::chrono::milliseconds(300));
  auto server = MetricsServer::Create("127.0.0.1:0", m);
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_GT((*server)->port(), 0);
  int status = 0;
  std::string body = HttpGet((*server)->port(), "/metrics", &status);
  EXPECT_EQ(status, 200);
  EXPECT_THAT(body, HasSubstr("# TYPE joinguard_csr_decisions_total counter"));
}

TEST(HealthServerTest, ReadyzFollowsChecksAndShowsDetails) {
  auto server = HealthServer::Create("127.0.0.1:0");
  ASSERT_TRUE(server.ok()) << server.status();
  std::atomic<bool> synced{false};
  (*server)->AddReadyCheck("informers-synced",
                           [&] { return synced ? OkStatus() : UnavailableError("not yet"); });
  int status = 0;
  EXPECT_EQ(HttpGet((*server)->port(), "/healthz", &status), "ok\n");
  EXPECT_EQ(status, 200);
  HttpGet((*server)->port(), "/readyz", &status);
  EXPECT_EQ(status, 503);
  synced = true;
  (*server)->SetDetail("autoapprove-binding", "WARNING binding exists");
  std::string body = HttpGet((*server)->port(), "/readyz", &status);
  EXPECT_EQ(status, 200);
  EXPECT_THAT(body, HasSubstr("WARNING binding exists"));
}

}  // namespace
}  // namespace joinguard::controller
