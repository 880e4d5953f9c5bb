// The cpprestsdk adapter against the sandbox through a counting TCP relay: how many TLS
// connections a sequence of requests opens. Every new connection costs cpprestsdk a fresh SSL
// context loaded with the system CA bundle (http_transport_cpprest.cc), so a watch must reuse
// the connection an earlier GET left idle, and per-request timeouts must hold without a client
// per timeout value.
#include <utility>  // before Boost.Asio (its awaitable.hpp uses std::exchange)

#include <boost/asio.hpp>

#include <atomic>
#include <list>
#include <thread>

#include "tests/integration/kube/fixture.h"

namespace joinguard::kube {
namespace {

using namespace std::chrono_literals;
using testing::Eventually;

// Accepts on 127.0.0.1:0 and pipes every connection's bytes to 127.0.0.1:`target_port` (TLS
// passes through untouched; the sandbox's certificate names 127.0.0.1). Counts connections.
class CountingTcpRelay {
 public:
  explicit CountingTcpRelay(int target_port) : target_port_(target_port) {
    acceptor_.open(boost::asio::ip::tcp::v4());
    acceptor_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~CountingTcpRelay() {
    stopping_ = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    accept_thread_.join();
    {
      std::lock_guard<std::mutex> l(mu_);
      for (auto& s : sockets_) s->close(ignored);
    }
    for (auto& t : pumps_) t.join();
  }
  int port() const { return acceptor_.local_endpoint().port(); }
  int accepted() const { return accepted_.load(); }

 private:
  using Socket = boost::asio::ip::tcp::socket;

  void AcceptLoop() {
    while (!stopping_) {
      auto client = std::make_shared<Socket>(io_);
      boost::system::error_code ec;
      acceptor_.accept(*client, ec);
      if (ec) return;
      auto server = std::make_shared<Socket>(io_);
      server->connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(target_port_)}, ec);
      if (ec) continue;
      ++accepted_;
      std::lock_guard<std::mutex> l(mu_);
      sockets_.push_back(client);
      sockets_.push_back(server);
      pumps_.emplace_back([client, server] { Pump(*client, *server); });
      pumps_.emplace_back([client, server] { Pump(*server, *client); });
    }
  }

  static void Pump(Socket& from, Socket& to) {
    char buf[16384];
    boost::system::error_code ec;
    for (;;) {
      const size_t n = from.read_some(boost::asio::buffer(buf), ec);
      if (ec) break;
      boost::asio::write(to, boost::asio::buffer(buf, n), ec);
      if (ec) break;
    }
    to.shutdown(Socket::shutdown_send, ec);
  }

  const int target_port_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_{io_};
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::thread accept_thread_;
  std::mutex mu_;  // guards sockets_ and pumps_
  std::list<std::shared_ptr<Socket>> sockets_;
  std::list<std::thread> pumps_;
};

ConfigMap NamedConfigMap(const std::string& ns, const std::string& name) {
  ConfigMap cm;
  cm.metadata.name = name;
  cm.metadata.namespace_ = ns;
  return cm;
}

class TransportTest : public testing::SandboxTest {
 protected:
  RestConfig ThroughRelay(const CountingTcpRelay& relay) {
    RestConfig rc = AdminConfig();
    rc.server = "https://127.0.0.1:" + std::to_string(relay.port());
    return rc;
  }
};

TEST_F(TransportTest, GetsAndAWatchShareOneConnection) {
  CountingTcpRelay relay(sandbox_->port());
  ASSERT_OK_AND_ASSIGN(auto client, MakeClient(ThroughRelay(relay)));
  ASSERT_OK(client->Create(NamedConfigMap("watch", "c1")));
  ASSERT_OK_AND_ASSIGN(auto list, client->ListRaw(resources::kConfigMaps, "watch", {}));
  ListOptions lo;
  lo.resource_version = list["metadata"]["resourceVersion"].get<std::string>();
  lo.timeout_seconds = 1;  // ends normally; its connection then serves the next request
  ASSERT_OK(client->WatchRaw(resources::kConfigMaps, "watch", lo,
                             [](const WatchEvent&) { return OkStatus(); }, {}));
  ASSERT_OK(client->Get<ConfigMap>("watch", "c1"));
  EXPECT_EQ(relay.accepted(), 1);
}

TEST_F(TransportTest, AWatchEndedByItsHandlerLeavesTheNextRequestWorking) {
  CountingTcpRelay relay(sandbox_->port());
  ASSERT_OK_AND_ASSIGN(auto client, MakeClient(ThroughRelay(relay)));
  ASSERT_OK(client->Create(NamedConfigMap("watch", "c2")));
  ListOptions lo;
  lo.timeout_seconds = 60;
  Status w = client->WatchRaw(resources::kConfigMaps, "watch", lo,
                              [](const WatchEvent&) { return CancelledError("seen enough"); }, {});
  EXPECT_EQ(w.code(), StatusCode::kCancelled) << w;
  // The cut connection is not reused (cpprest closes it); the next request opens another.
  ASSERT_OK(client->Get<ConfigMap>("watch", "c2"));
  EXPECT_LE(relay.accepted(), 2);
}

// The per-request timeout is the transport's own timer now: a silent watch is cut after its
// inactivity timeout, and a slow GET after its timeout, on the same shared client.
TEST_F(TransportTest, InactivityTimeoutsHoldOnTheSharedClient) {
  ASSERT_OK_AND_ASSIGN(auto transport, NewCpprestTransport(TransportConfigFor(AdminConfig())));
  HttpRequest watch;
  watch.path_and_query = "/api/v1/namespaces/quiet/configmaps?watch=true&timeoutSeconds=60";
  watch.headers = {{"Accept", "application/json"}};
  watch.timeout = 700ms;
  auto start = std::chrono::steady_clock::now();
  auto r = transport->Stream(watch, [](std::string_view) { return OkStatus(); }, {});
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);

  sandbox::FaultRule slow;
  slow.path_prefix = "/api/v1/namespaces/quiet/configmaps/slow";
  slow.status = 200;  // latency only
  slow.latency = 5s;
  sandbox_->AddFault(slow);
  HttpRequest get;
  get.path_and_query = "/api/v1/namespaces/quiet/configmaps/slow";
  get.timeout = 500ms;
  start = std::chrono::steady_clock::now();
  auto g = transport->Do(get);
  EXPECT_EQ(g.status().code(), StatusCode::kDeadlineExceeded) << g.status();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  sandbox_->ClearFaults();
  // A request with a generous timeout still completes on the same transport afterwards.
  HttpRequest ok;
  ok.path_and_query = "/version";
  ok.timeout = 10s;
  auto v = transport->Do(ok);
  ASSERT_TRUE(v.ok()) << v.status();
}

}  // namespace
}  // namespace joinguard::kube
