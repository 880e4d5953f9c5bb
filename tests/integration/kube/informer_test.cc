// Reflector/informer logic over a scripted Client: re-watch from the last RV on a normal close,
// re-list on 410 with deletions computed for vanished objects, backoff on failures.
#include <condition_variable>
#include <deque>
#include <mutex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/kube/informer.h"
#include "common/runtime/stop.h"
#include "tests/testing/status_matchers.h"

namespace joinguard::kube {
namespace {

using namespace std::chrono_literals;

Json Obj(const std::string& name, const std::string& rv) {
  return {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", "ns"}, {"resourceVersion", rv}}}};
}

Json List(std::vector<Json> items, const std::string& rv) {
  return {{"metadata", {{"resourceVersion", rv}}}, {"items", std::move(items)}};
}

struct ScriptedWatch {
  std::vector<WatchEvent> events;
  Status end;
};

class ScriptedClient : public Client {
 public:
  std::mutex mu;
  std::deque<StatusOr<Json>> lists;
  std::deque<ScriptedWatch> watches;
  std::vector<std::string> watch_rvs;
  int list_calls = 0;

  StatusOr<Json> GetRaw(const Resource&, std::string_view, std::string_view,
                        std::string_view) override { return UnimplementedError("get"); }
  StatusOr<Json> ListRaw(const Resource&, std::string_view, const ListOptions&) override {
    std::lock_guard<std::mutex> l(mu);
    ++list_calls;
    if (lists.empty()) return UnavailableError("no more lists scripted");
    auto r = lists.front();
    lists.pop_front();
    return r;
  }
  StatusOr<Json> CreateRaw(const Resource&, std::string_view, const Json&,
                           std::string_view) override { return UnimplementedError("create"); }
  StatusOr<Json> UpdateRaw(const Resource&, std::string_view, std::string_view, const Json&,
                           std::string_view) override { return UnimplementedError("update"); }
  StatusOr<Json> PatchRaw(const Resource&, std::string_view, std::string_view, PatchType,
                          const Json&, std::string_view) override {
    return UnimplementedError("patch");
  }
  StatusOr<Json> DeleteRaw(const Resource&, std::string_view, std::string_view,
                           const DeleteOptions&) override { return UnimplementedError("delete"); }
  Status WatchRaw(const Resource&, std::string_view, const ListOptions& o,
                  const WatchHandler& handler, std::stop_token stop) override {
    ScriptedWatch w;
    {
      std::lock_guard<std::mutex> l(mu);
      watch_rvs.push_back(o.resource_version);
      if (watches.empty()) {
        w.end = Status(StatusCode::kCancelled, "block");
      } else {
        w = watches.front();
        watches.pop_front();
      }
    }
    for (const auto& e : w.events) JG_RETURN_IF_ERROR(handler(e));
    if (w.end.code() == StatusCode::kCancelled) {
      runtime::WaitFor(stop, 1h);  // idle until the informer stops
      return CancelledError("stopped");
    }
    return w.end;
  }
};

struct Recorder {
  std::mutex mu;
  std::vector<std::string> log;
  void Add(std::string s) {
    std::lock_guard<std::mutex> l(mu);
    log.push_back(std::move(s));
  }
  std::vector<std::string> Get() {
    std::lock_guard<std::mutex> l(mu);
    return log;
  }
};

RawEventHandlers Handlers(Recorder& r) {
  RawEventHandlers h;
  h.on_add = [&r](const Json& o) { r.Add("add " + MetaOf(o).name); };
  h.on_update = [&r](const Json& a, const Json& b) {
    r.Add("update " + MetaOf(b).name + " " + MetaOf(a).resource_version + "->" +
          MetaOf(b).resource_version);
  };
  h.on_delete = [&r](const Json& o) { r.Add("delete " + MetaOf(o).name); };
  return h;
}

template <typename Pred>
bool Eventually(Pred p) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (p()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return p();
}

InformerOptions FastOptions() {
  InformerOptions o;
  o.namespace_ = "ns";
  o.backoff.initial = 1ms;
  o.backoff.max = 5ms;
  return o;
}

TEST(Informer, RelistAfterGoneDeliversDeletionsForVanishedObjects) {
  ScriptedClient client;
  client.lists.push_back(List({Obj("a", "1"), Obj("b", "2")}, "2"));
  client.lists.push_back(List({Obj("b", "5"), Obj("c", "6")}, "6"));
  client.watches.push_back({{{WatchEventType::kAdded, Obj("d", "3")}},
                            OutOfRangeError("too old resource version").WithReason("Expired", 410)});
  runtime::RealClock clock;
  runtime::Logger logger(runtime::LogLevel::kError);
  ASSERT_OK_AND_ASSIGN(auto inf, RawInformer::Create(client, resources::kConfigMaps,
                                                     FastOptions(), clock, logger));
  Recorder rec;
  inf->AddHandlers(Handlers(rec));
  inf->Start();
  ASSERT_TRUE(inf->WaitForSync(std::chrono::steady_clock::now() + 10s));
  ASSERT_TRUE(Eventually([&] { return rec.Get().size() >= 7; }));
  EXPECT_THAT(rec.Get(), ::testing::ElementsAre("add a", "add b", "add d", "update b 2->5",
                                                "add c", "delete a", "delete d"));
  EXPECT_THAT(inf->Keys(), ::testing::ElementsAre("ns/b", "ns/c"));
  EXPECT_EQ(inf->LastSyncResourceVersion(), "6");
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard<std::mutex> l(client.mu);
    return client.watch_rvs.size() >= 2;
  }));
  {
    std::lock_guard<std::mutex> l(client.mu);
    EXPECT_EQ(client.watch_rvs[0], "2");
    EXPECT_EQ(client.watch_rvs[1], "6");
  }
  EXPECT_EQ(inf->GetStats().relists_after_gone, 1);
  inf->Stop();
}

TEST(Informer, NormalCloseReWatchesFromLastSeenRvWithoutRelisting) {
  ScriptedClient client;
  client.lists.push_back(List({Obj("a", "1")}, "1"));
  Json bookmark = {{"kind", "ConfigMap"}, {"apiVersion", "v1"},
                   {"metadata", {{"resourceVersion", "9"}}}};
  client.watches.push_back({{{WatchEventType::kModified, Obj("a", "4")},
                             {WatchEventType::kBookmark, bookmark}},
                            OkStatus()});
  client.watches.push_back({{{WatchEventType::kDeleted, Obj("a", "10")}}, OkStatus()});
  runtime::RealClock clock;
  runtime::Logger logger(runtime::LogLevel::kError);
  ASSERT_OK_AND_ASSIGN(auto inf, RawInformer::Create(client, resources::kConfigMaps,
                                                     FastOptions(), clock, logger));
  Recorder rec;
  inf->AddHandlers(Handlers(rec));
  inf->Start();
  ASSERT_TRUE(Eventually([&] { return rec.Get().size() >= 3; }));
  EXPECT_THAT(rec.Get(), ::testing::ElementsAre("add a", "update a 1->4", "delete a"));
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard<std::mutex> l(client.mu);
    return client.watch_rvs.size() >= 3;
  }));
  {
    std::lock_guard<std::mutex> l(client.mu);
    EXPECT_EQ(client.watch_rvs[0], "1");
    EXPECT_EQ(client.watch_rvs[1], "9");  // the bookmark advanced the RV
    EXPECT_EQ(client.watch_rvs[2], "10");
    EXPECT_EQ(client.list_calls, 1);
  }
  EXPECT_TRUE(inf->Keys().empty());
  inf->Stop();
}

TEST(Informer, ListFailuresBackOffUntilSynced) {
  ScriptedClient client;
  client.lists.push_back(UnavailableError("connection refused"));
  client.lists.push_back(UnavailableError("connection refused"));
  client.lists.push_back(List({Obj("a", "1")}, "1"));
  runtime::RealClock clock;
  runtime::Logger logger(runtime::LogLevel::kError);
  ASSERT_OK_AND_ASSIGN(auto inf, Informer<ConfigMap>::Create(client, FastOptions(), clock, logger));
  EXPECT_FALSE(inf->HasSynced());
  inf->Start();
  ASSERT_TRUE(inf->WaitForSync(std::chrono::steady_clock::now() + 10s));
  auto a = inf->Get("ns/a");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->metadata.resource_version, "1");
  EXPECT_EQ(inf->List().size(), 1u);
  inf->Stop();
}

TEST(Informer, WaitForSyncTimesOut) {
  ScriptedClient client;  // lists always fail
  runtime::RealClock clock;
  runtime::Logger logger(runtime::LogLevel::kError);
  ASSERT_OK_AND_ASSIGN(auto inf, RawInformer::Create(client, resources::kConfigMaps,
                                                     FastOptions(), clock, logger));
  inf->Start();
  EXPECT_FALSE(inf->WaitForSync(std::chrono::steady_clock::now() + 100ms));
  inf->Stop();
}

}  // namespace
}  // namespace joinguard::kube
