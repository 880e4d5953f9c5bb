// Policy hot reload: a ConfigMap-style symlink swap is picked up, an invalid edit is
// rejected (error metric, last good policy kept), an unchanged file is not reloaded.
#include "controller/policy_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "tests/testing/status_matchers.h"

namespace joinguard::controller {
namespace {

namespace fs = std::filesystem;
using ::joinguard::testing::IsOk;
using ::joinguard::testing::StatusIs;
using ::testing::HasSubstr;

std::string Doc(const std::string& body) {
  return "apiVersion: joinguard.io/v1alpha1\nkind: CsrPolicy\n" + body;
}

class PolicyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/jg-policy-src-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Kubernetes' AtomicWriter: write into a new timestamped dir, then swap the ..data symlink.
  void ConfigMapWrite(const std::string& content) {
    std::string ts = dir_ + "/..data_" + std::to_string(++version_);
    fs::create_directories(ts);
    std::ofstream(ts + "/policy.yaml") << content;
    fs::create_directory_symlink(fs::path(ts).filename(), dir_ + "/..data_tmp");
    fs::rename(dir_ + "/..data_tmp", dir_ + "/..data");
    if (!fs::exists(fs::symlink_status(path()))) fs::create_symlink("..data/policy.yaml", path());
  }
  std::string path() const { return dir_ + "/policy.yaml"; }

  std::string dir_;
  int version_ = 0;
  ControllerMetrics metrics_;
  runtime::Logger logger_{runtime::LogLevel::kError};
};

TEST_F(PolicyFileTest, LoadsSwapsAndRejects) {
  ConfigMapWrite(Doc("metadata: {name: first}\n"));
  int changes = 0;
  PolicyFileOptions o;
  o.path = path();
  o.on_change = [&](const policy::Policy&) { ++changes; };
  auto p = PolicyFileProvider::Create(o, metrics_, logger_);
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ((*p)->Current()->name, "first");
  EXPECT_EQ((*p)->Current()->generation, 1);

  EXPECT_THAT((*p)->ReloadIfChangedForTest(), IsOk());
  EXPECT_EQ((*p)->Current()->generation, 1) << "unchanged content is not a reload";

  ConfigMapWrite(Doc("metadata: {name: second}\nmode: dry-run\n"));
  EXPECT_THAT((*p)->ReloadIfChangedForTest(), IsOk());
  EXPECT_EQ((*p)->Current()->name, "second");
  EXPECT_EQ((*p)->Current()->mode, policy::Mode::kDryRun);
  EXPECT_EQ((*p)->Current()->generation, 2);
  EXPECT_EQ(changes, 1);

  ConfigMapWrite(Doc("maxExpirationSeconds: 5\n"));
  EXPECT_THAT((*p)->ReloadIfChangedForTest(),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("maxExpirationSeconds")));
  EXPECT_EQ((*p)->Current()->name, "second") << "last good policy kept";
  EXPECT_EQ(changes, 1);

  std::string m = metrics_.SerializeForTest();
  EXPECT_THAT(m, HasSubstr("joinguard_policy_reloads_total{result=\"success\"} 2"));
  EXPECT_THAT(m, HasSubstr("joinguard_policy_reloads_total{result=\"error\"} 1"));
  EXPECT_THAT(m, HasSubstr("joinguard_policy_generation 2"));
}

TEST_F(PolicyFileTest, InvalidFileAtStartupIsAnError) {
  ConfigMapWrite(Doc("mode: maybe\n"));
  PolicyFileOptions o;
  o.path = path();
  EXPECT_THAT(PolicyFileProvider::Create(o, metrics_, logger_),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("mode")));
}

TEST_F(PolicyFileTest, StaticProviderHasGenerationOne) {
  StaticPolicyProvider s(policy::DefaultPolicy());
  EXPECT_EQ(s.Current()->generation, 1);
}

}  // namespace
}  // namespace joinguard::controller
