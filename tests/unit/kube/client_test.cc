// Client behaviour over a scripted HttpTransport: retries, headers, paging, watch framing.
#include <deque>
#include <mutex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/files/atomic_file.h"
#include "common/kube/client.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/kube/test_util.h"

namespace joinguard::kube {
namespace {

using namespace std::chrono_literals;
using ::joinguard::testing::StatusIs;
using ::testing::HasSubstr;

struct Scripted {
  StatusOr<HttpResponse> response = HttpResponse{};
  std::vector<std::string> lines;  // for Stream
};

class FakeTransport : public HttpTransport {
 public:
  struct Shared {
    std::mutex mu;
    std::deque<Scripted> script;
    std::vector<HttpRequest> requests;
  };
  explicit FakeTransport(std::shared_ptr<Shared> s) : s_(std::move(s)) {}

  StatusOr<HttpResponse> Do(const HttpRequest& r, std::stop_token) override { return Next(r).response; }
  StatusOr<HttpResponse> Stream(const HttpRequest& r, const LineCallback& cb, std::stop_token) override {
    Scripted sc = Next(r);
    if (!sc.response.ok() || sc.response->status != 200) return sc.response;
    for (const auto& l : sc.lines) {
      Status s = cb(l);
      if (!s.ok()) return s;
    }
    return sc.response;
  }

 private:
  Scripted Next(const HttpRequest& r) {
    std::lock_guard<std::mutex> l(s_->mu);
    s_->requests.push_back(r);
    if (s_->script.empty()) return {StatusOr<HttpResponse>(InternalError("script exhausted")), {}};
    Scripted sc = std::move(s_->script.front());
    s_->script.pop_front();
    return sc;
  }
  std::shared_ptr<Shared> s_;
};

HttpResponse Resp(int status, const Json& body, std::map<std::string, std::string> headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump();
  r.headers = std::move(headers);
  return r;
}

Json StatusBody(int code, const std::string& reason, const std::string& msg) {
  return {{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
          {"reason", reason}, {"message", msg},     {"code", code}};
}

std::string Header(const HttpRequest& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override { Make(RestConfig{}); }
  void Make(RestConfig rc) {
    if (rc.server.empty()) rc.server = "https://127.0.0.1:6443";
    rc.qps = 1000;
    rc.burst = 1000;
    rc.user_agent = UserAgentFor("test");
    shared_ = std::make_shared<FakeTransport::Shared>();
    ClientDeps deps;
    deps.clock = &clock_;
    deps.logger = &logger_;
    deps.transport = std::make_unique<FakeTransport>(shared_);
    deps.rand01 = [] { return 0.0; };
    auto c = NewClient(rc, std::move(deps));
    ASSERT_TRUE(c.ok()) << c.status();
    client_ = std::move(*c);
  }
  void Push(StatusOr<HttpResponse> r, std::vector<std::string> lines = {}) {
    std::lock_guard<std::mutex> l(shared_->mu);
    shared_->script.push_back({std::move(r), std::move(lines)});
  }
  std::vector<HttpRequest> Requests() {
    std::lock_guard<std::mutex> l(shared_->mu);
    return shared_->requests;
  }

  runtime::RealClock clock_;
  runtime::Logger logger_{runtime::LogLevel::kError};
  std::shared_ptr<FakeTransport::Shared> shared_;
  std::unique_ptr<Client> client_;
};

Json ConfigMapJson(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", "ns"}, {"resourceVersion", "5"}}},
          {"data", {{"k", "v"}}}};
}

TEST_F(ClientTest, GetRetriesOn503ThenSucceeds) {
  Push(Resp(503, StatusBody(503, "ServiceUnavailable", "busy")));
  Push(UnavailableError("connection refused").WithReason(std::string(kReasonConnectionFailed)));
  Push(Resp(200, ConfigMapJson("a")));
  ASSERT_OK_AND_ASSIGN(ConfigMap cm, client_->Get<ConfigMap>("ns", "a"));
  EXPECT_EQ(cm.data.at("k"), "v");
  EXPECT_EQ(Requests().size(), 3u);
}

TEST_F(ClientTest, PostIsNeverRetried) {
  Push(Resp(503, StatusBody(503, "ServiceUnavailable", "busy")));
  Push(Resp(201, ConfigMapJson("a")));
  ConfigMap cm;
  cm.metadata.name = "a";
  cm.metadata.namespace_ = "ns";
  EXPECT_THAT(client_->Create(cm), StatusIs(StatusCode::kUnavailable, HasSubstr("busy")));
  EXPECT_EQ(Requests().size(), 1u);
}

TEST_F(ClientTest, GivesUpAfterMaxRetries) {
  RestConfig rc;
  rc.max_retries = 2;
  Make(rc);
  for (int i = 0; i < 5; ++i) Push(Resp(500, StatusBody(500, "InternalError", "boom")));
  EXPECT_THAT(client_->GetRaw(resources::kNodes, "", "n1"), StatusIs(StatusCode::kUnavailable));
  EXPECT_EQ(Requests().size(), 3u);
}

TEST_F(ClientTest, HonoursRetryAfter) {
  Push(Resp(429, StatusBody(429, "TooManyRequests", "slow down"), {{"retry-after", "1"}}));
  Push(Resp(200, ConfigMapJson("a")));
  const auto start = std::chrono::steady_clock::now();
  ASSERT_OK(client_->GetRaw(resources::kConfigMaps, "ns", "a"));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 950ms);
}

TEST_F(ClientTest, NotFoundIsNotRetriedAndCarriesMessage) {
  Push(Resp(404, StatusBody(404, "NotFound", "configmaps \"a\" not found")));
  auto r = client_->Get<ConfigMap>("ns", "a");
  EXPECT_TRUE(IsNotFound(r.status()));
  EXPECT_EQ(r.status().message(), "configmaps \"a\" not found");
  EXPECT_EQ(Requests().size(), 1u);
}

TEST_F(ClientTest, TlsVerifyFailureIsNotRetried) {
  Push(UnavailableError("certificate verify failed; check the CA")
           .WithReason(std::string(kReasonTLSVerifyFailed)));
  EXPECT_THAT(client_->GetRaw(resources::kNodes, "", "n"),
              StatusIs(StatusCode::kUnavailable, HasSubstr("check the CA")));
  EXPECT_EQ(Requests().size(), 1u);
}

TEST_F(ClientTest, SendsHeadersAndBodies) {
  RestConfig rc;
  rc.bearer_token = "secret-token";
  Make(rc);
  Push(Resp(200, ConfigMapJson("a")));
  ASSERT_OK(client_->Patch<ConfigMap>("ns", "a", PatchType::kMerge, {{"data", {{"k", "w"}}}}));
  const auto req = Requests().at(0);
  EXPECT_EQ(req.method, "PATCH");
  EXPECT_EQ(req.path_and_query, "/api/v1/namespaces/ns/configmaps/a");
  EXPECT_EQ(Header(req, "Authorization"), "Bearer secret-token");
  EXPECT_EQ(Header(req, "User-Agent"), "joinguard-test/" JOINGUARD_VERSION);
  EXPECT_EQ(Header(req, "Content-Type"), "application/merge-patch+json");
  EXPECT_EQ(Header(req, "Accept"), "application/json");
  EXPECT_EQ(Json::parse(req.body), Json({{"data", {{"k", "w"}}}}));
}

TEST_F(ClientTest, BasicAuthOnlyWithoutABearerToken) {
  RestConfig rc;
  rc.username = "joiner";
  rc.password = "p:w";
  Make(rc);
  Push(Resp(200, ConfigMapJson("a")));
  ASSERT_OK(client_->Get<ConfigMap>("ns", "a"));
  EXPECT_EQ(Header(Requests().at(0), "Authorization"), "Basic am9pbmVyOnA6dw==");  // RFC 7617: user:pass
  rc.bearer_token = "secret-token";  // client-go: a token wins over basic auth
  Make(rc);
  Push(Resp(200, ConfigMapJson("a")));
  ASSERT_OK(client_->Get<ConfigMap>("ns", "a"));
  EXPECT_EQ(Header(Requests().at(0), "Authorization"), "Bearer secret-token");
}

TEST_F(ClientTest, TokenFileIsReReadWhenItChanges) {
  const std::string dir = testutil::MakeTempDir();
  ASSERT_OK(files::WriteFileAtomic(dir + "/token", "one\n", 0600));
  RestConfig rc;
  rc.bearer_token_file = dir + "/token";
  Make(rc);
  Push(Resp(200, ConfigMapJson("a")));
  Push(Resp(200, ConfigMapJson("a")));
  ASSERT_OK(client_->GetRaw(resources::kConfigMaps, "ns", "a"));
  ASSERT_OK(files::WriteFileAtomic(dir + "/token", "two-rotated\n", 0600));
  ASSERT_OK(client_->GetRaw(resources::kConfigMaps, "ns", "a"));
  EXPECT_EQ(Header(Requests().at(0), "Authorization"), "Bearer one");
  EXPECT_EQ(Header(Requests().at(1), "Authorization"), "Bearer two-rotated");
}

TEST_F(ClientTest, ListFollowsContinueTokens) {
  Json p1 = {{"metadata", {{"resourceVersion", "10"}, {"continue", "c1"}}},
             {"items", {ConfigMapJson("a"), ConfigMapJson("b")}}};
  Json p2 = {{"metadata", {{"resourceVersion", "10"}}}, {"items", {ConfigMapJson("c")}}};
  Push(Resp(200, p1));
  Push(Resp(200, p2));
  ListOptions o;
  o.limit = 2;
  o.label_selector = "app=x,tier!=db";
  ASSERT_OK_AND_ASSIGN(auto list, client_->List<ConfigMap>("ns", o));
  ASSERT_EQ(list.items.size(), 3u);
  EXPECT_EQ(list.resource_version, "10");
  EXPECT_EQ(list.items[2].metadata.name, "c");
  const auto reqs = Requests();
  EXPECT_EQ(reqs[0].path_and_query,
            "/api/v1/namespaces/ns/configmaps?labelSelector=app%3Dx%2Ctier%21%3Ddb&limit=2");
  EXPECT_EQ(reqs[1].path_and_query,
            "/api/v1/namespaces/ns/configmaps?continue=c1&labelSelector=app%3Dx%2Ctier%21%3Ddb&limit=2");
}

// A hostile or broken server: wrongly typed list metadata is a clean error (it used to be read
// with Json::value(), which throws on a type mismatch).
TEST_F(ClientTest, WronglyTypedListMetadataIsAnErrorNotAThrow) {
  for (const Json& page : {Json{{"metadata", {{"continue", 5}}}, {"items", Json::array()}},
                           Json{{"metadata", {{"resourceVersion", Json::array()}}}}, Json{{"metadata", "x"}},
                           Json{{"items", "x"}}, Json::array({1})}) {
    Push(Resp(200, page));
    auto list = client_->List<ConfigMap>("ns");
    EXPECT_FALSE(list.ok()) << page.dump();
    EXPECT_EQ(list.status().code(), StatusCode::kInvalidArgument) << page.dump();
  }
}

TEST_F(ClientTest, WatchDeliversEventsAndMapsExpired) {
  Json added = {{"type", "ADDED"}, {"object", ConfigMapJson("a")}};
  Json bookmark = {
      {"type", "BOOKMARK"},
      {"object", {{"kind", "ConfigMap"}, {"apiVersion", "v1"}, {"metadata", {{"resourceVersion", "12"}}}}}};
  Json expired = {{"type", "ERROR"},
                  {"object", StatusBody(410, "Expired", "too old resource version: 1 (12)")}};
  Push(Resp(200, Json()), {added.dump(), bookmark.dump(), expired.dump()});
  std::vector<WatchEventType> seen;
  ListOptions o;
  o.resource_version = "3";
  o.allow_watch_bookmarks = true;
  o.timeout_seconds = 300;
  Status s = client_->WatchRaw(resources::kConfigMaps, "ns", o,
                               [&](const WatchEvent& e) {
                                 seen.push_back(e.type);
                                 return OkStatus();
                               },
                               {});
  EXPECT_TRUE(IsGone(s)) << s;
  EXPECT_THAT(seen, ::testing::ElementsAre(WatchEventType::kAdded, WatchEventType::kBookmark));
  const auto req = Requests().at(0);
  EXPECT_EQ(req.path_and_query,
            "/api/v1/namespaces/ns/configmaps?allowWatchBookmarks=true&resourceVersion=3&"
            "timeoutSeconds=300&watch=true");
  EXPECT_GT(req.timeout, 300s);  // inactivity timeout longer than the server's
}

TEST_F(ClientTest, DeleteSendsPreconditions) {
  Push(Resp(200, {{"kind", "Status"}, {"status", "Success"}}));
  DeleteOptions d;
  d.precondition_resource_version = "7";
  ASSERT_OK(client_->Delete<CertificateSigningRequest>("", "csr-1", d));
  const auto req = Requests().at(0);
  EXPECT_EQ(req.method, "DELETE");
  EXPECT_EQ(Json::parse(req.body)["preconditions"]["resourceVersion"], "7");
}

TEST(WatchEvents, Parse) {
  ASSERT_OK_AND_ASSIGN(auto e, ParseWatchEvent(R"({"type":"DELETED","object":{"metadata":{"name":"x"}}})"));
  EXPECT_EQ(e.type, WatchEventType::kDeleted);
  EXPECT_THAT(ParseWatchEvent(R"({"type":"WHAT","object":{}})"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseWatchEvent("{\"type\":\"ADDED\""), StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace joinguard::kube
