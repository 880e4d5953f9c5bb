// The command line: kubeadm's flag names and shapes, `join phase`, help texts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "node-helper/cli/cli.h"

namespace joinguard::node::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

ParseResult P(std::vector<std::string> args) {
  args.insert(args.begin(), "joinguard-node");
  return Parse(args);
}

TEST(CliTest, JoinWithKubeadmFlags) {
  auto r = P({"join", "10.0.0.1:6443", "--token", "abcdef.0123456789abcdef", "--discovery-token-ca-cert-hash",
              "sha256:aa,sha256:bb", "--discovery-token-ca-cert-hash=sha256:cc", "--node-name", "n1",
              "--ignore-preflight-errors=Swap,NodeName", "--dry-run", "--root-dir", "/tmp/r",
              "--kubelet-restart-command", "true"});
  ASSERT_TRUE(r.command.has_value()) << r.err;
  EXPECT_EQ(r.command->kind, CommandKind::kJoin);
  const auto& f = r.command->flags;
  EXPECT_THAT(f.args, ElementsAre("10.0.0.1:6443"));
  EXPECT_EQ(f.token, "abcdef.0123456789abcdef");
  EXPECT_THAT(f.ca_cert_hashes, ElementsAre("sha256:aa", "sha256:bb", "sha256:cc"));
  EXPECT_THAT(f.ignore_preflight_errors, ElementsAre("Swap", "NodeName"));
  EXPECT_TRUE(f.dry_run);
  EXPECT_EQ(f.root_dir, "/tmp/r");
  EXPECT_EQ(f.kubelet_restart_command, "true");
  EXPECT_THAT(f.changed, ElementsAre("discovery-token-ca-cert-hash", "dry-run", "ignore-preflight-errors",
                                     "kubelet-restart-command", "node-name", "root-dir", "token"));
}

TEST(CliTest, Defaults) {
  auto r = P({"join", "--discovery-file", "/x.conf"});
  ASSERT_TRUE(r.command.has_value());
  EXPECT_EQ(r.command->flags.root_dir, "/");
  EXPECT_EQ(r.command->flags.kubelet_restart_command, "systemctl restart kubelet");
  EXPECT_THAT(r.command->flags.changed, ElementsAre("discovery-file"));
}

TEST(CliTest, PhaseSubcommand) {
  auto r = P({"join", "phase", "kubelet-start", "10.0.0.1:6443", "--token", "abcdef.0123456789abcdef",
              "--discovery-token-unsafe-skip-ca-verification"});
  ASSERT_TRUE(r.command.has_value()) << r.err;
  EXPECT_EQ(r.command->kind, CommandKind::kJoinPhase);
  EXPECT_EQ(r.command->phase, "kubelet-start");
  EXPECT_TRUE(r.command->flags.unsafe_skip_ca_verification);
  EXPECT_THAT(r.command->flags.args, ElementsAre("10.0.0.1:6443"));
}

TEST(CliTest, JoinHelpListsThePhasesLikeKubeadm) {
  auto r = P({"join", "--help"});
  EXPECT_FALSE(r.command.has_value());
  EXPECT_FALSE(r.usage_error);
  EXPECT_THAT(r.out,
              HasSubstr("The \"join [api-server-endpoint]\" command executes the following phases:\n```\n"
                        "preflight              Run join pre-flight checks\n"
                        "discovery              "));
  EXPECT_THAT(r.out, HasSubstr("tls-bootstrap          Request the kubelet client certificate"));
  EXPECT_THAT(
      r.out,
      HasSubstr("control-plane-prepare  Prepare the machine for serving a control plane\n"
                "  /download-certs      Download certificates shared among control-plane nodes from the "
                "kubeadm-certs Secret\n"));
  EXPECT_THAT(r.out, HasSubstr("  /mark-control-plane  Mark a node as a control-plane\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("check-etcd"))) << "hidden, as in kubeadm";
  EXPECT_THAT(r.out, HasSubstr("--discovery-token-ca-cert-hash"));
  EXPECT_THAT(r.out, Not(HasSubstr("--discovery-retry-interval")));  // hidden
}

TEST(CliTest, PhaseHelpListsPhases) {
  auto r = P({"join", "phase", "--help"});
  EXPECT_THAT(r.out, HasSubstr("kubelet-start"));
  EXPECT_THAT(r.out, HasSubstr("Write kubelet settings, certificates and (re)start the kubelet"));
}

TEST(CliTest, KubeadmGlobalFlagsAreAccepted) {
  auto r = P({"join", "10.0.0.1:6443", "--rootfs", "/host", "-v", "5", "--token", "abcdef.0123456789abcdef"});
  ASSERT_TRUE(r.command.has_value()) << r.err;
  EXPECT_EQ(r.command->flags.rootfs, "/host");
  EXPECT_EQ(r.command->flags.verbosity, 5);
  auto r2 = P({"join", "10.0.0.1:6443", "--v=3"});
  ASSERT_TRUE(r2.command.has_value()) << r2.err;
  EXPECT_EQ(r2.command->flags.verbosity, 3);
}

TEST(CliTest, NestedPhaseRunsOneSubPhase) {
  auto r = P({"join", "phase", "control-plane-prepare", "certs", "--control-plane"});
  ASSERT_TRUE(r.command.has_value()) << r.err;
  EXPECT_EQ(r.command->phase, "control-plane-prepare/certs");
  auto parent = P({"join", "phase", "control-plane-prepare", "--control-plane"});
  ASSERT_TRUE(parent.command.has_value()) << parent.err;
  EXPECT_EQ(parent.command->phase, "control-plane-prepare");
}

TEST(CliTest, UnknownFlagIsAUsageError) {
  auto r = P({"join", "--tokn", "x"});
  EXPECT_FALSE(r.command.has_value());
  EXPECT_TRUE(r.usage_error);
  EXPECT_FALSE(r.err.empty());
}

// joinguard's run options reach the command for `join` and for every `join phase`.
TEST(CliTest, RunOptionsAndPatches) {
  auto r =
      P({"join", "10.0.0.1:6443", "--skip-kubelet-health-check", "--kubeadm-exit-codes", "--patches", "/p"});
  ASSERT_TRUE(r.command.has_value()) << r.err;
  EXPECT_TRUE(r.command->options.skip_kubelet_health_check);
  EXPECT_TRUE(r.command->options.kubeadm_exit_codes);
  EXPECT_EQ(r.command->flags.patches, "/p");
  auto phase = P({"join", "phase", "kubelet-start", "--skip-kubelet-health-check"});
  ASSERT_TRUE(phase.command.has_value()) << phase.err;
  EXPECT_TRUE(phase.command->options.skip_kubelet_health_check);
  EXPECT_FALSE(phase.command->options.kubeadm_exit_codes);
  auto defaults = P({"join", "10.0.0.1:6443"});
  EXPECT_FALSE(defaults.command->options.skip_kubelet_health_check);
  EXPECT_FALSE(defaults.command->options.kubeadm_exit_codes);
  // Hidden knobs parse but stay out of --help.
  auto hidden = P({"join", "--discovery-retry-interval", "1s", "--https-discovery-ca-file", "/ca"});
  ASSERT_TRUE(hidden.command.has_value()) << hidden.err;
  EXPECT_EQ(hidden.command->flags.discovery_retry_interval, "1s");
  auto help = P({"join", "--help"});
  EXPECT_THAT(help.out, HasSubstr("--skip-kubelet-health-check"));
  EXPECT_THAT(help.out, HasSubstr("kubeletconfiguration"));
  EXPECT_THAT(help.out, Not(HasSubstr("--discovery-retry-interval")));
}

TEST(CliTest, ConfigPrintJoinDefaults) {
  auto r = P({"config", "print", "join-defaults"});
  ASSERT_TRUE(r.command.has_value());
  EXPECT_EQ(r.command->kind, CommandKind::kPrintJoinDefaults);
}

}  // namespace
}  // namespace joinguard::node::cli
