// node-helper/phases/shared_transports.h: one transport per (server, trust, client certificate),
// credentials stay per client.
#include "node-helper/phases/shared_transports.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/kube/client.h"
#include "common/runtime/clock.h"
#include "common/runtime/logger.h"

namespace joinguard::node::phases {
namespace {

// Records every request it is asked to send (headers included) and answers 200 {}.
class RecordingTransport final : public kube::HttpTransport {
 public:
  explicit RecordingTransport(std::vector<kube::HttpRequest>* seen) : seen_(seen) {}
  StatusOr<kube::HttpResponse> Do(const kube::HttpRequest& request, std::stop_token) override {
    seen_->push_back(request);
    kube::HttpResponse r;
    r.status = 200;
    r.body = "{}";
    return r;
  }
  StatusOr<kube::HttpResponse> Stream(const kube::HttpRequest& request, const kube::LineCallback&,
                                      std::stop_token) override {
    seen_->push_back(request);
    kube::HttpResponse r;
    r.status = 200;
    return r;
  }

 private:
  std::vector<kube::HttpRequest>* seen_;
};

kube::TransportConfig VerifiedConfig(const std::string& ca) {
  kube::TransportConfig c;
  c.server = "https://10.0.0.1:6443";
  c.ca_pem = ca;
  return c;
}

TEST(SharedTransportsTest, OneTransportPerServerAndTrust) {
  std::vector<kube::HttpRequest> seen;
  SharedTransports shared(
      [&](const kube::TransportConfig&) -> StatusOr<std::unique_ptr<kube::HttpTransport>> {
        return std::unique_ptr<kube::HttpTransport>(new RecordingTransport(&seen));
      });
  auto a = VerifiedConfig("CA1");
  auto b = VerifiedConfig("CA1");
  b.timeout = std::chrono::seconds(3);  // not part of the key
  ASSERT_TRUE(shared.For(a).ok());
  ASSERT_TRUE(shared.For(b).ok());
  EXPECT_EQ(shared.built(), 1u);

  auto insecure = VerifiedConfig("");
  insecure.insecure_skip_tls_verify = true;
  auto system_store = VerifiedConfig("");
  auto other_ca = VerifiedConfig("CA2");
  auto with_cert = VerifiedConfig("CA1");
  with_cert.client_cert_pem = "CERT";
  with_cert.client_key_pem = "KEY";
  auto other_server = VerifiedConfig("CA1");
  other_server.server = "https://10.0.0.2:6443";
  for (const auto& c : {insecure, system_store, other_ca, with_cert, other_server})
    ASSERT_TRUE(shared.For(c).ok());
  EXPECT_EQ(shared.built(), 6u);  // trust, client certificate and server each separate transports
}

TEST(SharedTransportsTest, ABuildFailureIsReturnedAndNotCached) {
  int calls = 0;
  SharedTransports shared(
      [&](const kube::TransportConfig&) -> StatusOr<std::unique_ptr<kube::HttpTransport>> {
        ++calls;
        return InvalidArgumentError("bad PEM");
      });
  EXPECT_EQ(shared.For(VerifiedConfig("x")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(shared.For(VerifiedConfig("x")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(calls, 2);
}

// The anonymous discovery client and the bootstrap-token client share the verified transport,
// and the token is sent only by the client that holds it.
TEST(SharedTransportsTest, CredentialsStayWithTheirClient) {
  std::vector<kube::HttpRequest> seen;
  SharedTransports shared(
      [&](const kube::TransportConfig&) -> StatusOr<std::unique_ptr<kube::HttpTransport>> {
        return std::unique_ptr<kube::HttpTransport>(new RecordingTransport(&seen));
      });
  runtime::RealClock clock;
  runtime::Logger logger(runtime::LogLevel::kError);
  auto make = [&](const kube::RestConfig& rc) {
    kube::ClientDeps deps;
    deps.clock = &clock;
    deps.logger = &logger;
    auto t = shared.For(kube::TransportConfigFor(rc));
    EXPECT_TRUE(t.ok());
    deps.transport = std::move(*t);
    auto c = kube::NewClient(rc, std::move(deps));
    EXPECT_TRUE(c.ok());
    return std::move(*c);
  };
  kube::RestConfig anonymous;
  anonymous.server = "https://10.0.0.1:6443";
  anonymous.ca_pem = "CA1";
  kube::RestConfig bootstrap = anonymous;
  bootstrap.bearer_token = "abcdef.0123456789abcdef";
  auto anon_client = make(anonymous);
  auto token_client = make(bootstrap);
  EXPECT_EQ(shared.built(), 1u);
  ASSERT_TRUE(anon_client->GetRaw(kube::resources::kConfigMaps, "kube-public", "cluster-info").ok());
  ASSERT_TRUE(token_client->GetRaw(kube::resources::kNodes, "", "n1").ok());
  ASSERT_TRUE(anon_client->GetRaw(kube::resources::kConfigMaps, "kube-public", "cluster-info").ok());
  ASSERT_EQ(seen.size(), 3u);
  auto authorization = [](const kube::HttpRequest& r) {
    for (const auto& [k, v] : r.headers)
      if (k == "Authorization") return v;
    return std::string();
  };
  EXPECT_EQ(authorization(seen[0]), "");
  EXPECT_EQ(authorization(seen[1]), "Bearer abcdef.0123456789abcdef");
  EXPECT_EQ(authorization(seen[2]), "");
}

}  // namespace
}  // namespace joinguard::node::phases
