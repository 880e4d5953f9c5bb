// Watch protocol of the sandbox (apiserver pkg/endpoints/handlers/watch.go): replay after a resourceVersion,
// initial ADDED for RV ""/"0", 410 Expired for too-old RVs, bookmarks, timeoutSeconds, selectors,
// and the watch fault hooks.
#include "tests/sandbox/testing/fixture.h"

namespace joinguard::sandbox::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

const std::string kCms = "/api/v1/namespaces/default/configmaps";
constexpr milliseconds kWait{10000};

json ConfigMap(const std::string& name, const std::string& value = "1") {
  return {{"metadata", {{"name", name}}}, {"data", {{"a", value}}}};
}

class WatchTest : public SandboxTest {
 protected:
  void Start(seconds window = seconds(300), milliseconds bookmark = milliseconds(60000)) {
    SandboxOptions o;
    o.run_controllers = false;
    o.watch_window = window;
    o.bookmark_interval = bookmark;
    StartSandbox(o);
  }
  std::string ListRv() {
    auto r = Admin().Get(kCms);
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->Json()["metadata"]["resourceVersion"].get<std::string>() : "";
  }
};

TEST_F(WatchTest, ReplaysEventsAfterResourceVersionThenStreams) {
  Start();
  auto admin = Admin();
  std::string rv0 = ListRv();
  ASSERT_EQ(admin.Post(kCms, ConfigMap("w1"))->status, 201);
  ASSERT_EQ(admin.Patch(kCms + "/w1", json{{"data", {{"a", "2"}}}})->status, 200);
  ASSERT_OK_AND_ASSIGN(auto watch, admin.Watch(kCms + "?watch=true&resourceVersion=" + rv0));
  ASSERT_EQ(watch->status(), 200);
  EXPECT_EQ(watch->content_type(), "application/json");
  ASSERT_OK_AND_ASSIGN(json e1, watch->Next(kWait));
  EXPECT_EQ(e1["type"], "ADDED");
  EXPECT_EQ(e1["object"]["kind"], "ConfigMap");
  EXPECT_EQ(e1["object"]["apiVersion"], "v1");
  ASSERT_OK_AND_ASSIGN(json e2, watch->Next(kWait));
  EXPECT_EQ(e2["type"], "MODIFIED");
  EXPECT_EQ(e2["object"]["data"]["a"], "2");
  // Live events arrive as they happen (flushed per event).
  ASSERT_EQ(admin.Delete(kCms + "/w1")->status, 200);
  ASSERT_OK_AND_ASSIGN(json e3, watch->Next(kWait));
  EXPECT_EQ(e3["type"], "DELETED");
  EXPECT_EQ(e3["object"]["metadata"]["name"], "w1");
  EXPECT_GT(std::stoll(e3["object"]["metadata"]["resourceVersion"].get<std::string>()),
            std::stoll(e2["object"]["metadata"]["resourceVersion"].get<std::string>()));
}

TEST_F(WatchTest, ResourceVersionZeroStartsWithSyntheticAdded) {
  Start();
  auto admin = Admin();
  ASSERT_EQ(admin.Post(kCms, ConfigMap("x1"))->status, 201);
  ASSERT_EQ(admin.Post(kCms, ConfigMap("x2"))->status, 201);
  ASSERT_OK_AND_ASSIGN(auto watch, admin.Watch(kCms + "?watch=1&resourceVersion=0"));
  std::set<std::string> names;
  for (int i = 0; i < 2; ++i) {
    ASSERT_OK_AND_ASSIGN(json e, watch->Next(kWait));
    EXPECT_EQ(e["type"], "ADDED");
    names.insert(e["object"]["metadata"]["name"]);
  }
  EXPECT_EQ(names, (std::set<std::string>{"x1", "x2"}));
  EXPECT_THAT(watch->Next(milliseconds(200)), StatusIs(StatusCode::kDeadlineExceeded));
}

TEST_F(WatchTest, TooOldResourceVersionGetsExpiredErrorEvent) {
  Start(seconds(0));  // nothing retained: any history is too old
  auto admin = Admin();
  std::string rv0 = ListRv();
  ASSERT_EQ(admin.Post(kCms, ConfigMap("old1"))->status, 201);
  ASSERT_EQ(admin.Post(kCms, ConfigMap("old2"))->status, 201);
  ASSERT_OK_AND_ASSIGN(auto watch, admin.Watch(kCms + "?watch=true&resourceVersion=" + rv0));
  EXPECT_EQ(watch->status(), 200);  // upstream: 200, then one ERROR event
  ASSERT_OK_AND_ASSIGN(json e, watch->Next(kWait));
  EXPECT_EQ(e["type"], "ERROR");
  EXPECT_EQ(e["object"]["kind"], "Status");
  EXPECT_EQ(e["object"]["code"], 410);
  EXPECT_EQ(e["object"]["reason"], "Expired");
  EXPECT_THAT(e["object"]["message"].get<std::string>(),
              ::testing::MatchesRegex("too old resource version: " + rv0 + " \\([0-9]+\\)"));
  EXPECT_THAT(watch->Next(kWait), StatusIs(StatusCode::kOutOfRange));
  EXPECT_TRUE(watch->ended_cleanly());
}

TEST_F(WatchTest, BookmarksWhenAllowed) {
  Start(seconds(300), milliseconds(200));
  auto admin = Admin();
  std::string rv = ListRv();
  ASSERT_OK_AND_ASSIGN(auto watch,
                       admin.Watch(kCms + "?watch=true&allowWatchBookmarks=true&resourceVersion=" + rv));
  ASSERT_OK_AND_ASSIGN(json e, watch->Next(kWait));
  EXPECT_EQ(e["type"], "BOOKMARK");
  EXPECT_EQ(e["object"]["kind"], "ConfigMap");
  EXPECT_EQ(e["object"]["metadata"]["resourceVersion"], rv);
  // Without allowWatchBookmarks there are none.
  ASSERT_OK_AND_ASSIGN(auto plain, admin.Watch(kCms + "?watch=true&resourceVersion=" + rv));
  EXPECT_THAT(plain->Next(milliseconds(700)), StatusIs(StatusCode::kDeadlineExceeded));
}

TEST_F(WatchTest, BookmarkShortlyBeforeTheWatchDeadline) {
  Start();  // bookmark interval 60 s: the only bookmark is the one ~2 s before the deadline
  std::string rv = ListRv();
  ASSERT_OK_AND_ASSIGN(
      auto watch,
      Admin().Watch(kCms + "?watch=true&allowWatchBookmarks=true&timeoutSeconds=5&resourceVersion=" + rv));
  ASSERT_OK_AND_ASSIGN(json e, watch->Next(kWait));
  EXPECT_EQ(e["type"], "BOOKMARK");
  EXPECT_THAT(watch->Next(kWait), StatusIs(StatusCode::kOutOfRange));
  EXPECT_TRUE(watch->ended_cleanly());
}

TEST_F(WatchTest, TimeoutSecondsEndsTheStreamCleanly) {
  Start();
  std::string rv = ListRv();
  auto start = std::chrono::steady_clock::now();
  ASSERT_OK_AND_ASSIGN(auto watch,
                       Admin().Watch(kCms + "?watch=true&timeoutSeconds=1&resourceVersion=" + rv));
  EXPECT_THAT(watch->Next(kWait), StatusIs(StatusCode::kOutOfRange));
  EXPECT_TRUE(watch->ended_cleanly());
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(900));
}

TEST_F(WatchTest, FieldSelectorWatchSeesOnlyThatObjectAndLeavingIsDeleted) {
  Start();
  auto admin = Admin();
  std::string rv = ListRv();
  ASSERT_OK_AND_ASSIGN(
      auto byname, admin.Watch(kCms + "?watch=true&fieldSelector=metadata.name%3Dme&resourceVersion=" + rv));
  ASSERT_OK_AND_ASSIGN(auto bylabel,
                       admin.Watch(kCms + "?watch=true&labelSelector=role%3Dx&resourceVersion=" + rv));
  ASSERT_EQ(admin.Post(kCms, ConfigMap("other"))->status, 201);
  json labelled = ConfigMap("me");
  labelled["metadata"]["labels"] = {{"role", "x"}};
  ASSERT_EQ(admin.Post(kCms, labelled)->status, 201);
  ASSERT_OK_AND_ASSIGN(json e, byname->Next(kWait));
  EXPECT_EQ(e["object"]["metadata"]["name"], "me");
  ASSERT_OK_AND_ASSIGN(json l1, bylabel->Next(kWait));
  EXPECT_EQ(l1["type"], "ADDED");
  EXPECT_EQ(l1["object"]["metadata"]["name"], "me");
  // Removing the label makes the object leave the label selector: DELETED for that watcher.
  ASSERT_EQ(admin.Patch(kCms + "/me", json{{"metadata", {{"labels", {{"role", nullptr}}}}}})->status, 200);
  ASSERT_OK_AND_ASSIGN(json l2, bylabel->Next(kWait));
  EXPECT_EQ(l2["type"], "DELETED");
  ASSERT_OK_AND_ASSIGN(json e2, byname->Next(kWait));
  EXPECT_EQ(e2["type"], "MODIFIED");
}

TEST_F(WatchTest, FaultHooksCloseWatchesAndForceGone) {
  Start();
  auto admin = Admin();
  std::string rv = ListRv();
  sandbox_->CloseWatchesAfterEvents(1);
  ASSERT_OK_AND_ASSIGN(auto watch, admin.Watch(kCms + "?watch=true&resourceVersion=" + rv));
  ASSERT_EQ(admin.Post(kCms, ConfigMap("f1"))->status, 201);
  ASSERT_EQ(admin.Post(kCms, ConfigMap("f2"))->status, 201);
  ASSERT_OK_AND_ASSIGN(json e, watch->Next(kWait));
  EXPECT_EQ(e["object"]["metadata"]["name"], "f1");
  EXPECT_THAT(watch->Next(kWait), StatusIs(StatusCode::kOutOfRange));
  sandbox_->CloseWatchesAfterEvents(0);

  sandbox_->ForceGoneOnNextWatch();
  ASSERT_OK_AND_ASSIGN(auto gone, admin.Watch(kCms + "?watch=true&resourceVersion=" + ListRv()));
  ASSERT_OK_AND_ASSIGN(json g, gone->Next(kWait));
  EXPECT_EQ(g["type"], "ERROR");
  EXPECT_EQ(g["object"]["code"], 410);
  // Only the next one.
  ASSERT_OK_AND_ASSIGN(auto fine, admin.Watch(kCms + "?watch=true&resourceVersion=" + ListRv()));
  ASSERT_EQ(admin.Post(kCms, ConfigMap("f3"))->status, 201);
  ASSERT_OK_AND_ASSIGN(json f, fine->Next(kWait));
  EXPECT_EQ(f["type"], "ADDED");
}

TEST_F(WatchTest, SendInitialEventsIsRefusedSoClientsFallBack) {
  Start();
  ASSERT_OK_AND_ASSIGN(
      auto r, Admin().Get(kCms + "?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"));
  EXPECT_EQ(r.status, 422);
}

}  // namespace
}  // namespace joinguard::sandbox::testing
