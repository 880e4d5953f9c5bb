// EventRecorderImpl over MockClient: first occurrence POSTs, repeats PATCH count, a vanished
// Event is re-created, failures never reach the caller.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/kube/events.h"
#include "common/kube/mock_client.h"
#include "tests/testing/status_matchers.h"

namespace joinguard::kube {
namespace {

using ::testing::_;
using ::testing::Eq;
using ::testing::Invoke;
using ::testing::Return;

ObjectReference CsrRef() {
  ObjectReference r;
  r.kind = "CertificateSigningRequest";
  r.api_version = "certificates.k8s.io/v1";
  r.name = "csr-1";
  r.uid = "u-1";
  return r;
}

MATCHER_P(IsResource, plural, "") { return arg.plural == plural; }

TEST(EventRecorder, CreatesThenAggregatesThenRecreates) {
  MockClient client;
  runtime::FakeClock clock;
  runtime::Logger logger(runtime::LogLevel::kError);
  EventRecorderOptions o;
  o.source = {"joinguard-controller", "cp-1"};
  EventRecorderImpl rec(client, o, clock, logger);

  Json created_body;
  EXPECT_CALL(client, CreateRaw(IsResource("events"), Eq("default"), _, _))
      .Times(2)
      .WillRepeatedly(Invoke([&](const Resource&, std::string_view, const Json& body,
                                 std::string_view) -> StatusOr<Json> {
        created_body = body;
        return body;
      }));
  std::vector<Json> patches;
  EXPECT_CALL(client, PatchRaw(IsResource("events"), Eq("default"), _, PatchType::kMerge, _, _))
      .WillOnce(Invoke([&](const Resource&, std::string_view, std::string_view, PatchType,
                           const Json& p, std::string_view) -> StatusOr<Json> {
        patches.push_back(p);
        return Json::object();
      }))
      .WillOnce(Return(StatusOr<Json>(NotFoundError("events \"x\" not found").WithReason("NotFound", 404))));

  rec.Record(CsrRef(), kEventTypeWarning, "Denied", "node name mismatch");
  EXPECT_EQ(created_body["count"], 1);
  EXPECT_EQ(created_body["involvedObject"]["name"], "csr-1");
  EXPECT_EQ(created_body["metadata"]["namespace"], "default");
  EXPECT_EQ(created_body["source"]["component"], "joinguard-controller");
  EXPECT_EQ(created_body["firstTimestamp"], created_body["lastTimestamp"]);
  const std::string first_name = created_body["metadata"]["name"];
  EXPECT_EQ(first_name.rfind("csr-1.", 0), 0u);

  clock.Advance(std::chrono::seconds(30));
  rec.Record(CsrRef(), kEventTypeWarning, "Denied", "node name mismatch");
  ASSERT_EQ(patches.size(), 1u);
  EXPECT_EQ(patches[0]["count"], 2);
  EXPECT_EQ(patches[0]["lastTimestamp"], FormatTime(clock.Now()));

  clock.Advance(std::chrono::seconds(30));
  rec.Record(CsrRef(), kEventTypeWarning, "Denied", "node name mismatch");  // 404 → new Event
  EXPECT_EQ(created_body["count"], 1);
  EXPECT_NE(created_body["metadata"]["name"], first_name);
}

TEST(EventRecorder, FailuresAreSwallowedAndNotCached) {
  MockClient client;
  runtime::FakeClock clock;
  runtime::Logger logger(runtime::LogLevel::kError);
  EventRecorderImpl rec(client, {}, clock, logger);
  EXPECT_CALL(client, CreateRaw(_, _, _, _))
      .Times(2)
      .WillRepeatedly(Return(StatusOr<Json>(UnavailableError("down"))));
  EXPECT_CALL(client, PatchRaw(_, _, _, _, _, _)).Times(0);
  rec.Record(CsrRef(), kEventTypeNormal, "Approved", "ok");
  rec.Record(CsrRef(), kEventTypeNormal, "Approved", "ok");
}

TEST(EventRecorder, EventNameIsHexNanoseconds) {
  EXPECT_EQ(EventName("csr-1", Time(std::chrono::nanoseconds(0x17a0c3d2e4f5a6b7))),
            "csr-1.17a0c3d2e4f5a6b7");
}

}  // namespace
}  // namespace joinguard::kube
