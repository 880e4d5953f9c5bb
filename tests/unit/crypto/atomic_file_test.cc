#include "common/files/atomic_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/testing/status_matchers.h"
#include "tests/unit/crypto/test_util.h"

namespace joinguard::files {
namespace {

using crypto::testing::ReadText;
using crypto::testing::TempDir;
using crypto::testing::WriteText;
using ::joinguard::testing::StatusIs;
using ::testing::ElementsAre;

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

// Restores the process umask at scope exit.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t m) : old_(::umask(m)) {}
  ~ScopedUmask() { ::umask(old_); }

 private:
  mode_t old_;
};

TEST(WriteFileAtomicTest, WritesContentWithExactMode) {
  TempDir dir;
  ScopedUmask umask(0);  // the mode must not depend on the umask in either direction
  const std::string key = dir.File("pki/kubelet-client.key");
  ASSERT_OK(WriteFileAtomic(key, "secret", 0600));
  EXPECT_EQ(ReadText(key), "secret");
  EXPECT_EQ(ModeOf(key), 0600u);
  EXPECT_EQ(ModeOf(dir.File("pki")), 0755u);
  {
    ScopedUmask strict(077);
    const std::string pub = dir.File("pki/ca.crt");
    ASSERT_OK(WriteFileAtomic(pub, "cert", 0644));
    EXPECT_EQ(ModeOf(pub), 0644u);
  }
  EXPECT_THAT(TempDir::List(dir.File("pki")), ElementsAre("ca.crt", "kubelet-client.key"));
}

TEST(WriteFileAtomicTest, ReplacesAndNarrowsMode) {
  TempDir dir;
  const std::string path = dir.File("f");
  ASSERT_OK(WriteFileAtomic(path, "old contents that are longer", 0644));
  ASSERT_OK(WriteFileAtomic(path, "new", 0600));
  EXPECT_EQ(ReadText(path), "new");
  EXPECT_EQ(ModeOf(path), 0600u);
  ASSERT_OK(WriteFileAtomic(path, "", 0600));
  EXPECT_EQ(ReadText(path), "");
  EXPECT_THAT(TempDir::List(dir.path()), ElementsAre("f"));
}

TEST(WriteFileAtomicTest, BinaryContent) {
  TempDir dir;
  std::string data;
  for (int i = 0; i < 70000; ++i) data += static_cast<char>(i * 7);
  ASSERT_OK(WriteFileAtomic(dir.File("bin"), data, 0600));
  ASSERT_OK_AND_ASSIGN(std::string back, ReadFile(dir.File("bin")));
  EXPECT_EQ(back, data);
}

TEST(WriteFileAtomicTest, MissingParentWithoutCreate) {
  TempDir dir;
  EXPECT_THAT(WriteFileAtomic(dir.File("nope/f"), "x", 0600, /*create_parents=*/false),
              StatusIs(StatusCode::kNotFound));
  EXPECT_THAT(TempDir::List(dir.path()), ElementsAre());
}

TEST(WriteFileAtomicTest, ParentIsAFile) {
  TempDir dir;
  WriteText(dir.File("file"), "x");
  EXPECT_THAT(WriteFileAtomic(dir.File("file/child"), "x", 0600), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(TempDir::List(dir.path()), ElementsAre("file"));
  EXPECT_THAT(WriteFileAtomic(dir.path() + "/", "x", 0600), StatusIs(StatusCode::kInvalidArgument));
}

TEST(WriteFileAtomicTest, UnwritableDirectoryLeavesNothingBehind) {
  TempDir dir;
  const std::string ro = dir.File("ro");
  ASSERT_EQ(::mkdir(ro.c_str(), 0755), 0);
  WriteText(ro + "/f", "original");
  ASSERT_EQ(::chmod(ro.c_str(), 0555), 0);
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  // Root bypasses directory permissions, so as root the write runs in a child that has dropped
  // to the unprivileged "nobody" user.
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(2);
    Status s = WriteFileAtomic(ro + "/f", "new", 0600);
    ::_exit(s.code() == StatusCode::kPermissionDenied ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "expected PERMISSION_DENIED (2 = could not drop privileges)";
  EXPECT_EQ(ReadText(ro + "/f"), "original");
  EXPECT_THAT(TempDir::List(ro), ElementsAre("f"));
}

TEST(WriteFileAtomicTest, FailureMidWriteNeverLeavesAPartialFile) {
  // A child process with a 4 KiB file size limit tries to replace a file with 1 MiB: the write
  // fails with EFBIG part way. The old file must be intact and no temp file may remain. (Works
  // as root too, unlike permission-based tests.)
  TempDir dir;
  const std::string path = dir.File("kubelet.conf");
  WriteText(path, "original");
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim {
      4096, 4096
    };
    ::setrlimit(RLIMIT_FSIZE, &lim);
    Status s = WriteFileAtomic(path, std::string(1 << 20, 'x'), 0600);
    ::_exit(s.ok() ? 0 : (s.code() == StatusCode::kOk ? 1 : 10 + static_cast<int>(s.code())));
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_GE(WEXITSTATUS(status), 10) << "the write should have failed";
  EXPECT_EQ(ReadText(path), "original");
  EXPECT_THAT(TempDir::List(dir.path()), ElementsAre("kubelet.conf"));
}

TEST(ReadFileTest, Errors) {
  TempDir dir;
  EXPECT_THAT(ReadFile(dir.File("missing")), StatusIs(StatusCode::kNotFound));
  WriteText(dir.File("big"), std::string(100, 'x'));
  EXPECT_THAT(ReadFile(dir.File("big"), 99), StatusIs(StatusCode::kResourceExhausted));
  ASSERT_OK_AND_ASSIGN(std::string exact, ReadFile(dir.File("big"), 100));
  EXPECT_EQ(exact.size(), 100u);
  EXPECT_THAT(ReadFile(dir.path()), StatusIs(StatusCode::kFailedPrecondition));
}

TEST(MakeDirsTest, CreatesNestedWithMode) {
  TempDir dir;
  ScopedUmask umask(022);
  ASSERT_OK(MakeDirs(dir.File("a/b/c"), 0700));
  EXPECT_EQ(ModeOf(dir.File("a")), 0700u);
  EXPECT_EQ(ModeOf(dir.File("a/b/c")), 0700u);
  ASSERT_OK(MakeDirs(dir.File("a/b/c/"), 0700));  // idempotent
  WriteText(dir.File("a/file"), "x");
  EXPECT_THAT(MakeDirs(dir.File("a/file/d")), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(MakeDirs(""), StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace joinguard::files
