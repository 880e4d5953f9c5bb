// Persistence across restarts (in-process and the joinguard-sandbox executable), the
// executable's flags and signal handling, and request fault injection.
#include <signal.h>

#include "common/files/atomic_file.h"
#include "tests/sandbox/testing/fixture.h"
#include "tests/testing/subprocess.h"

namespace joinguard::sandbox::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using ::testing::HasSubstr;

const std::string kCms = "/api/v1/namespaces/default/configmaps";

class PersistenceTest : public SandboxTest {};

TEST_F(PersistenceTest, RestartWithSameStateDirKeepsObjectsCaAndCounter) {
  std::string dir = MakeTempDir();
  SandboxOptions o;
  o.state_dir = dir;
  o.run_controllers = false;
  StartSandbox(o);
  std::string ca = sandbox_->ca_pem();
  ASSERT_OK_AND_ASSIGN(auto created,
                       Admin().Post(kCms, json{{"metadata", {{"name", "keep"}}}, {"data", {{"k", "v"}}}}));
  ASSERT_EQ(created.status, 201);
  int64_t rv = sandbox_->CurrentResourceVersionForTest();
  sandbox_.reset();  // flushes

  StartSandbox(o);
  EXPECT_EQ(sandbox_->ca_pem(), ca);
  ASSERT_OK_AND_ASSIGN(auto got, Admin().Get(kCms + "/keep"));
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.Json()["data"]["k"], "v");
  EXPECT_EQ(got.Json()["metadata"]["uid"], created.Json()["metadata"]["uid"]);
  ASSERT_OK_AND_ASSIGN(auto next, Admin().Post(kCms, json{{"metadata", {{"name", "after"}}}}));
  EXPECT_GT(std::stoll(next.Json()["metadata"]["resourceVersion"].get<std::string>()), rv);
  // History before the restart is gone: a watch from the old RV is expired (relist), as upstream.
  ASSERT_OK_AND_ASSIGN(auto w, Admin().Watch(kCms + "?watch=true&resourceVersion=1"));
  ASSERT_OK_AND_ASSIGN(json e, w->Next(milliseconds(10000)));
  EXPECT_EQ(e["type"], "ERROR");
  // cluster-info follows the new port.
  ASSERT_OK_AND_ASSIGN(json ci,
                       sandbox_->GetObjectForTest("/api/v1/namespaces/kube-public/configmaps/cluster-info"));
  EXPECT_THAT(ci["data"]["kubeconfig"].get<std::string>(), HasSubstr(sandbox_->url()));
  sandbox_.reset();
  joinguard::testing::RemoveTree(dir);
}

TEST_F(PersistenceTest, GivenCaIsUsedAndAdminKubeconfigWritten) {
  std::string dir = MakeTempDir();
  // First instance generates a CA in its state dir; a second one is given those files.
  SandboxOptions first;
  first.state_dir = dir + "/a";
  first.run_controllers = false;
  StartSandbox(first);
  std::string ca = sandbox_->ca_pem();
  sandbox_.reset();
  SandboxOptions o;
  o.ca_cert_file = dir + "/a/ca.crt";
  o.ca_key_file = dir + "/a/ca.key";
  o.admin_kubeconfig_path = dir + "/admin.conf";
  o.run_controllers = false;
  StartSandbox(o);
  EXPECT_EQ(sandbox_->ca_pem(), ca);
  ASSERT_OK_AND_ASSIGN(std::string kubeconfig, files::ReadFile(dir + "/admin.conf"));
  EXPECT_EQ(kubeconfig, sandbox_->admin_kubeconfig_yaml());
  EXPECT_THAT(kubeconfig, HasSubstr("client-certificate-data: "));
  EXPECT_THAT(kubeconfig, HasSubstr("server: " + sandbox_->url()));
  struct stat st {};
  ASSERT_EQ(::stat((dir + "/admin.conf").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  sandbox_.reset();
  joinguard::testing::RemoveTree(dir);
}

class FaultTest : public SandboxTest {
 protected:
  void SetUp() override {
    SandboxOptions o;
    o.run_controllers = false;
    StartSandbox(o);
  }
};

TEST_F(FaultTest, InjectedStatusPerPathAndMethod) {
  auto admin = Admin();
  FaultRule rule;
  rule.path_prefix = "/api/v1/namespaces/default/configmaps";
  rule.method = "POST";
  rule.status = 503;
  sandbox_->AddFault(rule);
  ASSERT_OK_AND_ASSIGN(auto failed, admin.Post(kCms, json{{"metadata", {{"name", "x"}}}}));
  EXPECT_EQ(failed.status, 503);
  EXPECT_EQ(failed.Json()["kind"], "Status");
  EXPECT_EQ(failed.Json()["reason"], "ServiceUnavailable");
  ASSERT_OK_AND_ASSIGN(auto list, admin.Get(kCms));  // other method: unaffected
  EXPECT_EQ(list.status, 200);
  ASSERT_OK_AND_ASSIGN(auto other, admin.Get("/api/v1/namespaces"));
  EXPECT_EQ(other.status, 200);
  sandbox_->ClearFaults();
  ASSERT_OK_AND_ASSIGN(auto ok, admin.Post(kCms, json{{"metadata", {{"name", "x"}}}}));
  EXPECT_EQ(ok.status, 201);
}

TEST_F(FaultTest, FractionAndLatency) {
  auto admin = Admin();
  FaultRule never;
  never.path_prefix = "/api";
  never.fraction = 0.0;
  never.status = 500;
  never.latency = milliseconds(300);
  sandbox_->AddFault(never);
  auto start = std::chrono::steady_clock::now();
  ASSERT_OK_AND_ASSIGN(auto r, admin.Get("/api/v1/namespaces"));
  EXPECT_EQ(r.status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(300));
  sandbox_->ClearFaults();
  FaultRule half;
  half.path_prefix = "/api/v1";
  half.fraction = 0.5;
  half.status = 429;
  sandbox_->AddFault(half);
  int failures = 0;
  for (int i = 0; i < 60; ++i) {
    auto x = admin.Get("/api/v1/namespaces");
    ASSERT_TRUE(x.ok());
    if (x->status == 429) {
      ++failures;
      EXPECT_EQ(x->headers["retry-after"], "1");
    }
  }
  EXPECT_GT(failures, 5);
  EXPECT_LT(failures, 55);
}

// ---- the executable ----

#ifdef JOINGUARD_SANDBOX_BINARY
TEST(SandboxBinaryTest, ServesUntilSigtermAndKeepsStateAcrossRestart) {
  std::string dir = joinguard::testing::MakeTempDir("jg-sandbox-bin-");
  std::vector<std::string> argv = {JOINGUARD_SANDBOX_BINARY, "--state-dir",       dir + "/state",
                                   "--ready-file",           dir + "/ready.json", "--bootstrap-token",
                                   "abcdef.0123456789abcdef"};
  json ready;
  for (int round = 0; round < 2; ++round) {
    ASSERT_OK_AND_ASSIGN(auto proc,
                         joinguard::testing::Subprocess::Start(argv, dir + "/logs" + std::to_string(round)));
    ASSERT_OK_AND_ASSIGN(std::string line,
                         proc->WaitForOutput("joinguard-sandbox serving on", milliseconds(30000)));
    EXPECT_THAT(line, HasSubstr("https://127.0.0.1:"));
    ASSERT_OK_AND_ASSIGN(std::string ready_text, files::ReadFile(dir + "/ready.json"));
    ready = json::parse(ready_text);
    ASSERT_OK_AND_ASSIGN(std::string ca, files::ReadFile(ready["ca_file"].get<std::string>()));
    ClientOptions o;
    o.ca_pem = ca;
    o.bearer_token = "abcdef.0123456789abcdef";
    HttpsClient client(ready["url"].get<std::string>(), o);
    const std::string csrs = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
    if (round == 0) {
      ASSERT_OK_AND_ASSIGN(auto r, client.Post(csrs, SandboxTest::KubeletCsr("persist-me", "n1")));
      ASSERT_EQ(r.status, 201) << r.body;
    } else {
      ASSERT_OK_AND_ASSIGN(auto r, client.Get(csrs + "/persist-me"));
      EXPECT_EQ(r.status, 200) << r.body;
      EXPECT_EQ(r.Json()["spec"]["username"], "system:bootstrap:abcdef");
    }
    // The admin kubeconfig exists with 0600.
    struct stat st {};
    ASSERT_EQ(::stat(ready["admin_kubeconfig"].get<std::string>().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    proc->Signal(SIGTERM);
    ASSERT_OK_AND_ASSIGN(int code, proc->Wait(milliseconds(30000)));
    EXPECT_EQ(code, 0) << proc->Stderr();
  }
  joinguard::testing::RemoveTree(dir);
}

TEST(SandboxBinaryTest, HelpAndBadFlags) {
  ASSERT_OK_AND_ASSIGN(
      auto help, joinguard::testing::RunCommand({JOINGUARD_SANDBOX_BINARY, "--help"}, milliseconds(30000)));
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("--state-dir"));
  EXPECT_THAT(help.out, HasSubstr("--fault"));
  ASSERT_OK_AND_ASSIGN(
      auto bad, joinguard::testing::RunCommand({JOINGUARD_SANDBOX_BINARY, "--bootstrap-token", "not-a-token"},
                                               milliseconds(30000)));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("invalid --bootstrap-token"));
}
#endif

}  // namespace
}  // namespace joinguard::sandbox::testing
