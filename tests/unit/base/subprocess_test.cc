#include "tests/testing/subprocess.h"

#include <signal.h>

#include "tests/testing/status_matchers.h"

namespace joinguard::testing {
namespace {

using namespace std::chrono_literals;

TEST(SubprocessTest, RunCommandCapturesOutputAndExitCode) {
  ASSERT_OK_AND_ASSIGN(CommandResult r, RunCommand({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, 30s));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
}

TEST(SubprocessTest, StdinAndEnvironmentArePassed) {
  ASSERT_OK_AND_ASSIGN(CommandResult r, RunCommand({"/bin/sh", "-c", "cat; printf %s \"$JG_X\""}, 30s,
                                                   {{"JG_X", "y"}}, "hello\n"));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "hello\ny");
}

TEST(SubprocessTest, WaitForOutputThenSignal) {
  std::string dir = MakeTempDir();
  ASSERT_OK_AND_ASSIGN(auto p, Subprocess::Start({"/bin/sh", "-c", "echo ready at 42; exec sleep 600"}, dir));
  ASSERT_OK_AND_ASSIGN(std::string line, p->WaitForOutput("ready", 30s));
  EXPECT_EQ(line, "ready at 42");
  p->Signal(SIGTERM);
  ASSERT_OK_AND_ASSIGN(int code, p->Wait(30s));
  EXPECT_EQ(code, 128 + SIGTERM);
  RemoveTree(dir);
}

TEST(SubprocessTest, WaitForOutputReportsEarlyExit) {
  std::string dir = MakeTempDir();
  ASSERT_OK_AND_ASSIGN(auto p, Subprocess::Start({"/bin/sh", "-c", "echo boom >&2; exit 1"}, dir));
  EXPECT_THAT(p->WaitForOutput("never", 30s),
              StatusIs(StatusCode::kFailedPrecondition, ::testing::HasSubstr("boom")));
  RemoveTree(dir);
}

}  // namespace
}  // namespace joinguard::testing
