// Reflector/informer logic over a scripted Client: re-watch from the last RV on a normal close,
// re-list on 410 with deletions computed for vanished objects, backoff on failures; the typed
// store (decoded once, shared, indexed).
#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <atomic>
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
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
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

  StatusOr<Json> GetRaw(const Resource&, std::string_view, std::string_view, std::string_view) override {
    return UnimplementedError("get");
  }
  StatusOr<Json> ListRaw(const Resource&, std::string_view, const ListOptions&) override {
    std::lock_guard<std::mutex> l(mu);
    ++list_calls;
    if (lists.empty()) return UnavailableError("no more lists scripted");
    auto r = lists.front();
    lists.pop_front();
    return r;
  }
  StatusOr<Json> CreateRaw(const Resource&, std::string_view, const Json&, std::string_view) override {
    return UnimplementedError("create");
  }
  StatusOr<Json> UpdateRaw(const Resource&, std::string_view, std::string_view, const Json&,
                           std::string_view) override {
    return UnimplementedError("update");
  }
  StatusOr<Json> PatchRaw(const Resource&, std::string_view, std::string_view, PatchType, const Json&,
                          std::string_view) override {
    return UnimplementedError("patch");
  }
  StatusOr<Json> DeleteRaw(const Resource&, std::string_view, std::string_view,
                           const DeleteOptions&) override {
    return UnimplementedError("delete");
  }
  Status WatchRaw(const Resource&, std::string_view, const ListOptions& o, const WatchHandler& handler,
                  std::stop_token stop) override {
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

Informer<ConfigMap>::Handlers Handlers(Recorder& r) {
  Informer<ConfigMap>::Handlers h;
  h.on_add = [&r](const ConfigMap& o) { r.Add("add " + o.metadata.name); };
  h.on_update = [&r](const ConfigMap& a, const ConfigMap& b) {
    r.Add("update " + b.metadata.name + " " + a.metadata.resource_version + "->" +
          b.metadata.resource_version);
  };
  h.on_delete = [&r](const ConfigMap& o) { r.Add("delete " + o.metadata.name); };
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
  ASSERT_OK_AND_ASSIGN(auto inf, Informer<ConfigMap>::Create(client, FastOptions(), clock, logger));
  Recorder rec;
  inf->AddHandlers(Handlers(rec));
  inf->Start();
  ASSERT_TRUE(inf->WaitForSync(std::chrono::steady_clock::now() + 10s));
  ASSERT_TRUE(Eventually([&] { return rec.Get().size() >= 7; }));
  EXPECT_THAT(rec.Get(), ::testing::ElementsAre("add a", "add b", "add d", "update b 2->5", "add c",
                                                "delete a", "delete d"));
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

// The re-list follows continue tokens page by page (each page decoded and dropped before the
// next is read), takes the first page's resourceVersion and swaps the store only when the last
// page is in: a page that fails abandons the re-list and leaves the store as it was.
TEST(Informer, ListIsReadPageByPageAndAppliedWhole) {
  ScriptedClient client;
  Json page1 = List({Obj("a", "1"), Obj("b", "2")}, "7");
  page1["metadata"]["continue"] = "token-2";
  Json page2 = List({Obj("c", "3")}, "");
  client.lists.push_back(page1);
  client.lists.push_back(UnavailableError("page 2 failed").WithReason("ServiceUnavailable", 503));
  client.lists.push_back(page1);
  client.lists.push_back(page2);
  client.watches.push_back({{}, CancelledError("end")});
  runtime::RealClock clock;
  runtime::Logger logger(runtime::LogLevel::kError);
  ASSERT_OK_AND_ASSIGN(auto inf, Informer<ConfigMap>::Create(client, FastOptions(), clock, logger));
  Recorder rec;
  inf->AddHandlers(Handlers(rec));
  inf->Start();
  ASSERT_TRUE(inf->WaitForSync(std::chrono::steady_clock::now() + 10s));
  EXPECT_THAT(inf->Keys(), ::testing::ElementsAre("ns/a", "ns/b", "ns/c"));
  EXPECT_EQ(inf->LastSyncResourceVersion(), "7");
  EXPECT_THAT(rec.Get(),
              ::testing::ElementsAre("add a", "add b", "add c"));  // one delivery, after the last page
  {
    std::lock_guard<std::mutex> l(client.mu);
    EXPECT_EQ(client.list_calls, 4);
  }
  inf->Stop();
}

TEST(Informer, NormalCloseReWatchesFromLastSeenRvWithoutRelisting) {
  ScriptedClient client;
  client.lists.push_back(List({Obj("a", "1")}, "1"));
  Json bookmark = {{"kind", "ConfigMap"}, {"apiVersion", "v1"}, {"metadata", {{"resourceVersion", "9"}}}};
  client.watches.push_back(
      {{{WatchEventType::kModified, Obj("a", "4")}, {WatchEventType::kBookmark, bookmark}}, OkStatus()});
  client.watches.push_back({{{WatchEventType::kDeleted, Obj("a", "10")}}, OkStatus()});
  runtime::RealClock clock;
  runtime::Logger logger(runtime::LogLevel::kError);
  ASSERT_OK_AND_ASSIGN(auto inf, Informer<ConfigMap>::Create(client, FastOptions(), clock, logger));
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
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->metadata.resource_version, "1");
  EXPECT_EQ(inf->List().size(), 1u);
  inf->Stop();
}

TEST(Informer, WaitForSyncTimesOut) {
  ScriptedClient client;  // lists always fail
  runtime::RealClock clock;
  runtime::Logger logger(runtime::LogLevel::kError);
  ASSERT_OK_AND_ASSIGN(auto inf, Informer<ConfigMap>::Create(client, FastOptions(), clock, logger));
  inf->Start();
  EXPECT_FALSE(inf->WaitForSync(std::chrono::steady_clock::now() + 100ms));
  inf->Stop();
}

Json Labelled(const std::string& name, const std::string& rv, const std::string& node) {
  Json o = Obj(name, rv);
  o["metadata"]["labels"] = {{"node", node}};
  o["metadata"]["managedFields"] = Json::array({{{"manager", "kubectl"}}});
  return o;
}

// A watch that delivers `events` then idles until the informer stops.
ScriptedWatch Idle(std::vector<WatchEvent> events) {
  return {std::move(events), Status(StatusCode::kCancelled, "block")};
}

TEST(InformerStore, ReadsShareOneDecodedObjectPerVersionWithoutRaw) {
  ScriptedClient client;
  client.lists.push_back(List({Labelled("a", "1", "x")}, "1"));
  runtime::RealClock clock;
  runtime::Logger logger(runtime::LogLevel::kError);
  ASSERT_OK_AND_ASSIGN(auto inf, Informer<ConfigMap>::Create(client, FastOptions(), clock, logger));
  inf->Start();
  ASSERT_TRUE(inf->WaitForSync(std::chrono::steady_clock::now() + 10s));
  Informer<ConfigMap>::Ptr first = inf->Get("ns/a");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first.get(), inf->Get("ns/a").get()) << "a read must not decode or copy";
  EXPECT_EQ(first.get(), inf->List().at(0).get());
  EXPECT_EQ(first->metadata.labels.at("node"), "x");
  EXPECT_TRUE(first->raw.is_null()) << "the store drops raw JSON unless keep_raw is set";
  EXPECT_EQ(inf->Get("ns/missing"), nullptr);
  inf->Stop();
}

TEST(InformerStore, KeepRawKeepsUnmodelledFields) {
  ScriptedClient client;
  client.lists.push_back(List({Labelled("a", "1", "x")}, "1"));
  runtime::RealClock clock;
  runtime::Logger logger(runtime::LogLevel::kError);
  InformerOptions o = FastOptions();
  o.keep_raw = true;
  ASSERT_OK_AND_ASSIGN(auto inf, Informer<ConfigMap>::Create(client, o, clock, logger));
  inf->Start();
  ASSERT_TRUE(inf->WaitForSync(std::chrono::steady_clock::now() + 10s));
  ASSERT_NE(inf->Get("ns/a"), nullptr);
  EXPECT_TRUE(inf->Get("ns/a")->raw["metadata"].contains("managedFields"));
  inf->Stop();
}

TEST(InformerStore, IndexFollowsAddsUpdatesDeletesAndRelists) {
  ScriptedClient client;
  client.lists.push_back(List({Labelled("a", "1", "x"), Labelled("b", "2", "x")}, "2"));
  client.lists.push_back(List({Labelled("b", "7", "z")}, "7"));
  client.watches.push_back({{{WatchEventType::kModified, Labelled("a", "3", "y")},
                             {WatchEventType::kAdded, Labelled("c", "4", "x")},
                             {WatchEventType::kDeleted, Labelled("b", "5", "x")}},
                            OkStatus()});
  client.watches.push_back({{}, OutOfRangeError("too old").WithReason("Expired", 410)});
  runtime::RealClock clock;
  runtime::Logger logger(runtime::LogLevel::kError);
  ASSERT_OK_AND_ASSIGN(auto inf, Informer<ConfigMap>::Create(client, FastOptions(), clock, logger));
  std::atomic<int> index_calls{0};
  ASSERT_OK(inf->AddIndexer("byNode", [&](const ConfigMap& c) -> std::vector<std::string> {
    ++index_calls;
    auto it = c.metadata.labels.find("node");
    if (it == c.metadata.labels.end()) return {};
    return {it->second};
  }));
  EXPECT_FALSE(inf->AddIndexer("byNode", [](const ConfigMap&) { return std::vector<std::string>{}; }).ok());
  Recorder rec;
  Informer<ConfigMap>::Handlers h = Handlers(rec);
  h.on_update = [&](const ConfigMap&, const ConfigMap& b) {
    // Inside a handler the store already holds the new version, indexed.
    rec.Add("update " + b.metadata.name +
            " indexed=" + std::to_string(inf->CountByIndex("byNode", b.metadata.labels.at("node"))));
  };
  inf->AddHandlers(h);
  inf->Start();
  // list(a,b) + a' + c + delete b, then 410 → relist(b'): delete a, delete c, add b.
  ASSERT_TRUE(Eventually([&] { return rec.Get().size() >= 8; })) << ::testing::PrintToString(rec.Get());
  EXPECT_THAT(rec.Get(), ::testing::ElementsAre("add a", "add b", "update a indexed=1", "add c", "delete b",
                                                "add b", "delete a", "delete c"));
  auto names = [&](const std::string& v) {
    std::vector<std::string> out;
    for (const auto& o : inf->ByIndex("byNode", v)) out.push_back(o->metadata.name);
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_THAT(names("x"), ::testing::IsEmpty());
  EXPECT_THAT(names("y"), ::testing::IsEmpty());
  EXPECT_THAT(names("z"), ::testing::ElementsAre("b"));
  EXPECT_THAT(inf->ByIndex("noSuchIndex", "z"), ::testing::IsEmpty());
  // When a version enters the store (a1 b2 a3 c4 b7) and when it leaves it by an update or a
  // watch delete (a1 b2; the re-list rebuilds the indexes), never per read: the values are
  // recomputed rather than kept.
  for (int i = 0; i < 100; ++i) inf->ByIndex("byNode", "z");
  EXPECT_EQ(index_calls.load(), 7);
  inf->Stop();
}

TEST(InformerStore, UndecodableObjectIsTreatedAsAbsent) {
  ScriptedClient client;
  client.lists.push_back(List({Obj("a", "1")}, "1"));
  Json bad = Obj("a", "2");
  bad["data"] = 5;  // ConfigMap.data must be a map
  client.watches.push_back(Idle({{WatchEventType::kModified, bad}}));
  runtime::RealClock clock;
  runtime::Logger logger(runtime::LogLevel::kError);
  ASSERT_OK_AND_ASSIGN(auto inf, Informer<ConfigMap>::Create(client, FastOptions(), clock, logger));
  Recorder rec;
  inf->AddHandlers(Handlers(rec));
  inf->Start();
  ASSERT_TRUE(Eventually([&] { return rec.Get().size() >= 2; }));
  EXPECT_THAT(rec.Get(), ::testing::ElementsAre("add a", "delete a"));
  EXPECT_EQ(inf->Get("ns/a"), nullptr);
  EXPECT_EQ(inf->GetStats().undecodable, 1);
  EXPECT_EQ(inf->LastSyncResourceVersion(), "2");
  inf->Stop();
}

// Measures the store's memory per cached object (the README quotes these figures). A
// realistic kubelet CSR (ECDSA P-256 request, server-filled requester fields, managedFields)
// and a Node with a kubelet's status; raw JSON is dropped, so only modelled fields stay.
TEST(InformerStore, MemoryPerCachedObject) {
  constexpr int kObjects = 2000;
  auto csr = [](int i) {
    Json o = {
        {"apiVersion", "certificates.k8s.io/v1"},
        {"kind", "CertificateSigningRequest"},
        {"metadata",
         {{"name", "node-csr-" + std::to_string(i) + std::string(40, 'x')},
          {"uid", "0b5c9b7e-2f0d-4c1e-9a53-" + std::to_string(100000000000 + i)},
          {"resourceVersion", std::to_string(1000 + i)},
          {"creationTimestamp", "2026-11-30T04:00:00Z"},
          {"managedFields", Json::array({{{"manager", "kubelet"},
                                          {"operation", "Update"},
                                          {"fieldsV1", {{"f:spec", {{"f:request", Json::object()}}}}}}})}}},
        {"spec",
         {{"request", std::string(620, 'A')},  // base64 of a ~460-byte P-256 CSR PEM
          {"signerName", "kubernetes.io/kube-apiserver-client-kubelet"},
          {"usages", {"digital signature", "client auth"}},
          {"username", "system:bootstrap:abcdef"},
          {"uid", "3f1c7a1e-6c2b-4f7e-8b8a-1d2e3f4a5b6c"},
          {"groups",
           {"system:bootstrappers", "system:bootstrappers:kubeadm:default-node-token",
            "system:authenticated"}}}},
        {"status", Json::object()}};
    return o;
  };
  ScriptedClient client;
  std::vector<Json> items;
  for (int i = 0; i < kObjects; ++i) items.push_back(csr(i));
  Json list = List(std::move(items), "1");
  runtime::RealClock clock;
  runtime::Logger logger(runtime::LogLevel::kError);
  InformerOptions o = FastOptions();
  o.namespace_ = "";
  ASSERT_OK_AND_ASSIGN(auto inf, Informer<CertificateSigningRequest>::Create(client, o, clock, logger));
  // On this thread (mallinfo2 counts the main arena): what the store keeps after decoding.
  const size_t before = mallinfo2().uordblks;
  inf->BeginReplace();
  ASSERT_OK(inf->AddListPage(list));
  inf->CommitReplace();
  const size_t after = mallinfo2().uordblks;
  ASSERT_EQ(inf->Size(), static_cast<size_t>(kObjects));
  const double per_object = static_cast<double>(after - before) / kObjects;
  std::printf("store memory per cached CSR: %.0f bytes (%d objects)\n", per_object, kObjects);
  // Generous bound: the decoded CSR keeps ~1 KiB of strings; the raw JSON tree alone would be
  // several KiB.
  EXPECT_LT(per_object, 4096.0);
}

}  // namespace
}  // namespace joinguard::kube
