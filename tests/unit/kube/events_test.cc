// EventRecorderImpl over MockClient: first occurrence POSTs, repeats PATCH count, a vanished
// Event is re-created, failures never reach the caller, a stuck API never blocks Record(),
// queued repeats become one write, memory is bounded.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

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

constexpr auto kWait = std::chrono::seconds(30);

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
      .WillRepeatedly(Invoke(
          [&](const Resource&, std::string_view, const Json& body, std::string_view) -> StatusOr<Json> {
            created_body = body;
            return body;
          }));
  std::vector<Json> patches;
  EXPECT_CALL(client, PatchRaw(IsResource("events"), Eq("default"), _, PatchType::kMerge, _, _))
      .WillOnce(Invoke([&](const Resource&, std::string_view, std::string_view, PatchType, const Json& p,
                           std::string_view) -> StatusOr<Json> {
        patches.push_back(p);
        return Json::object();
      }))
      .WillOnce(Return(StatusOr<Json>(NotFoundError("events \"x\" not found").WithReason("NotFound", 404))));

  rec.Record(CsrRef(), kEventTypeWarning, "Denied", "node name mismatch");
  ASSERT_TRUE(rec.Flush(kWait));
  EXPECT_EQ(created_body["count"], 1);
  EXPECT_EQ(created_body["involvedObject"]["name"], "csr-1");
  EXPECT_EQ(created_body["metadata"]["namespace"], "default");
  EXPECT_EQ(created_body["source"]["component"], "joinguard-controller");
  EXPECT_EQ(created_body["firstTimestamp"], created_body["lastTimestamp"]);
  const std::string first_name = created_body["metadata"]["name"];
  EXPECT_EQ(first_name.rfind("csr-1.", 0), 0u);

  clock.Advance(std::chrono::seconds(30));
  rec.Record(CsrRef(), kEventTypeWarning, "Denied", "node name mismatch");
  ASSERT_TRUE(rec.Flush(kWait));
  ASSERT_EQ(patches.size(), 1u);
  EXPECT_EQ(patches[0]["count"], 2);
  EXPECT_EQ(patches[0]["lastTimestamp"], FormatTime(clock.Now()));

  clock.Advance(std::chrono::seconds(30));
  rec.Record(CsrRef(), kEventTypeWarning, "Denied", "node name mismatch");  // 404 → new Event
  ASSERT_TRUE(rec.Flush(kWait));
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
  ASSERT_TRUE(rec.Flush(kWait));
  rec.Record(CsrRef(), kEventTypeNormal, "Approved", "ok");
  ASSERT_TRUE(rec.Flush(kWait));
}

// The API server hangs: Record() still returns at once, the queue stays bounded (oldest
// dropped and counted), and what is left is written, aggregated, once the server answers.
TEST(EventRecorder, StuckApiNeverBlocksRecordAndMemoryIsBounded) {
  MockClient client;
  runtime::FakeClock clock;
  runtime::Logger logger(runtime::LogLevel::kError);
  EventRecorderOptions o;
  o.queue_capacity = 8;
  EventRecorderImpl rec(client, o, clock, logger);

  std::mutex mu;
  std::condition_variable cv;
  bool entered = false, open = false;
  std::vector<Json> created;
  EXPECT_CALL(client, CreateRaw(IsResource("events"), _, _, _))
      .WillRepeatedly(Invoke(
          [&](const Resource&, std::string_view, const Json& body, std::string_view) -> StatusOr<Json> {
            std::unique_lock<std::mutex> l(mu);
            entered = true;
            cv.notify_all();
            cv.wait(l, [&] { return open; });
            created.push_back(body);
            return body;
          }));
  EXPECT_CALL(client, PatchRaw(_, _, _, _, _, _)).Times(0);

  ObjectReference first = CsrRef();
  first.name = "csr-first";
  rec.Record(first, kEventTypeNormal, "Approved", "ok");
  {
    std::unique_lock<std::mutex> l(mu);
    ASSERT_TRUE(cv.wait_for(l, kWait, [&] { return entered; }));  // writer is now stuck
  }
  // 10,000 decisions while the writer is stuck: none of these calls may block.
  for (int i = 0; i < 10000; ++i) {
    rec.Record(CsrRef(), kEventTypeWarning, "Denied", "node name mismatch");
  }
  EXPECT_EQ(rec.Dropped(), 10000u - 8u);
  {
    std::lock_guard<std::mutex> l(mu);
    open = true;
  }
  cv.notify_all();
  ASSERT_TRUE(rec.Flush(kWait));
  std::lock_guard<std::mutex> l(mu);
  ASSERT_EQ(created.size(), 2u);
  EXPECT_EQ(created[0]["involvedObject"]["name"], "csr-first");
  // The 8 queued repeats became one Event with count 8.
  EXPECT_EQ(created[1]["involvedObject"]["name"], "csr-1");
  EXPECT_EQ(created[1]["count"], 8);
}

TEST(EventRecorder, StopFlushesAndLaterRecordsAreDropped) {
  MockClient client;
  runtime::FakeClock clock;
  runtime::Logger logger(runtime::LogLevel::kError);
  EventRecorderImpl rec(client, {}, clock, logger);
  std::atomic<int> creates{0};
  EXPECT_CALL(client, CreateRaw(_, _, _, _))
      .WillRepeatedly(Invoke(
          [&](const Resource&, std::string_view, const Json& body, std::string_view) -> StatusOr<Json> {
            ++creates;
            return body;
          }));
  for (int i = 0; i < 5; ++i) {
    ObjectReference r = CsrRef();
    r.name = "csr-" + std::to_string(i);
    rec.Record(r, kEventTypeNormal, "Approved", "ok");
  }
  rec.Stop();
  EXPECT_EQ(creates.load(), 5);
  rec.Record(CsrRef(), kEventTypeNormal, "Approved", "late");
  EXPECT_EQ(rec.Dropped(), 1u);
  EXPECT_EQ(creates.load(), 5);
}

// Shutdown with a hung API server: Stop() gives up on what is still queued once its deadline has
// passed instead of writing it event by event (each write could take a full request timeout).
TEST(EventRecorder, StopGivesUpOnQueuedEventsAtItsDeadline) {
  MockClient client;
  runtime::FakeClock clock;
  runtime::Logger logger(runtime::LogLevel::kError);
  EventRecorderOptions o;
  // The probes below must never overflow the queue: a drop for a full queue would look like
  // Stop's refusal.
  o.queue_capacity = 1 << 16;
  EventRecorderImpl rec(client, o, clock, logger);
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false, open = false;
  int creates = 0;
  EXPECT_CALL(client, CreateRaw(_, _, _, _))
      .WillRepeatedly(Invoke(
          [&](const Resource&, std::string_view, const Json& body, std::string_view) -> StatusOr<Json> {
            std::unique_lock<std::mutex> l(mu);
            ++creates;
            entered = true;
            cv.notify_all();
            cv.wait(l, [&] { return open; });
            return body;
          }));
  rec.Record(CsrRef(), kEventTypeNormal, "Approved", "in flight");
  {
    std::unique_lock<std::mutex> l(mu);
    ASSERT_TRUE(cv.wait_for(l, kWait, [&] { return entered; }));  // the writer is stuck in a write
  }
  for (int i = 0; i < 5; ++i) {
    ObjectReference r = CsrRef();
    r.name = "queued-" + std::to_string(i);
    rec.Record(r, kEventTypeNormal, "Approved", "ok");
  }
  std::thread stopper([&] { rec.Stop(std::chrono::nanoseconds(0)); });
  // Stop has begun once a record is refused (the deadline is set before the sink stops).
  const auto until = std::chrono::steady_clock::now() + kWait;
  uint64_t refused_before = rec.Dropped();
  ObjectReference probe = CsrRef();
  probe.name = "probe";
  while (std::chrono::steady_clock::now() < until) {
    rec.Record(probe, kEventTypeNormal, "Probe", "after stop");
    if (rec.Dropped() > refused_before) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // poll interval of a bounded wait
  }
  {
    std::lock_guard<std::mutex> l(mu);
    open = true;
  }
  cv.notify_all();
  stopper.join();
  std::lock_guard<std::mutex> l(mu);
  EXPECT_EQ(creates, 1) << "events queued behind a hung write were written after the deadline";
  EXPECT_GE(rec.Dropped(), 5u + 1u);  // the five queued, the refused probe
}

TEST(EventRecorder, EventNameIsHexNanoseconds) {
  EXPECT_EQ(EventName("csr-1", Time(std::chrono::nanoseconds(0x17a0c3d2e4f5a6b7))), "csr-1.17a0c3d2e4f5a6b7");
}

}  // namespace
}  // namespace joinguard::kube
