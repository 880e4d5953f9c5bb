// The preflight phase: kubeadm's node checks on a scripted host plus joinguard-node's own input
// checks, one row per check and outcome, the report format, --ignore-preflight-errors (names,
// case, `all`), --force, and the checks kubeadm stops at (IsPrivilegedUser).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <functional>

#include "common/files/atomic_file.h"
#include "node-helper/phases/preflight.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"
#include "tests/unit/node/preflight_fake_host.h"
#include "tests/testing/node_test_values.h"

namespace joinguard::node::phases {
namespace {

using ::joinguard::testing::kTestPin;
using ::joinguard::testing::kTestToken;
using ::joinguard::testing::ReadAllFromStart;

using ::joinguard::testing::StatusIs;
using preflight::testing::FakeHost;
using ::testing::HasSubstr;
using ::testing::Not;

// What the phase is given: the settings, the scripted host, files under the (real) root.
struct Scene {
  config::JoinSettings& settings;
  FakeHost& host;
  const std::string& root;
};

struct PhaseCase {
  std::string name;
  std::function<void(Scene&)> setup;
  std::string error;                     // substring of the failure ("" = the phase passes)
  std::vector<std::string> output = {};  // substrings of stdout+stderr
  std::vector<std::string> absent = {};  // must not appear anywhere
};

class PreflightPhaseTest : public ::testing::TestWithParam<PhaseCase> {
 protected:
  void SetUp() override {
    root_ = joinguard::testing::MakeTempDir("node-preflight-");
    out_file_ = std::tmpfile();
    printer_ = std::make_unique<Printer>(out_file_, out_file_);
    host_ = FakeHost::Healthy();
    host_.root = root_;
    host_.dirs.erase(
        "/usr/bin");  // a --root-dir root without programs: FileExisting-*, KubeletVersion not run
  }
  void TearDown() override {
    std::fclose(out_file_);
    joinguard::testing::RemoveTree(root_);
  }
  config::JoinSettings Settings() {
    config::JoinSettings s;
    s.cfg.discovery.bootstrap_token =
        config::BootstrapTokenDiscovery{kTestToken, "10.0.0.1:6443", {kTestPin}, false};
    s.cfg.node_registration.name = "node-1";
    config::SetDefaults(&s.cfg);
    s.root_dir = root_;
    s.kubelet_restart_command = "true";
    return s;
  }
  Status Run(const config::JoinSettings& s) {
    JoinEnv env;
    env.out = printer_.get();
    auto host = std::make_shared<FakeHost>(host_);
    env.new_host = [host](const std::string&) { return host; };
    JoinContext ctx(s, env);
    return RunPreflightPhase(ctx);
  }
  std::string Output() { return ReadAllFromStart(out_file_); }

  std::string root_;
  FakeHost host_;
  std::FILE* out_file_ = nullptr;
  std::unique_ptr<Printer> printer_;
};

const std::vector<PhaseCase>& Cases() {
  static const auto* cases = new std::vector<PhaseCase>{
      {"HealthyHost", nullptr, ""},
      {"HostCheckFails",
       [](Scene& s) { s.host.files["/proc/sys/net/ipv4/ip_forward"] = "0\n"; },
       "[ERROR FileContent--proc-sys-net-ipv4-ip_forward]: ",
       {"/proc/sys/net/ipv4/ip_forward contents are not set to 1"}},
      {"HostCheckIgnoredByName",
       [](Scene& s) {
         s.host.files["/proc/sys/net/ipv4/ip_forward"] = "0\n";
         s.settings.ignore_preflight_errors = {"filecontent--proc-sys-net-ipv4-ip_forward"};
       },
       "",
       {"\t[WARNING FileContent--proc-sys-net-ipv4-ip_forward]: "}},
      {"PortBusy", [](Scene& s) { s.host.busy_ports.insert(10250); },
       "[ERROR Port-10250]: Port 10250 is in use"},
      {"RuntimeNotListeningOnlyWarns",
       [](Scene& s) { s.host.sockets.clear(); },
       "",
       {"[preflight] WARNING: Couldn't create the interface used for talking to the container runtime: "}},
      {"RuntimeSocketFromConfig",
       [](Scene& s) { s.settings.cfg.node_registration.cri_socket = "unix:///var/run/crio/crio.sock"; },
       "",
       {"validate CRI v1 runtime API for endpoint \"unix:///var/run/crio/crio.sock\""}},
      {"BareRootSaysWhatItDidNotCheck",
       [](Scene& s) { s.host.dirs.clear(); },
       "",
       {"[preflight] Not checked, because --root-dir ",
        ": CRI, Swap, FileExisting-ip, FileExisting-iptables, "
        "FileExisting-mount, FileExisting-nsenter, FileExisting-ebtables, FileExisting-ethtool, "
        "FileExisting-socat, FileExisting-tc, FileExisting-touch, KubeletVersion, "
        "FileContent--proc-sys-net-ipv4-ip_forward\n"}},
      {"EarlierJoinsFiles",
       [](Scene& s) {
         s.host.files["/etc/kubernetes/kubelet.conf"] = "x";
         s.host.files["/etc/kubernetes/pki/ca.crt"] = "x";
       },
       "[preflight] Some fatal errors occurred:\n\t[ERROR FileAvailable--etc-kubernetes-kubelet.conf]: ",
       {"/etc/kubernetes/kubelet.conf already exists\n\t[ERROR FileAvailable--etc-kubernetes-pki-ca.crt]: ",
        "/etc/kubernetes/pki/ca.crt already exists\n[preflight] If you know what you are doing, you can make "
        "a "
        "check non-fatal with `--ignore-preflight-errors=...`"}},
      {"ForceAcceptsAnEarlierJoinsFiles",
       [](Scene& s) {
         s.host.files["/etc/kubernetes/kubelet.conf"] = "x";
         s.host.files["/etc/kubernetes/bootstrap-kubelet.conf"] = "x";
         s.host.files["/etc/kubernetes/pki/ca.crt"] = "x";
         s.settings.force = true;
       },
       "",
       {"\t[WARNING FileAvailable--etc-kubernetes-kubelet.conf]: "}},
      {"NodeName", [](Scene& s) { s.settings.cfg.node_registration.name = "Bad_Name"; },
       "[ERROR NodeName]: node name \"Bad_Name\" is invalid: a lowercase RFC 1123 subdomain must consist of "
       "lower "
       "case alphanumeric characters"},
      {"IgnoreAll",
       [](Scene& s) {
         s.settings.cfg.node_registration.name = "Bad_Name";
         s.host.busy_ports.insert(10250);
         s.settings.ignore_preflight_errors = {"all"};
       },
       "",
       {"\t[WARNING Port-10250]: Port 10250 is in use", "\t[WARNING NodeName]: node name \"Bad_Name\""}},
      {"PinTooShort",
       [](Scene& s) { s.settings.cfg.discovery.bootstrap_token->ca_cert_hashes = {"sha256:abcd"}; },
       "[ERROR DiscoveryTokenCACertHash]: invalid discovery token CA certificate hash: invalid hash "
       "\"sha256:abcd\", expected a 32 byte SHA-256 hash, found 2 bytes"},
      {"PinUnknownFormat",
       [](Scene& s) { s.settings.cfg.discovery.bootstrap_token->ca_cert_hashes = {"md5:abcd"}; },
       "unknown hash format \"md5\""},
      {"EndpointWithoutPort",
       [](Scene& s) { s.settings.cfg.discovery.bootstrap_token->api_server_endpoint = "10.0.0.1"; },
       "[ERROR APIServerEndpoint]: address 10.0.0.1: missing port in address"},
      {"TokenSyntaxWithoutLeakingTheSecret",
       [](Scene& s) { s.settings.cfg.discovery.tls_bootstrap_token = "abcdef.SECRETSECRETSECRE"; },
       "[ERROR BootstrapToken]: the TLS bootstrap token <invalid token> is not of the form "
       "[a-z0-9]{6}.[a-z0-9]{16}",
       {},
       {"SECRET"}},
      {"UnwritableRoot",
       [](Scene& s) {
         // A regular file where a directory must go: nothing can be created below it, even as root.
         ASSERT_OK(files::WriteFileAtomic(s.root + "/etc", "not a directory", 0644));
       },
       "[ERROR WriteAccess--etc-kubernetes]: ",
       {"/etc is not a directory"}},
      {"RestartCommandMissing",
       [](Scene& s) { s.settings.kubelet_restart_command = "/nonexistent/restart-kubelet --now"; },
       "[ERROR KubeletRestartCommand]: \"/nonexistent/restart-kubelet\" (from --kubelet-restart-command) is "
       "not "
       "an executable in PATH"},
      {"RestartCommandNotNeededInADryRun",
       [](Scene& s) {
         s.settings.kubelet_restart_command = "/nonexistent/restart-kubelet --now";
         s.settings.cfg.dry_run = true;
       },
       ""},
  };
  return *cases;
}

TEST_P(PreflightPhaseTest, Outcome) {
  const PhaseCase& c = GetParam();
  auto settings = Settings();
  Scene scene{settings, host_, root_};
  if (c.setup) c.setup(scene);
  Status s = Run(settings);
  const std::string out = Output();
  if (c.error.empty()) {
    EXPECT_OK(s);
  } else {
    EXPECT_THAT(s, StatusIs(StatusCode::kFailedPrecondition, HasSubstr(c.error)));
    EXPECT_EQ(s.reason(), "PreflightError");
  }
  for (const auto& want : c.output) EXPECT_THAT(out + s.message(), HasSubstr(want));
  for (const auto& bad : c.absent) EXPECT_THAT(out + s.message(), Not(HasSubstr(bad)));
}

INSTANTIATE_TEST_SUITE_P(Phase, PreflightPhaseTest, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return info.param.name; });

TEST_F(PreflightPhaseTest, HealthyHostPrintsOnlyTheHeaderAndWhatARootDirCannotCheck) {
  EXPECT_OK(Run(Settings()));
  EXPECT_EQ(Output(),
            "[preflight] Running pre-flight checks\n"
            "[preflight] Not checked, because --root-dir " +
                root_ +
                " has no proc/, usr/bin/ or run/ to read them from: FileExisting-ip, FileExisting-iptables, "
                "FileExisting-mount, FileExisting-nsenter, FileExisting-ebtables, FileExisting-ethtool, "
                "FileExisting-socat, FileExisting-tc, FileExisting-touch, KubeletVersion\n");
}

TEST_F(PreflightPhaseTest, UnprivilegedUserStopsBeforeAnyOtherCheck) {
  host_.root = "";  // the machine itself
  host_.privileged = false;
  host_.busy_ports.insert(10250);
  auto settings = Settings();
  settings.root_dir = "/";
  Status s = Run(settings);
  EXPECT_THAT(s, StatusIs(StatusCode::kFailedPrecondition,
                          "[preflight] Some fatal errors occurred:\n"
                          "\t[ERROR IsPrivilegedUser]: user is not running as root\n"
                          "[preflight] If you know what you are doing, you can make a check non-fatal with "
                          "`--ignore-preflight-errors=...`"));
}

TEST(PreflightNamesTest, FileAvailableNamesAreKubeadms) {
  EXPECT_EQ(FileAvailableCheckName("/etc/kubernetes/kubelet.conf"),
            "FileAvailable--etc-kubernetes-kubelet.conf");
  EXPECT_EQ(FileAvailableCheckName("/etc/kubernetes/pki/ca.crt"), "FileAvailable--etc-kubernetes-pki-ca.crt");
}

TEST(PreflightNamesTest, Dns1123Subdomain) {
  EXPECT_EQ(ValidateDns1123Subdomain(std::string(254, 'a')), "must be no more than 253 characters");
  EXPECT_EQ(ValidateDns1123Subdomain("node-1.example.com"), "");
  EXPECT_THAT(ValidateDns1123Subdomain("node-1."), HasSubstr("a lowercase RFC 1123 subdomain"));
  EXPECT_THAT(ValidateDns1123Subdomain("a\nb"), HasSubstr("a lowercase RFC 1123 subdomain"));  // full match
}

}  // namespace
}  // namespace joinguard::node::phases
