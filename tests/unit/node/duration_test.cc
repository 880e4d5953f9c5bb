// joinguard::runtime::ParseGoDuration / FormatGoDuration: Go's time.ParseDuration and
// Duration.String (src/time/format.go), the one duration syntax of both programs' flags and of
// kubeadm's configuration files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/runtime/duration.h"
#include "tests/testing/status_matchers.h"

namespace joinguard::runtime {
namespace {

using ::joinguard::testing::StatusIs;
using ::testing::HasSubstr;

TEST(DurationTest, ParsesGoSyntax) {
  EXPECT_EQ(*ParseGoDuration("5m0s"), std::chrono::minutes(5));
  EXPECT_EQ(*ParseGoDuration("1h30m"), std::chrono::minutes(90));
  EXPECT_EQ(*ParseGoDuration("300ms"), std::chrono::milliseconds(300));
  EXPECT_EQ(*ParseGoDuration("1.5s"), std::chrono::milliseconds(1500));
  EXPECT_EQ(*ParseGoDuration("1h2m3.5s"), std::chrono::milliseconds(3723500));
  EXPECT_EQ(*ParseGoDuration("-2s"), std::chrono::milliseconds(-2000));
  EXPECT_EQ(*ParseGoDuration("0"), std::chrono::milliseconds(0));
}

// The controller's old parser accepted "5" as five seconds; Go (and therefore kubeadm and
// client-go flags) refuse a number without a unit.
TEST(DurationTest, RefusesWhatGoRefuses) {
  EXPECT_THAT(ParseGoDuration("5"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("missing unit")));
  EXPECT_THAT(ParseGoDuration("15"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("missing unit in duration \"15\"")));
  EXPECT_THAT(ParseGoDuration("5x"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("unknown unit")));
  EXPECT_THAT(ParseGoDuration(""),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("time: invalid duration")));
  EXPECT_THAT(ParseGoDuration("s"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseGoDuration("."), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseGoDuration("9999999999h"), StatusIs(StatusCode::kInvalidArgument));
}

TEST(DurationTest, FormatsLikeGo) {
  EXPECT_EQ(FormatGoDuration(std::chrono::minutes(5)), "5m0s");
  EXPECT_EQ(FormatGoDuration(std::chrono::minutes(60)), "1h0m0s");
  EXPECT_EQ(FormatGoDuration(std::chrono::milliseconds(300)), "300ms");
  EXPECT_EQ(FormatGoDuration(std::chrono::milliseconds(1500)), "1.5s");
  EXPECT_EQ(FormatGoDuration(std::chrono::seconds(0)), "0s");
}

TEST(DurationTest, RoundTrips) {
  for (const char* text : {"5m0s", "1h0m0s", "300ms", "1.5s", "2h3m4.005s", "10s"}) {
    auto d = ParseGoDuration(text);
    ASSERT_TRUE(d.ok()) << text;
    EXPECT_EQ(FormatGoDuration(*d), text);
  }
}

}  // namespace
}  // namespace joinguard::runtime
