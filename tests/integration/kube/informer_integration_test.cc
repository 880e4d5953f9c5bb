// Informer against the sandbox: no event lost when the server closes watches and forces 410.
#include <set>
#include <thread>

#include "common/kube/informer.h"
#include "tests/integration/kube/fixture.h"

namespace joinguard::kube {
namespace {

using namespace std::chrono_literals;
using testing::Eventually;

class InformerIntegrationTest : public testing::SandboxTest {};

struct Tally {
  std::mutex mu;
  std::map<std::string, int> adds, deletes;
  std::map<std::string, std::string> last_value;  // data.v as last seen by a handler
};

InformerOptions Opts(const std::string& ns) {
  InformerOptions o;
  o.namespace_ = ns;
  o.page_size = 50;
  o.backoff.initial = 20ms;
  o.backoff.max = 200ms;
  return o;
}

std::unique_ptr<Informer<ConfigMap>> Start(Client& client, const std::string& ns, Tally& t,
                                           const runtime::Clock& clock, const runtime::Logger& logger) {
  auto inf = Informer<ConfigMap>::Create(client, Opts(ns), clock, logger);
  EXPECT_TRUE(inf.ok()) << inf.status();
  Informer<ConfigMap>::Handlers h;
  h.on_add = [&t](const ConfigMap& cm) {
    std::lock_guard<std::mutex> l(t.mu);
    ++t.adds[cm.metadata.name];
    t.last_value[cm.metadata.name] = cm.data.count("v") ? cm.data.at("v") : "";
  };
  h.on_update = [&t](const ConfigMap&, const ConfigMap& cm) {
    std::lock_guard<std::mutex> l(t.mu);
    t.last_value[cm.metadata.name] = cm.data.count("v") ? cm.data.at("v") : "";
  };
  h.on_delete = [&t](const ConfigMap& cm) {
    std::lock_guard<std::mutex> l(t.mu);
    ++t.deletes[cm.metadata.name];
    t.last_value.erase(cm.metadata.name);
  };
  (*inf)->AddHandlers(h);
  (*inf)->Start();
  return std::move(*inf);
}

ConfigMap Cm(const std::string& ns, const std::string& name, const std::string& v) {
  ConfigMap cm;
  cm.metadata.namespace_ = ns;
  cm.metadata.name = name;
  cm.data["v"] = v;
  return cm;
}

// The handlers' view equals the server's final state: every object's last value, and
// every deleted object reported deleted.
void ExpectConverged(Client& client, const std::string& ns, Tally& t, Informer<ConfigMap>& inf) {
  auto server = client.List<ConfigMap>(ns);
  ASSERT_TRUE(server.ok()) << server.status();
  std::map<std::string, std::string> want;
  for (const auto& cm : server->items) want[cm.metadata.name] = cm.data.at("v");
  const bool converged = Eventually(
      [&] {
        std::lock_guard<std::mutex> l(t.mu);
        return t.last_value == want && inf.List().size() == want.size();
      },
      20s);
  std::lock_guard<std::mutex> l(t.mu);
  EXPECT_TRUE(converged);
  EXPECT_EQ(t.last_value, want);
}

TEST_F(InformerIntegrationTest, SurvivesServerClosingWatches) {
  auto client = Admin();
  Tally t;
  // Before the informer starts: the sandbox reads the setting when a watch begins, and the
  // informer's first watch can begin as soon as its list returns.
  sandbox_->CloseWatchesAfterEvents(3);
  auto inf = Start(*client, "close", t, clock_, logger_);
  ASSERT_TRUE(inf->WaitForSync(std::chrono::steady_clock::now() + 20s));
  for (int i = 0; i < 20; ++i) ASSERT_OK(client->Create(Cm("close", "c" + std::to_string(i), "0")));
  for (int i = 0; i < 20; i += 2) {
    ASSERT_OK(client->Patch<ConfigMap>("close", "c" + std::to_string(i), PatchType::kMerge,
                                       {{"data", {{"v", "1"}}}}));
  }
  for (int i = 0; i < 20; i += 5) ASSERT_OK(client->Delete<ConfigMap>("close", "c" + std::to_string(i)));
  ExpectConverged(*client, "close", t, *inf);
  std::lock_guard<std::mutex> l(t.mu);
  for (const auto& [name, n] : t.adds) EXPECT_EQ(n, 1) << name << " added more than once";
  EXPECT_EQ(t.deletes.size(), 4u);
  EXPECT_GT(inf->GetStats().watches, 5) << "the watch was re-established";
  EXPECT_EQ(inf->GetStats().lists, 1) << "normal closes re-watch without re-listing";
  sandbox_->CloseWatchesAfterEvents(0);
}

TEST_F(InformerIntegrationTest, ForcedGoneRelistsWithoutLosingEvents) {
  auto client = Admin();
  for (int i = 0; i < 10; ++i) ASSERT_OK(client->Create(Cm("gone", "g" + std::to_string(i), "0")));
  Tally t;
  auto inf = Start(*client, "gone", t, clock_, logger_);
  ASSERT_TRUE(inf->WaitForSync(std::chrono::steady_clock::now() + 20s));
  EXPECT_EQ(inf->List().size(), 10u);
  // The next watch gets 410; make the current one end after its next event.
  sandbox_->ForceGoneOnNextWatch();
  sandbox_->CloseWatchesAfterEvents(1);
  ASSERT_OK(client->Delete<ConfigMap>("gone", "g0"));
  // Changes while the informer re-lists.
  ASSERT_OK(client->Delete<ConfigMap>("gone", "g1"));
  ASSERT_OK(client->Create(Cm("gone", "new", "0")));
  ASSERT_OK(client->Patch<ConfigMap>("gone", "g2", PatchType::kMerge, {{"data", {{"v", "2"}}}}));
  ASSERT_TRUE(Eventually([&] { return inf->GetStats().relists_after_gone >= 1; }, 20s));
  sandbox_->CloseWatchesAfterEvents(0);
  ASSERT_OK(client->Patch<ConfigMap>("gone", "g3", PatchType::kMerge, {{"data", {{"v", "3"}}}}));
  ExpectConverged(*client, "gone", t, *inf);
  std::lock_guard<std::mutex> l(t.mu);
  EXPECT_EQ(t.deletes["g0"], 1);
  EXPECT_EQ(t.deletes["g1"], 1);
  EXPECT_EQ(t.adds["new"], 1);
  EXPECT_GE(inf->GetStats().lists, 2);
}

}  // namespace
}  // namespace joinguard::kube
