// Unit tests of the sandbox's API machinery pieces (no network): RequestInfo parsing, selectors,
// patches, the store's RV/410 rules, HumanDuration.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

#include "common/crypto/csr.h"
#include "common/crypto/encoding.h"
#include "common/crypto/key.h"
#include "common/runtime/clock.h"
#include "tests/sandbox/server/csr_parse_cache.h"
#include "tests/sandbox/server/patch.h"
#include "tests/sandbox/server/request_info.h"
#include "tests/sandbox/server/selectors.h"
#include "tests/sandbox/server/store.h"
#include "tests/sandbox/server/tables.h"
#include "tests/testing/status_matchers.h"

namespace joinguard::sandbox {
namespace {

using ::joinguard::testing::StatusIs;
using nlohmann::json;

TEST(RequestInfoTest, ParsesLikeTheApiserver) {
  struct Case {
    std::string method, path;
    bool watch;
    std::string verb, group, ns, resource, name, sub;
    bool resource_request;
  };
  const std::vector<Case> cases = {
      {"GET", "/api/v1/namespaces/ns1/configmaps", false, "list", "", "ns1", "configmaps", "", "", true},
      {"GET", "/api/v1/namespaces/ns1/configmaps", true, "watch", "", "ns1", "configmaps", "", "", true},
      {"GET", "/api/v1/watch/namespaces/ns1/configmaps/x", false, "watch", "", "ns1", "configmaps", "x", "",
       true},
      {"GET", "/api/v1/namespaces/ns1", false, "get", "", "ns1", "namespaces", "ns1", "", true},
      {"PUT", "/api/v1/namespaces/ns1/status", false, "update", "", "ns1", "namespaces", "ns1", "status",
       true},
      {"PUT", "/apis/certificates.k8s.io/v1/certificatesigningrequests/c/approval", false, "update",
       "certificates.k8s.io", "", "certificatesigningrequests", "c", "approval", true},
      {"DELETE", "/api/v1/namespaces/a/secrets", false, "deletecollection", "", "a", "secrets", "", "", true},
      {"POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", false, "create", "authorization.k8s.io",
       "", "subjectaccessreviews", "", "", true},
      {"GET", "/apis/apps/v1", false, "get", "apps", "", "", "", "", false},
      {"GET", "/apis/apps", false, "get", "", "", "", "", "", false},
      {"GET", "/version", false, "get", "", "", "", "", "", false},
      {"POST", "/healthz", false, "post", "", "", "", "", "", false},
  };
  for (const auto& c : cases) {
    RequestInfo info = ParseRequestInfo(c.method, c.path, c.watch);
    SCOPED_TRACE(c.method + " " + c.path);
    EXPECT_EQ(info.resource_request, c.resource_request);
    EXPECT_EQ(info.verb, c.verb);
    if (c.resource_request) {
      EXPECT_EQ(info.group, c.group);
      EXPECT_EQ(info.ns, c.ns);
      EXPECT_EQ(info.resource, c.resource);
      EXPECT_EQ(info.name, c.name);
      EXPECT_EQ(info.subresource, c.sub);
    }
  }
}

TEST(SelectorTest, LabelSyntaxErrorsAreRejected) {
  EXPECT_THAT(LabelSelector::Parse("a in (x"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(LabelSelector::Parse("a,,b"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(LabelSelector::Parse("a b (x)"), StatusIs(StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(auto sel, LabelSelector::Parse(" env in (prod, staging) , !canary "));
  EXPECT_TRUE(sel.Matches(json{{"metadata", {{"labels", {{"env", "prod"}}}}}}));
  EXPECT_FALSE(sel.Matches(json{{"metadata", {{"labels", {{"env", "prod"}, {"canary", "1"}}}}}}));
  EXPECT_FALSE(sel.Matches(json{{"metadata", json::object()}}));
}

TEST(SelectorTest, FieldSelectorAllowList) {
  EXPECT_THAT(FieldSelector::Parse("spec.nodeName=x", {}), StatusIs(StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(auto sel,
                       FieldSelector::Parse("spec.signerName==a/b,metadata.name!=x", {"spec.signerName"}));
  EXPECT_TRUE(sel.Matches(json{{"metadata", {{"name", "y"}}}, {"spec", {{"signerName", "a/b"}}}}));
  EXPECT_FALSE(sel.Matches(json{{"metadata", {{"name", "x"}}}, {"spec", {{"signerName", "a/b"}}}}));
}

TEST(PatchTest, StrategicMergeDirectives) {
  json target = {{"spec",
                  {{"containers",
                    {{{"name", "a"}, {"image", "1"}, {"ports", {{{"containerPort", 80}}}}},
                     {{"name", "b"}, {"image", "1"}}}},
                   {"finalizers", {"x"}}}}};
  json patch = {{"spec",
                 {{"$setElementOrder/containers", {{{"name", "b"}}, {{"name", "a"}}}},
                  {"containers", {{{"name", "a"}, {"ports", {{{"containerPort", 443}}}}}}},
                  {"$deleteFromPrimitiveList/finalizers", {"x"}}}}};
  ASSERT_OK_AND_ASSIGN(json out, ApplyStrategicMergePatch(target, patch));
  ASSERT_EQ(out["spec"]["containers"].size(), 2u);
  EXPECT_EQ(out["spec"]["containers"][0]["name"], "b");
  EXPECT_EQ(out["spec"]["containers"][1]["ports"].size(), 2u);  // merged by containerPort
  EXPECT_EQ(out["spec"]["finalizers"], json::array());
  json replace = {{"spec", {{"containers", {{{"$patch", "replace"}}, {{"name", "z"}}}}}}};
  ASSERT_OK_AND_ASSIGN(json out2, ApplyStrategicMergePatch(target, replace));
  EXPECT_EQ(out2["spec"]["containers"], json::array({{{"name", "z"}}}));
  json retain = {{"spec", {{"$retainKeys", {"containers"}}}}};
  ASSERT_OK_AND_ASSIGN(json out3, ApplyStrategicMergePatch(target, retain));
  EXPECT_FALSE(out3["spec"].contains("finalizers"));
}

TEST(PatchTest, JsonPatchOperations) {
  json doc = {{"a", {1, 2}}, {"b", "x"}};
  json ops = json::array({{{"op", "move"}, {"from", "/b"}, {"path", "/c"}},
                          {{"op", "add"}, {"path", "/a/1"}, {"value", 9}},
                          {{"op", "remove"}, {"path", "/a/0"}},
                          {{"op", "copy"}, {"from", "/c"}, {"path", "/d"}}});
  ASSERT_OK_AND_ASSIGN(json out, ApplyJsonPatch(doc, ops));
  EXPECT_EQ(out, json({{"a", {9, 2}}, {"c", "x"}, {"d", "x"}}));
  EXPECT_THAT(ApplyJsonPatch(doc, json::array({{{"op", "replace"}, {"path", "/zz"}, {"value", 1}}})),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST(StoreTest, ResourceVersionsConflictsAndExpiredWatches) {
  runtime::FakeClock clock;
  Store store(clock, std::chrono::seconds(10), 1000);
  json cm = {{"metadata", {{"name", "a"}, {"namespace", "n"}}}};
  ASSERT_OK_AND_ASSIGN(ObjectRef created, store.Create("/v1/configmaps", cm));
  EXPECT_EQ(created->Parse()["metadata"]["resourceVersion"], "1");
  EXPECT_EQ(created->rv, 1);
  EXPECT_THAT(store.Create("/v1/configmaps", cm), StatusIs(StatusCode::kAlreadyExists));
  // No-op update: no RV bump.
  ASSERT_OK_AND_ASSIGN(ObjectRef same, store.Update("/v1/configmaps", "n", "a",
                                                    [](const json& c) { return StatusOr<json>(c); }));
  EXPECT_EQ(same->Parse()["metadata"]["resourceVersion"], "1");
  EXPECT_EQ(same, created);  // the stored version itself: nothing was written
  EXPECT_EQ(store.rv(), 1);
  clock.Advance(std::chrono::seconds(11));
  ASSERT_OK(store.Create("/v1/configmaps", json{{"metadata", {{"name", "b"}, {"namespace", "n"}}}}).status());
  // Event rv=1 is now older than the window: a watch from 0 is expired, from 1 is fine.
  EXPECT_THAT(store.Subscribe(nullptr, 0), StatusIs(StatusCode::kOutOfRange));
  ASSERT_OK_AND_ASSIGN(auto sub, store.Subscribe(nullptr, 1));
  EventRef e;
  ASSERT_TRUE(sub->TryNext(&e));
  EXPECT_EQ(e->name, "b");
  EXPECT_EQ(e->rv, 2);
  store.Unsubscribe(sub);
}

// Store::Update computes outside the store lock and commits only onto the version it read: a
// write that lands in between makes the mutator run again on the newer version, so neither
// write is lost (GuaranteedUpdate's retry).
TEST(StoreTest, UpdateRunsAgainOnTheNewerVersionWhenAnotherWriteLandsFirst) {
  runtime::FakeClock clock;
  Store store(clock, std::chrono::seconds(10), 1000);
  ASSERT_OK(store
                .Create("/v1/configmaps",
                        json{{"metadata", {{"name", "a"}, {"namespace", "n"}}}, {"data", {{"x", "0"}}}})
                .status());
  int calls = 0;
  ASSERT_OK_AND_ASSIGN(ObjectRef result,
                       store.Update("/v1/configmaps", "n", "a", [&](const json& cur) -> StatusOr<json> {
                         if (++calls == 1) {
                           // Another writer commits while this mutation is being computed.
                           EXPECT_OK(store
                                         .Update("/v1/configmaps", "n", "a",
                                                 [](const json& c) -> StatusOr<json> {
                                                   json next = c;
                                                   next["data"]["y"] = "other";
                                                   return next;
                                                 })
                                         .status());
                         }
                         json next = cur;
                         next["data"]["x"] = "mine";
                         return next;
                       }));
  EXPECT_EQ(calls, 2);
  const json stored = result->Parse();
  EXPECT_EQ(stored["data"]["x"], "mine");
  EXPECT_EQ(stored["data"]["y"], "other");
  EXPECT_EQ(stored["metadata"]["resourceVersion"], "3");
  EXPECT_EQ(store.rv(), 3);
}

// Concurrent read-modify-writes of one object: every increment lands, each its own version.
TEST(StoreTest, ConcurrentUpdatesLoseNothing) {
  runtime::RealClock clock;
  Store store(clock, std::chrono::seconds(10), 100000);
  ASSERT_OK(store
                .Create("/v1/configmaps",
                        json{{"metadata", {{"name", "c"}, {"namespace", "n"}}}, {"data", {{"n", 0}}}})
                .status());
  constexpr int kThreads = 4, kEach = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        EXPECT_OK(store
                      .Update("/v1/configmaps", "n", "c",
                              [](const json& c) -> StatusOr<json> {
                                json next = c;
                                next["data"]["n"] = c["data"]["n"].get<int>() + 1;
                                return next;
                              })
                      .status());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(store.GetRef("/v1/configmaps", "n", "c")->Parse()["data"]["n"], kThreads * kEach);
  EXPECT_EQ(store.rv(), 1 + kThreads * kEach);
}

// The create strategy's parse of a request is handed to the signer once, and the cache is bounded.
TEST(CsrParseCacheTest, TakeOnceByExactRequestAndEvictOldest) {
  auto parse = [](const std::string& node) {
    auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcdsaP256);
    auto pem = crypto::BuildCsrPem(*key, crypto::CsrTemplate::ForKubeletClient(node));
    auto parsed = crypto::ParsedCsr::FromPem(*pem);
    EXPECT_TRUE(parsed.ok());
    return std::make_pair(crypto::Base64Encode(*pem),
                          std::make_shared<const crypto::ParsedCsr>(*std::move(parsed)));
  };
  CsrParseCache cache(2);
  auto [a_text, a] = parse("a");
  auto [b_text, b] = parse("b");
  auto [c_text, c] = parse("c");
  cache.Put(a_text, a);
  cache.Put(b_text, b);
  EXPECT_EQ(cache.Take(a_text + "x"), nullptr) << "other bytes are another request";
  EXPECT_EQ(cache.Take(a_text), a);
  EXPECT_EQ(cache.Take(a_text), nullptr) << "taken once";
  cache.Put(a_text, a);
  cache.Put(c_text, c);  // full: the oldest (b) goes
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.Take(b_text), nullptr);
  EXPECT_EQ(cache.Take(c_text), c);
  EXPECT_EQ(cache.Take(a_text)->CommonName(), "system:node:a");
  EXPECT_EQ(cache.size(), 0u);
}

// Continue keys are (namespace, name) positions: namespace "a-x" sorts after "a" as a key but
// "a-x/c" sorts before "a/b" as a string; a page boundary must skip nothing.
TEST(StoreTest, PagesAcrossNamespacesSkipNothing) {
  runtime::FakeClock clock;
  Store store(clock, std::chrono::seconds(10), 1000);
  ASSERT_OK(store.Create("/v1/configmaps", json{{"metadata", {{"name", "b"}, {"namespace", "a"}}}}).status());
  ASSERT_OK(
      store.Create("/v1/configmaps", json{{"metadata", {{"name", "c"}, {"namespace", "a-x"}}}}).status());
  ASSERT_OK(store.Create("/v1/configmaps", json{{"metadata", {{"name", "d"}, {"namespace", "b"}}}}).status());
  Store::RefList first = store.ListRefs("/v1/configmaps", "", "", 1);
  ASSERT_EQ(first.items.size(), 1u);
  EXPECT_EQ(first.last_key, "a/b");
  EXPECT_EQ(first.remaining, 2);
  Store::RefList second = store.ListRefs("/v1/configmaps", "", first.last_key, 1);
  ASSERT_EQ(second.items.size(), 1u);
  EXPECT_EQ(second.last_key, "a-x/c");
  EXPECT_EQ(second.remaining, 1);
  EXPECT_EQ(store.List("/v1/configmaps", "", "a/b").items.size(), 2u);
  // One namespace: only its keys, from the continue position on.
  Store::RefList in_ns = store.ListRefs("/v1/configmaps", "a-x", "", 0);
  ASSERT_EQ(in_ns.items.size(), 1u);
  EXPECT_EQ(in_ns.items[0]->Parse()["metadata"]["name"], "c");
  EXPECT_TRUE(store.ListRefs("/v1/configmaps", "a", "a/b", 0).items.empty());
}

// Watchers and the event log share the stored version: a watcher sees the very text GET serves.
TEST(StoreTest, EventsShareTheStoredVersion) {
  runtime::FakeClock clock;
  Store store(clock, std::chrono::seconds(10), 1000);
  ASSERT_OK_AND_ASSIGN(auto sub, store.Subscribe(nullptr, -1));
  ASSERT_OK_AND_ASSIGN(
      ObjectRef created,
      store.Create("/v1/configmaps", json{{"metadata", {{"name", "a"}, {"namespace", "n"}}}}));
  EventRef e;
  ASSERT_TRUE(sub->TryNext(&e));
  EXPECT_EQ(e->object, created);
  EXPECT_EQ(store.GetRef("/v1/configmaps", "n", "a"), created);
  ASSERT_OK_AND_ASSIGN(ObjectRef deleted, store.Delete("/v1/configmaps", "n", "a"));
  EXPECT_EQ(deleted->rv, 2);
  EXPECT_EQ(deleted->Parse()["metadata"]["resourceVersion"], "2");
  ASSERT_TRUE(sub->TryNext(&e));
  EXPECT_EQ(e->old_object, created);
  store.Unsubscribe(sub);
  // The state file document round-trips.
  Store copy(clock, std::chrono::seconds(10), 1000);
  ASSERT_OK(store.Create("/v1/configmaps", json{{"metadata", {{"name", "z"}, {"namespace", "n"}}}}).status());
  ASSERT_OK(copy.Restore(json::parse(store.Snapshot())));
  EXPECT_EQ(copy.rv(), 3);
  ASSERT_NE(copy.GetRef("/v1/configmaps", "n", "z"), nullptr);
  EXPECT_EQ(copy.GetRef("/v1/configmaps", "n", "z")->text, store.GetRef("/v1/configmaps", "n", "z")->text);
}

TEST(TablesTest, HumanDurationLikeKubectl) {
  using std::chrono::seconds;
  EXPECT_EQ(HumanDuration(seconds(5)), "5s");
  EXPECT_EQ(HumanDuration(seconds(119)), "119s");
  EXPECT_EQ(HumanDuration(seconds(200)), "3m20s");
  EXPECT_EQ(HumanDuration(seconds(3600)), "60m");
  EXPECT_EQ(HumanDuration(seconds(5 * 3600 + 60)), "5h1m");
  EXPECT_EQ(HumanDuration(seconds(30 * 3600)), "30h");
  EXPECT_EQ(HumanDuration(seconds(3 * 86400)), "3d");
}

}  // namespace
}  // namespace joinguard::sandbox
