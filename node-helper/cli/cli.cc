#include "node-helper/cli/cli.h"

#include <CLI/CLI.hpp>

#include <map>
#include <sstream>

#include "node-helper/phases/runner.h"
#include "node-helper/token/token_command.h"

namespace joinguard::node::cli {
namespace {

constexpr const char* kJoinUse = "join [api-server-endpoint]";

// kubeadm's join flags (cmd/kubeadm/app/cmd/join.go, options/generic.go) plus joinguard's own.
void AddJoinFlags(CLI::App* app, config::JoinFlags* f) {
  app->add_option("api-server-endpoint", f->args, "host:port of the API server used for token discovery");
  app->add_option("--config", f->config_path, "Path to a kubeadm configuration file (JoinConfiguration).");
  app->add_option(
      "--token", f->token,
      "Use this token for both discovery-token and tls-bootstrap-token when those values are not provided.");
  app->add_option("--discovery-token", f->discovery_token,
                  "For token-based discovery, the token used to validate cluster information fetched from "
                  "the API server.");
  app->add_option(
         "--discovery-token-ca-cert-hash", f->ca_cert_hashes,
         "For token-based discovery, validate that the root CA public key matches this hash (format: "
         "\"<type>:<value>\"). Repeatable and comma-separated.")
      ->delimiter(',')
      ->take_all();
  app->add_flag("--discovery-token-unsafe-skip-ca-verification", f->unsafe_skip_ca_verification,
                "For token-based discovery, allow joining without --discovery-token-ca-cert-hash pinning.");
  app->add_option("--discovery-file", f->discovery_file,
                  "For file-based discovery, a file or URL from which to load cluster information.");
  app->add_option("--tls-bootstrap-token", f->tls_bootstrap_token,
                  "Specify the token used to temporarily authenticate with the Kubernetes Control Plane "
                  "while joining the node.");
  app->add_option("--node-name", f->node_name, "Specify the node name.");
  app->add_option("--cri-socket", f->cri_socket, "Path to the CRI socket to connect.");
  app->add_option(
         "--ignore-preflight-errors", f->ignore_preflight_errors,
         "A list of checks whose errors will be shown as warnings. Example: 'IsPrivilegedUser,Swap'. Value "
         "'all' ignores errors from all checks.")
      ->delimiter(',')
      ->take_all();
  app->add_option("--skip-phases", f->skip_phases, "List of phases to be skipped")
      ->delimiter(',')
      ->take_all();
  app->add_flag("--dry-run", f->dry_run, "Don't apply any changes; just output what would be done.");
  app->add_option(
      "--patches", f->patches,
      "Path to a directory that contains files named \"target[suffix][+patchtype].extension\" (accepted "
      "for compatibility; joinguard-node applies no patches).");
  app->add_flag("--control-plane", f->control_plane, "Create a new control plane instance on this node");
  app->add_option(
      "--certificate-key", f->certificate_key,
      "Use this key to decrypt the certificate secrets uploaded by init. The certificate key is a hex "
      "encoded string that is an AES key of size 32 bytes.");
  app->add_option("--apiserver-advertise-address", f->apiserver_advertise_address,
                  "If the node should host a new control plane instance, the IP address the API Server will "
                  "advertise it's listening on. If not set the default network interface will be used.");
  app->add_option(
         "--apiserver-bind-port", f->apiserver_bind_port,
         "If the node should host a new control plane instance, the port for the API Server to bind to.")
      ->capture_default_str();
  // kubeadm's inherited global flags.
  app->add_option("--rootfs", f->rootfs,
                  "The path to the 'real' host root filesystem. This will cause kubeadm to chroot into the "
                  "provided path.");
  app->add_option("-v,--v", f->verbosity, "number for the log level verbosity");
  // joinguard-node additions.
  app->add_option(
      "--root-dir", f->root_dir,
      "Prefix for /etc/kubernetes and /var/lib/kubelet (default \"/\"), e.g. to run unprivileged.");
  app->add_option("--kubelet-restart-command", f->kubelet_restart_command,
                  "Shell command that (re)starts the kubelet after the TLS bootstrap; empty to skip.")
      ->default_str(std::string(config::kDefaultKubeletRestartCommand));
  app->add_flag("--force", f->force,
                "Join again even if /etc/kubernetes/kubelet.conf already holds a valid client certificate.");
  app->add_option("--discovery-timeout", f->discovery_timeout,
                  "How long discovery retries (Go duration; overrides timeouts.discovery, default 5m0s).");
  app->add_option("--tls-bootstrap-timeout", f->tls_bootstrap_timeout,
                  "How long to wait for the CSR to be approved (Go duration; overrides "
                  "timeouts.tlsBootstrap, default 5m0s).");
  // Hidden: test and private-PKI knobs.
  app->add_option("--discovery-retry-interval", f->discovery_retry_interval,
                  "Interval between discovery attempts (Go duration; default 5s).")
      ->group("");
  app->add_option("--https-discovery-ca-file", f->https_discovery_ca_file,
                  "Additional CA bundle trusted for https:// --discovery-file URLs.")
      ->group("");
  app->add_option("--etcd-endpoints", f->etcd_endpoints,
                  "etcd client URLs for a control-plane join, instead of the etcd static Pods' annotations.")
      ->delimiter(',')
      ->group("");
}

void CollectChanged(const CLI::App* app, config::JoinFlags* f) {
  for (const CLI::Option* opt : app->get_options()) {
    if (opt->count() == 0) continue;
    for (const auto& name : opt->get_lnames()) f->changed.insert(name);
  }
}

}  // namespace

ParseResult Parse(const std::vector<std::string>& argv) {
  if (auto token = token::MaybeRunFromCli(argv)) return *token;  // `joinguard-node token ...`
  ParseResult result;
  CLI::App app(
      "joinguard-node: join this machine to a Kubernetes cluster as a worker node, the way "
      "`kubeadm join` does, with CA-pinned discovery and the kubelet TLS bootstrap done before the "
      "kubelet starts.",
      "joinguard-node");
  app.require_subcommand(1);
  app.set_help_all_flag();

  config::JoinFlags join_flags;
  CLI::App* join = app.add_subcommand("join", "Run this on any machine you wish to join an existing cluster");
  join->footer("\n" + phases::PhasesHelp(kJoinUse));
  AddJoinFlags(join, &join_flags);

  CLI::App* phase =
      join->add_subcommand("phase", "Use this command to invoke single phase of the join workflow");
  phase->require_subcommand(1);
  std::vector<std::pair<CLI::App*, std::string>> phase_apps;
  std::vector<std::unique_ptr<config::JoinFlags>> phase_flags;
  std::map<std::string, CLI::App*> parents;
  for (const auto& p : phases::JoinPhases()) {
    // "control-plane-prepare/certs" is `join phase control-plane-prepare certs`, as in kubeadm.
    const std::string full(p.name);
    const auto slash = full.find('/');
    CLI::App* parent = slash == std::string::npos ? phase : parents[full.substr(0, slash)];
    const std::string leaf = slash == std::string::npos ? full : full.substr(slash + 1);
    CLI::App* sub = parent->add_subcommand(leaf, std::string(p.description));
    if (p.hidden) sub->group("");
    if (slash == std::string::npos) parents[full] = sub;
    phase_flags.push_back(std::make_unique<config::JoinFlags>());
    AddJoinFlags(sub, phase_flags.back().get());
    phase_apps.emplace_back(sub, full);
  }

  CLI::App* config_cmd = app.add_subcommand("config", "Manage configuration for a kubeadm-style join");
  config_cmd->require_subcommand(1);
  CLI::App* print = config_cmd->add_subcommand("print", "Print configuration");
  print->require_subcommand(1);
  CLI::App* join_defaults = print->add_subcommand(
      "join-defaults", "Print default join configuration, that can be used for 'joinguard-node join'");
  app.add_subcommand("version", "Print the version of joinguard-node");

  std::vector<std::string> args(argv.begin() + (argv.empty() ? 0 : 1), argv.end());
  std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector
  std::ostringstream out, err;
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e, out, err);
    result.out = out.str();
    result.err = err.str();
    result.usage_error = code != 0;
    return result;
  }
  Command cmd;
  if (join->parsed() && !phase->parsed()) {
    cmd.kind = CommandKind::kJoin;
    CollectChanged(join, &join_flags);
    cmd.flags = join_flags;
  } else if (phase->parsed()) {
    cmd.kind = CommandKind::kJoinPhase;
    // The deepest parsed phase wins (a parent is "parsed" when its sub-phase is).
    for (size_t i = 0; i < phase_apps.size(); ++i) {
      if (phase_apps[i].first->parsed()) {
        cmd.phase = phase_apps[i].second;
        CollectChanged(phase_apps[i].first, phase_flags[i].get());
        cmd.flags = *phase_flags[i];
      }
    }
  } else if (join_defaults->parsed()) {
    cmd.kind = CommandKind::kPrintJoinDefaults;
  } else {
    cmd.kind = CommandKind::kVersion;
  }
  result.command = std::move(cmd);
  return result;
}

}  // namespace joinguard::node::cli
