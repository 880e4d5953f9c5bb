// Shared fixture: a sandbox API server and clients for it.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/kube/client.h"
#include "common/kube/kubeconfig.h"
#include "common/kube/rest_config.h"
#include "common/runtime/clock.h"
#include "common/runtime/logger.h"
#include "tests/sandbox/sandbox.h"
#include "tests/testing/status_matchers.h"

namespace joinguard::kube::testing {

// Counts requests per method on the way to the real transport (to assert retry behaviour).
class CountingTransport : public HttpTransport {
 public:
  explicit CountingTransport(std::unique_ptr<HttpTransport> inner) : inner_(std::move(inner)) {}
  StatusOr<HttpResponse> Do(const HttpRequest& r, std::stop_token stop) override {
    Count(r.method);
    return inner_->Do(r, stop);
  }
  StatusOr<HttpResponse> Stream(const HttpRequest& r, const LineCallback& cb, std::stop_token stop) override {
    Count("WATCH");
    return inner_->Stream(r, cb, stop);
  }
  int count(const std::string& method) {
    std::lock_guard<std::mutex> l(mu_);
    return counts_[method];
  }
  void Reset() {
    std::lock_guard<std::mutex> l(mu_);
    counts_.clear();
  }

 private:
  void Count(const std::string& m) {
    std::lock_guard<std::mutex> l(mu_);
    ++counts_[m];
  }
  std::unique_ptr<HttpTransport> inner_;
  std::mutex mu_;
  std::map<std::string, int> counts_;
};

class SandboxTest : public ::testing::Test {
 protected:
  static sandbox::SandboxOptions DefaultOptions() {
    sandbox::SandboxOptions o;
    o.run_controllers = false;  // nothing approves/signs behind the tests' backs
    return o;
  }

  void SetUp() override { StartSandbox(DefaultOptions()); }

  void StartSandbox(const sandbox::SandboxOptions& o) {
    auto sb = sandbox::Sandbox::Start(o);
    ASSERT_TRUE(sb.ok()) << sb.status();
    sandbox_ = std::move(*sb);
    // The API server refuses objects in namespaces that do not exist.
    for (const char* ns : {"paging", "faults", "watch", "quiet", "gone", "close"}) {
      auto r = sandbox_->CreateObjectForTest(
          "/api/v1/namespaces", {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
      ASSERT_TRUE(r.ok()) << r.status();
    }
  }

  // Admin (system:masters, client certificate) config from the sandbox's kubeconfig.
  RestConfig AdminConfig() {
    auto k = ParseKubeconfig(sandbox_->admin_kubeconfig_yaml());
    EXPECT_TRUE(k.ok()) << k.status();
    auto rc = RestConfigFromKubeconfig(*k);
    EXPECT_TRUE(rc.ok()) << rc.status();
    RestConfig out = rc.ok() ? *rc : RestConfig{};
    out.qps = 500;
    out.burst = 500;
    out.user_agent = UserAgentFor("kube-integration-test");
    return out;
  }

  StatusOr<std::unique_ptr<Client>> MakeClient(const RestConfig& rc, CountingTransport** counter = nullptr) {
    ClientDeps deps;
    deps.clock = &clock_;
    deps.logger = &logger_;
    if (counter) {
      auto inner = NewCpprestTransport(TransportConfigFor(rc));
      if (!inner.ok()) return inner.status();
      auto c = std::make_unique<CountingTransport>(std::move(*inner));
      *counter = c.get();
      deps.transport = std::move(c);
    }
    return NewClient(rc, std::move(deps));
  }

  std::unique_ptr<Client> Admin() {
    auto c = MakeClient(AdminConfig());
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? std::move(*c) : nullptr;
  }

  runtime::RealClock clock_;
  runtime::Logger logger_{runtime::LogLevel::kWarning};
  std::unique_ptr<sandbox::Sandbox> sandbox_;
};

// Polls `pred` until true or the deadline; returns the final value (condition wait, not a
// sleep-as-synchronisation: the wait ends as soon as the condition holds).
template <typename Pred>
bool Eventually(Pred pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

}  // namespace joinguard::kube::testing
