// kubeadm's node checks against a scripted host: one row per check and outcome, with kubeadm's
// names and texts (cmd/kubeadm/app/preflight/checks.go), the CRI endpoint detection table
// (util/runtime/runtime.go) and the kubelet version skew.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "node-helper/cri/cri_socket.h"
#include "node-helper/preflight/node_checks.h"
#include "tests/testing/status_matchers.h"
#include "tests/unit/node/preflight_fake_host.h"

namespace joinguard::node::preflight {
namespace {

using ::joinguard::testing::StatusIs;
using ::testing::ElementsAre;
using testing::FakeHost;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

enum class Outcome {
  kPass,         // the check ran and found nothing
  kWarning,      // a warning (kubeadm's warning-level check, or an ignored error)
  kError,        // a fatal error
  kNotRun,       // left out: the --root-dir root does not provide what it reads
  kHostWarning,  // no check; kubeadm's warning line before the checks (the CRI connection)
};

struct CheckCase {
  std::string name;
  std::function<void(FakeHost&, NodeCheckOptions&)> setup;
  std::string check;
  Outcome outcome;
  std::string message;  // exact ("" for kPass / kNotRun)
  std::set<std::string> ignored = {};
};

NodeCheckOptions Worker() {
  NodeCheckOptions o;
  o.cri_socket = "unix:///var/run/containerd/containerd.sock";
  o.ca_cert_path = "/etc/kubernetes/pki/ca.crt";
  o.api_server_endpoint = "10.0.0.1:6443";
  return o;
}

const std::vector<CheckCase>& Cases() {
  static const auto* cases = new std::vector<CheckCase>{
      {"KubeletConfAbsent", nullptr, "FileAvailable--etc-kubernetes-kubelet.conf", Outcome::kPass, ""},
      {"KubeletConfPresent",
       [](FakeHost& h, NodeCheckOptions&) { h.files["/etc/kubernetes/kubelet.conf"] = "x"; },
       "FileAvailable--etc-kubernetes-kubelet.conf", Outcome::kError,
       "/etc/kubernetes/kubelet.conf already exists"},
      {"KubeletConfPresentIgnored",
       [](FakeHost& h, NodeCheckOptions&) { h.files["/etc/kubernetes/kubelet.conf"] = "x"; },
       "FileAvailable--etc-kubernetes-kubelet.conf",
       Outcome::kWarning,
       "/etc/kubernetes/kubelet.conf already exists",
       {"fileavailable--etc-kubernetes-kubelet.conf"}},
      {"BootstrapConfPresent",
       [](FakeHost& h, NodeCheckOptions&) { h.files["/etc/kubernetes/bootstrap-kubelet.conf"] = "x"; },
       "FileAvailable--etc-kubernetes-bootstrap-kubelet.conf", Outcome::kError,
       "/etc/kubernetes/bootstrap-kubelet.conf already exists"},
      {"BootstrapConfIgnoredByAll",
       [](FakeHost& h, NodeCheckOptions&) { h.files["/etc/kubernetes/bootstrap-kubelet.conf"] = "x"; },
       "FileAvailable--etc-kubernetes-bootstrap-kubelet.conf",
       Outcome::kWarning,
       "/etc/kubernetes/bootstrap-kubelet.conf already exists",
       {"all"}},
      {"CaCertPresentOnWorker",
       [](FakeHost& h, NodeCheckOptions&) { h.files["/etc/kubernetes/pki/ca.crt"] = "x"; },
       "FileAvailable--etc-kubernetes-pki-ca.crt", Outcome::kError,
       "/etc/kubernetes/pki/ca.crt already exists"},
      {"CaCertShownUnderTheRoot",
       [](FakeHost& h, NodeCheckOptions&) {
         h.root = "/tmp/r";
         h.files["/etc/kubernetes/pki/ca.crt"] = "x";
       },
       "FileAvailable--etc-kubernetes-pki-ca.crt", Outcome::kError,
       "/tmp/r/etc/kubernetes/pki/ca.crt already exists"},
      {"CaCertPathFromConfig",
       [](FakeHost& h, NodeCheckOptions& o) {
         o.ca_cert_path = "/srv/ca.pem";
         h.files["/srv/ca.pem"] = "x";
       },
       "FileAvailable--srv-ca.pem", Outcome::kError, "/srv/ca.pem already exists"},
      {"CriAnswers", nullptr, "CRI", Outcome::kPass, ""},
      {"CriGoneBeforeTheCheck", [](FakeHost& h, NodeCheckOptions&) { h.answers_left = 1; }, "CRI",
       Outcome::kError,
       "container runtime is not running: rpc error: code = Unavailable desc = connection error: desc = "
       "\"transport: Error while dialing: dial unix /var/run/containerd/containerd.sock: connect: connection "
       "refused\""},
      {"CriGoneIgnored",
       [](FakeHost& h, NodeCheckOptions&) { h.answers_left = 1; },
       "CRI",
       Outcome::kWarning,
       "container runtime is not running: rpc error: code = Unavailable desc = connection error: desc = "
       "\"transport: Error while dialing: dial unix /var/run/containerd/containerd.sock: connect: connection "
       "refused\"",
       {"cri"}},
      {"CriNotListening", [](FakeHost& h, NodeCheckOptions&) { h.sockets.clear(); }, "CRI",
       Outcome::kHostWarning,
       "Couldn't create the interface used for talking to the container runtime: failed to create new CRI "
       "runtime "
       "service: validate service connection: validate CRI v1 runtime API for endpoint "
       "\"unix:///var/run/containerd/containerd.sock\": rpc error: code = Unavailable desc = connection "
       "error: desc "
       "= \"transport: Error while dialing: dial unix /var/run/containerd/containerd.sock: connect: no such "
       "file or "
       "directory\""},
      {"CriOtherSocketConfigured",
       [](FakeHost& h, NodeCheckOptions& o) {
         o.cri_socket = "unix:///var/run/crio/crio.sock";
         h.sockets = {"/var/run/crio/crio.sock"};
       },
       "CRI", Outcome::kPass, ""},
      {"CriRootWithoutRunDir",
       [](FakeHost& h, NodeCheckOptions&) {
         h.root = "/tmp/r";
         h.dirs.erase("/run");
         h.dirs.erase("/var/run");
       },
       "CRI", Outcome::kNotRun, ""},
      {"NoSwap", nullptr, "Swap", Outcome::kPass, ""},
      {"SwapOn",
       [](FakeHost& h, NodeCheckOptions&) { h.files["/proc/swaps"] += "/swapfile\tfile\t1048572\t0\t-2\n"; },
       "Swap", Outcome::kWarning,
       "swap is supported for cgroup v2 only. The kubelet must be properly configured to use swap. Please "
       "refer to "
       "https://kubernetes.io/docs/concepts/architecture/nodes/#swap-memory, or disable swap on the node"},
      {"NoProcSwaps", [](FakeHost& h, NodeCheckOptions&) { h.files.erase("/proc/swaps"); }, "Swap",
       Outcome::kPass, ""},
      {"SwapRootWithoutProc",
       [](FakeHost& h, NodeCheckOptions&) {
         h.root = "/tmp/r";
         h.dirs.erase("/proc");
       },
       "Swap", Outcome::kNotRun, ""},
      {"IpMissing", [](FakeHost& h, NodeCheckOptions&) { h.programs.erase("ip"); }, "FileExisting-ip",
       Outcome::kError, "ip not found in system path"},
      {"IptablesMissing", [](FakeHost& h, NodeCheckOptions&) { h.programs.erase("iptables"); },
       "FileExisting-iptables", Outcome::kError, "iptables not found in system path"},
      {"MountMissing", [](FakeHost& h, NodeCheckOptions&) { h.programs.erase("mount"); },
       "FileExisting-mount", Outcome::kError, "mount not found in system path"},
      {"NsenterMissing", [](FakeHost& h, NodeCheckOptions&) { h.programs.erase("nsenter"); },
       "FileExisting-nsenter", Outcome::kError, "nsenter not found in system path"},
      {"EbtablesMissing", [](FakeHost& h, NodeCheckOptions&) { h.programs.erase("ebtables"); },
       "FileExisting-ebtables", Outcome::kWarning, "ebtables not found in system path"},
      {"EthtoolMissing", [](FakeHost& h, NodeCheckOptions&) { h.programs.erase("ethtool"); },
       "FileExisting-ethtool", Outcome::kWarning, "ethtool not found in system path"},
      {"SocatMissing", [](FakeHost& h, NodeCheckOptions&) { h.programs.erase("socat"); },
       "FileExisting-socat", Outcome::kWarning, "socat not found in system path"},
      {"TcMissing", [](FakeHost& h, NodeCheckOptions&) { h.programs.erase("tc"); }, "FileExisting-tc",
       Outcome::kWarning, "tc not found in system path"},
      {"TouchMissing", [](FakeHost& h, NodeCheckOptions&) { h.programs.erase("touch"); },
       "FileExisting-touch", Outcome::kWarning, "touch not found in system path"},
      {"ProgramsRootWithoutBin",
       [](FakeHost& h, NodeCheckOptions&) {
         h.root = "/tmp/r";
         h.dirs.erase("/usr/bin");
       },
       "FileExisting-ip", Outcome::kNotRun, ""},
      {"KubeletAnswers", nullptr, "KubeletVersion", Outcome::kPass, ""},
      {"KubeletMissing", [](FakeHost& h, NodeCheckOptions&) { h.programs.erase("kubelet"); },
       "KubeletVersion", Outcome::kError,
       "couldn't get kubelet version: cannot execute 'kubelet --version': exec: \"kubelet\": executable file "
       "not "
       "found in $PATH"},
      {"KubeletFails", [](FakeHost& h, NodeCheckOptions&) { h.outputs.erase("/usr/bin/kubelet"); },
       "KubeletVersion", Outcome::kError,
       "couldn't get kubelet version: cannot execute 'kubelet --version': exit status 1"},
      {"KubeletSaysSomethingElse",
       [](FakeHost& h, NodeCheckOptions&) { h.outputs["/usr/bin/kubelet"] = "kubelet 1.31\n\x1b[0m"; },
       "KubeletVersion", Outcome::kError,
       "couldn't get kubelet version: Unable to parse output from Kubelet: \"kubelet 1.31\\n\\x1b[0m\""},
      {"KubeletMissingIgnored",
       [](FakeHost& h, NodeCheckOptions&) { h.programs.erase("kubelet"); },
       "KubeletVersion",
       Outcome::kWarning,
       "couldn't get kubelet version: cannot execute 'kubelet --version': exec: \"kubelet\": executable file "
       "not "
       "found in $PATH",
       {"kubeletversion"}},
      {"KubeletRootWithoutBin",
       [](FakeHost& h, NodeCheckOptions&) {
         h.root = "/tmp/r";
         h.dirs.erase("/usr/bin");
       },
       "KubeletVersion", Outcome::kNotRun, ""},
      {"KubeletPortFree", nullptr, "Port-10250", Outcome::kPass, ""},
      {"KubeletPortBusy", [](FakeHost& h, NodeCheckOptions&) { h.busy_ports.insert(10250); }, "Port-10250",
       Outcome::kError, "Port 10250 is in use"},
      {"KubeletPortBusyIgnored",
       [](FakeHost& h, NodeCheckOptions&) { h.busy_ports.insert(10250); },
       "Port-10250",
       Outcome::kWarning,
       "Port 10250 is in use",
       {"port-10250"}},
      {"NoProxy", nullptr, "HTTPProxy", Outcome::kPass, ""},
      {"ProxyForTheEndpoint",
       [](FakeHost& h, NodeCheckOptions&) { h.env["HTTPS_PROXY"] = "http://user:secret@proxy.corp:3128"; },
       "HTTPProxy", Outcome::kWarning,
       "Connection to \"https://10.0.0.1\" uses proxy \"http://user:xxxxx@proxy.corp:3128\". If that is not "
       "intended, adjust your proxy settings"},
      {"ProxyButNoProxyCidr",
       [](FakeHost& h, NodeCheckOptions&) {
         h.env["https_proxy"] = "proxy.corp:3128";
         h.env["no_proxy"] = "example.com,10.0.0.0/8";
       },
       "HTTPProxy", Outcome::kPass, ""},
      {"IpForwardOn", nullptr, "FileContent--proc-sys-net-ipv4-ip_forward", Outcome::kPass, ""},
      {"IpForwardOff",
       [](FakeHost& h, NodeCheckOptions&) { h.files["/proc/sys/net/ipv4/ip_forward"] = "0\n"; },
       "FileContent--proc-sys-net-ipv4-ip_forward", Outcome::kError,
       "/proc/sys/net/ipv4/ip_forward contents are not set to 1"},
      {"IpForwardMissing",
       [](FakeHost& h, NodeCheckOptions&) { h.files.erase("/proc/sys/net/ipv4/ip_forward"); },
       "FileContent--proc-sys-net-ipv4-ip_forward", Outcome::kError,
       "/proc/sys/net/ipv4/ip_forward does not exist"},
      {"IpForwardUnreadable",
       [](FakeHost& h, NodeCheckOptions&) { h.unreadable.insert("/proc/sys/net/ipv4/ip_forward"); },
       "FileContent--proc-sys-net-ipv4-ip_forward", Outcome::kError,
       "/proc/sys/net/ipv4/ip_forward could not be read"},
      {"IpForwardOffIgnored",
       [](FakeHost& h, NodeCheckOptions&) { h.files["/proc/sys/net/ipv4/ip_forward"] = "0"; },
       "FileContent--proc-sys-net-ipv4-ip_forward",
       Outcome::kWarning,
       "/proc/sys/net/ipv4/ip_forward contents are not set to 1",
       {"filecontent--proc-sys-net-ipv4-ip_forward"}},
      {"IpForwardRootWithoutProc",
       [](FakeHost& h, NodeCheckOptions&) {
         h.root = "/tmp/r";
         h.dirs.erase("/proc");
       },
       "FileContent--proc-sys-net-ipv4-ip_forward", Outcome::kNotRun, ""},
      {"Ipv6ForwardingOff",
       [](FakeHost& h, NodeCheckOptions& o) {
         o.api_server_endpoint = "[fd00::1]:6443";
         h.files["/proc/sys/net/ipv6/conf/default/forwarding"] = "0\n";
       },
       "FileContent--proc-sys-net-ipv6-conf-default-forwarding", Outcome::kError,
       "/proc/sys/net/ipv6/conf/default/forwarding contents are not set to 1"},
  };
  return *cases;
}

class NodeCheckTableTest : public ::testing::TestWithParam<CheckCase> {};

TEST_P(NodeCheckTableTest, Outcome) {
  const CheckCase& c = GetParam();
  FakeHost host = FakeHost::Healthy();
  NodeCheckOptions options = Worker();
  if (c.setup) c.setup(host, options);
  auto shared = std::make_shared<FakeHost>(host);
  NodeChecks node = JoinNodeChecks(shared, options);

  std::vector<Problem> problems;
  std::vector<std::string> printed;
  Status s = RunChecks(
      node.checks, c.ignored, [&](const std::string& l) { printed.push_back(l); }, &problems);
  bool listed = false;
  for (const auto& check : node.checks) listed = listed || check.name == c.check;
  std::vector<Problem> mine;
  for (const auto& p : problems) {
    if (p.check == c.check) mine.push_back(p);
  }
  const bool not_run = std::find(node.not_run.begin(), node.not_run.end(), c.check) != node.not_run.end();

  switch (c.outcome) {
    case Outcome::kPass:
      EXPECT_TRUE(listed) << c.check << " did not run";
      EXPECT_THAT(mine, IsEmpty());
      break;
    case Outcome::kNotRun:
      EXPECT_FALSE(listed);
      EXPECT_TRUE(not_run) << c.check << " should be listed as not run";
      break;
    case Outcome::kHostWarning:
      EXPECT_FALSE(listed);
      EXPECT_THAT(node.warnings, ElementsAre(c.message));
      break;
    case Outcome::kWarning:
      ASSERT_EQ(mine.size(), 1u);
      EXPECT_EQ(mine[0].severity, Severity::kWarning);
      EXPECT_EQ(mine[0].message, c.message);
      EXPECT_THAT(printed, ::testing::Contains("\t[WARNING " + c.check + "]: " + c.message));
      EXPECT_OK(s);
      break;
    case Outcome::kError:
      ASSERT_EQ(mine.size(), 1u);
      EXPECT_EQ(mine[0].severity, Severity::kError);
      EXPECT_EQ(mine[0].message, c.message);
      EXPECT_THAT(s, StatusIs(StatusCode::kFailedPrecondition,
                              HasSubstr("\t[ERROR " + c.check + "]: " + c.message + "\n")));
      EXPECT_EQ(s.reason(), "PreflightError");
      break;
  }
  // Nothing else on the healthy host complains, except what the row changed.
  for (const auto& p : problems) EXPECT_EQ(p.check, c.check) << p.message;
}

INSTANTIATE_TEST_SUITE_P(Kubeadm, NodeCheckTableTest, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return info.param.name; });

// Every check the healthy host runs has a row in which it does not pass (after
// EveryDenyReasonHasACase in tests/unit/controller/checks_test.cc).
TEST(NodeCheckTableCoverage, EveryCheckHasAFailingCase) {
  auto node = JoinNodeChecks(std::make_shared<FakeHost>(FakeHost::Healthy()), Worker());
  ASSERT_FALSE(node.checks.empty());
  for (const auto& check : node.checks) {
    bool covered = false;
    for (const auto& c : Cases()) covered = covered || (c.check == check.name && c.outcome != Outcome::kPass);
    EXPECT_TRUE(covered) << "no failing case for " << check.name;
  }
}

TEST(NodeChecksTest, KubeadmOrderForAWorkerWithTokenDiscovery) {
  auto node = JoinNodeChecks(std::make_shared<FakeHost>(FakeHost::Healthy()), Worker());
  std::vector<std::string> names;
  for (const auto& c : node.checks) names.push_back(c.name);
  EXPECT_THAT(names, ElementsAre("FileAvailable--etc-kubernetes-kubelet.conf",
                                 "FileAvailable--etc-kubernetes-bootstrap-kubelet.conf", "CRI", "Swap",
                                 "FileExisting-ip", "FileExisting-iptables", "FileExisting-mount",
                                 "FileExisting-nsenter", "FileExisting-ebtables", "FileExisting-ethtool",
                                 "FileExisting-socat", "FileExisting-tc", "FileExisting-touch",
                                 "KubeletVersion", "Port-10250", "FileAvailable--etc-kubernetes-pki-ca.crt",
                                 "HTTPProxy", "FileContent--proc-sys-net-ipv4-ip_forward"));
}

TEST(NodeChecksTest, ControlPlaneAndFileDiscoveryLeaveTheirChecksOut) {
  auto options = Worker();
  options.control_plane = true;      // ca.crt may be downloaded
  options.api_server_endpoint = "";  // file discovery: no HTTPProxy, no forwarding check
  auto node = JoinNodeChecks(std::make_shared<FakeHost>(FakeHost::Healthy()), options);
  for (const auto& c : node.checks) {
    EXPECT_NE(c.name, "FileAvailable--etc-kubernetes-pki-ca.crt");
    EXPECT_NE(c.name, "HTTPProxy");
    EXPECT_NE(c.name, "FileContent--proc-sys-net-ipv4-ip_forward");
  }
}

TEST(NodeChecksTest, KubeletVersionIsKeptForTheSkewCheck) {
  auto host = std::make_shared<FakeHost>(FakeHost::Healthy());
  auto node = JoinNodeChecks(host, Worker());
  EXPECT_FALSE(node.kubelet_version->has_value());  // not before the check ran
  ASSERT_OK(RunChecks(node.checks, {}, [](const std::string&) {}));
  ASSERT_TRUE(node.kubelet_version->has_value());
  EXPECT_EQ((*node.kubelet_version)->String(), "1.31.2");
  ASSERT_EQ(host->ran.size(), 1u);
  EXPECT_THAT(host->ran[0], ElementsAre("/usr/bin/kubelet", "--version"));
}

TEST(NodeChecksTest, ErrorsAreReportedTogetherInKubeadmsFormat) {
  FakeHost host = FakeHost::Healthy();
  host.files["/etc/kubernetes/kubelet.conf"] = "x";
  host.busy_ports.insert(10250);
  host.files["/proc/swaps"] += "/dev/sda2 partition 1 0 -2\n";
  std::vector<std::string> printed;
  Status s = RunChecks(JoinNodeChecks(std::make_shared<FakeHost>(host), Worker()).checks, {},
                       [&](const std::string& l) { printed.push_back(l); });
  EXPECT_THAT(s,
              StatusIs(StatusCode::kFailedPrecondition,
                       "[preflight] Some fatal errors occurred:\n"
                       "\t[ERROR FileAvailable--etc-kubernetes-kubelet.conf]: /etc/kubernetes/kubelet.conf "
                       "already exists\n"
                       "\t[ERROR Port-10250]: Port 10250 is in use\n"
                       "[preflight] If you know what you are doing, you can make a check non-fatal with "
                       "`--ignore-preflight-errors=...`"));
  ASSERT_EQ(printed.size(), 1u);
  EXPECT_THAT(printed[0], HasSubstr("\t[WARNING Swap]: swap is supported for cgroup v2 only."));
}

TEST(NodeChecksTest, PrivilegedUser) {
  auto host = std::make_shared<FakeHost>(FakeHost::Healthy());
  EXPECT_OK(RunChecks({IsPrivilegedUser(host)}, {}, [](const std::string&) {}));
  host->privileged = false;
  EXPECT_THAT(RunChecks({IsPrivilegedUser(host)}, {}, [](const std::string&) {}),
              StatusIs(StatusCode::kFailedPrecondition,
                       HasSubstr("\t[ERROR IsPrivilegedUser]: user is not running as root\n")));
  EXPECT_OK(RunChecks({IsPrivilegedUser(host)}, {"isprivilegeduser"}, [](const std::string&) {}));
}

TEST(NodeChecksTest, DirAvailable) {
  auto host = std::make_shared<FakeHost>(FakeHost::Healthy());
  Check check = DirAvailable(host, "/var/lib/etcd");
  EXPECT_EQ(check.name, "DirAvailable--var-lib-etcd");
  EXPECT_EQ(check.run(), std::nullopt);  // absent
  host->dir_entries["/var/lib/etcd"] = 0;
  EXPECT_EQ(check.run(), std::nullopt);  // empty
  host->dir_entries["/var/lib/etcd"] = 3;
  EXPECT_EQ(check.run(), std::optional<std::string>("/var/lib/etcd is not empty"));
}

// ---- KubeletVersion against the control plane (kubeadm-config's kubernetesVersion). ----

struct SkewCase {
  std::string name, kubelet, control_plane;
  std::string problem;  // "" = fine
};

class KubeletSkewTest : public ::testing::TestWithParam<SkewCase> {};

TEST_P(KubeletSkewTest, Problem) {
  const auto& c = GetParam();
  auto kubelet = ParseSemanticVersion(c.kubelet);
  ASSERT_OK(kubelet);
  auto problem = KubeletSkew(*kubelet, c.control_plane).run();
  EXPECT_EQ(problem.value_or(""), c.problem);
}

INSTANTIATE_TEST_SUITE_P(
    Kubeadm, KubeletSkewTest,
    ::testing::Values(
        SkewCase{"Same", "1.31.2", "v1.31.0", ""}, SkewCase{"ThreeOlder", "1.28.0", "v1.31.4", ""},
        SkewCase{"FourOlder", "1.27.9", "v1.31.0",
                 "Kubelet version \"1.27.9\" is lower than kubeadm can support. Please upgrade kubelet"},
        SkewCase{"PreReleaseOfTheOldestIsTooOld", "1.28.0-rc.1", "v1.31.0",
                 "Kubelet version \"1.28.0-rc.1\" is lower than kubeadm can support. Please upgrade kubelet"},
        SkewCase{
            "NewerMinor", "1.32.0", "v1.31.5",
            "the kubelet version is higher than the control plane version. This is not a supported version "
            "skew and may lead to a malfunctional cluster. Kubelet version: \"1.32.0\" Control plane "
            "version: \"1.31.5\""},
        SkewCase{"NewerPatchIsFine", "1.31.9", "v1.31.0", ""},
        SkewCase{"UnparsableControlPlane", "1.31.0", "latest",
                 "couldn't parse Kubernetes version \"latest\": could not parse \"latest\" as version"}),
    [](const auto& info) { return info.param.name; });

TEST(KubeletVersionTest, SemverParsingAndOrder) {
  EXPECT_THAT(ParseSemanticVersion("1.31"),
              StatusIs(StatusCode::kInvalidArgument, "could not parse \"1.31\" as version"));
  EXPECT_THAT(ParseSemanticVersion("v01.31.0"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseSemanticVersion("v1.31.99999999999"), StatusIs(StatusCode::kInvalidArgument));
  auto v = ParseSemanticVersion("v1.31.0-alpha.1+abc");
  ASSERT_OK(v);
  EXPECT_EQ(v->String(), "1.31.0-alpha.1+abc");
  auto lt = [](const char* a, const char* b) {
    return VersionLess(*ParseSemanticVersion(a), *ParseSemanticVersion(b));
  };
  EXPECT_TRUE(lt("1.31.0-alpha.1", "1.31.0-alpha.2"));
  EXPECT_TRUE(lt("1.31.0-alpha.2", "1.31.0-alpha.10"));
  EXPECT_TRUE(lt("1.31.0-alpha.9", "1.31.0-beta.0"));
  EXPECT_TRUE(lt("1.31.0-rc.1", "1.31.0"));
  EXPECT_FALSE(lt("1.31.0", "1.31.0+build"));
  EXPECT_TRUE(lt("1.9.0", "1.10.0"));
}

// ---- CRI endpoint detection (util/runtime/runtime.go detectCRISocketImpl). ----

struct CriCase {
  std::string name;
  std::set<std::string> listening;
  std::string want;   // the endpoint, or
  std::string error;  // the error
};

class CriDetectionTest : public ::testing::TestWithParam<CriCase> {};

TEST_P(CriDetectionTest, Detect) {
  const auto& c = GetParam();
  auto got = cri::DetectCriSocket([&](const std::string& e) { return c.listening.count(e) > 0; });
  if (c.error.empty()) {
    ASSERT_OK(got);
    EXPECT_EQ(*got, c.want);
  } else {
    EXPECT_THAT(got, StatusIs(StatusCode::kInvalidArgument, c.error));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Kubeadm, CriDetectionTest,
    ::testing::Values(
        CriCase{"NoneFallsBackToContainerd", {}, "unix:///var/run/containerd/containerd.sock", ""},
        CriCase{"Containerd",
                {"unix:///var/run/containerd/containerd.sock"},
                "unix:///var/run/containerd/containerd.sock",
                ""},
        CriCase{"CriO", {"unix:///var/run/crio/crio.sock"}, "unix:///var/run/crio/crio.sock", ""},
        CriCase{"CriDockerd", {"unix:///var/run/cri-dockerd.sock"}, "unix:///var/run/cri-dockerd.sock", ""},
        CriCase{
            "ContainerdAndCriDockerd",
            {"unix:///var/run/containerd/containerd.sock", "unix:///var/run/cri-dockerd.sock"},
            "",
            "found multiple CRI endpoints on the host. Please define which one do you wish to use by setting "
            "the 'criSocket' field in the kubeadm configuration file: "
            "unix:///var/run/containerd/containerd.sock, "
            "unix:///var/run/cri-dockerd.sock"},
        CriCase{
            "AllThree",
            {"unix:///var/run/containerd/containerd.sock", "unix:///var/run/crio/crio.sock",
             "unix:///var/run/cri-dockerd.sock"},
            "",
            "found multiple CRI endpoints on the host. Please define which one do you wish to use by setting "
            "the 'criSocket' field in the kubeadm configuration file: "
            "unix:///var/run/containerd/containerd.sock, "
            "unix:///var/run/crio/crio.sock, unix:///var/run/cri-dockerd.sock"}),
    [](const auto& info) { return info.param.name; });

TEST(CriSocketTest, ConfiguredValueWinsAndGetsItsScheme) {
  int probes = 0;
  auto probe = [&](const std::string&) {
    ++probes;
    return true;
  };
  std::vector<std::string> warnings;
  auto kept = cri::ResolveCriSocket("unix:///run/k3s/containerd.sock", probe, &warnings);
  ASSERT_OK(kept);
  EXPECT_EQ(*kept, "unix:///run/k3s/containerd.sock");
  EXPECT_THAT(warnings, IsEmpty());
  EXPECT_EQ(probes, 0);  // a configured socket is not second-guessed, even with several runtimes
  auto prefixed = cri::ResolveCriSocket("/var/run/crio/crio.sock", probe, &warnings);
  ASSERT_OK(prefixed);
  EXPECT_EQ(*prefixed, "unix:///var/run/crio/crio.sock");
  EXPECT_THAT(warnings,
              ElementsAre("Usage of CRI endpoints without URL scheme is deprecated and can cause kubelet "
                          "errors in the future. Automatically prepending scheme \"unix\" to the "
                          "\"criSocket\" with value \"/var/run/crio/crio.sock\". Please update your "
                          "configuration!"));
  EXPECT_THAT(cri::ResolveCriSocket("", probe, &warnings), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_EQ(cri::SocketPath("unix:///var/run/crio/crio.sock"), "/var/run/crio/crio.sock");
  EXPECT_EQ(cri::SocketPath("/var/run/crio/crio.sock"), "/var/run/crio/crio.sock");
}

}  // namespace
}  // namespace joinguard::node::preflight
