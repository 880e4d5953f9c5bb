#include "node-helper/cli/cli.h"

#include <CLI/CLI.hpp>

#include <map>
#include <sstream>

#include "node-helper/phases/runner.h"
#include "node-helper/token/token_command.h"

namespace joinguard::node::cli {
namespace {

constexpr const char* kJoinUse = "join [api-server-endpoint]";

// Where a flag is listed in --help: with kubeadm's flags, with joinguard's own, or not at all
// (test and private-PKI knobs).
enum class Group { kKubeadm, kJoinguard, kHidden };

struct StringFlag {
  const char* names;
  std::string config::JoinFlags::*field;
  const char* help;
  Group group = Group::kKubeadm;
};
struct BoolFlag {
  const char* names;
  bool config::JoinFlags::*field;
  const char* help;
};
struct ListFlag {
  const char* names;
  std::vector<std::string> config::JoinFlags::*field;
  const char* help;
};

// kubeadm's join flags (cmd/kubeadm/app/cmd/join.go, options/generic.go) with kubeadm's help texts,
// then joinguard-node's (documented in the README's flag table).
constexpr StringFlag kStringFlags[] = {
    {"--config", &config::JoinFlags::config_path,
     "Path to a kubeadm configuration file (JoinConfiguration)."},
    {"--token", &config::JoinFlags::token,
     "Use this token for both discovery-token and tls-bootstrap-token when those values are not provided."},
    {"--discovery-token", &config::JoinFlags::discovery_token,
     "For token-based discovery, the token used to validate cluster information fetched from the API "
     "server."},
    {"--discovery-file", &config::JoinFlags::discovery_file,
     "For file-based discovery, a file or URL from which to load cluster information."},
    {"--tls-bootstrap-token", &config::JoinFlags::tls_bootstrap_token,
     "Specify the token used to temporarily authenticate with the Kubernetes Control Plane while joining "
     "the node."},
    {"--node-name", &config::JoinFlags::node_name, "Specify the node name."},
    {"--cri-socket", &config::JoinFlags::cri_socket, "Path to the CRI socket to connect."},
    {"--patches", &config::JoinFlags::patches,
     "Path to a directory that contains files named \"target[suffix][+patchtype].extension\". For example, "
     "\"kube-apiserver0+merge.yaml\" or just \"etcd.json\". \"target\" can be one of \"kube-apiserver\", "
     "\"kube-controller-manager\", \"kube-scheduler\", \"etcd\", \"kubeletconfiguration\". \"patchtype\" can "
     "be one of \"strategic\", \"merge\" or \"json\" and they match the patch formats supported by kubectl. "
     "The default \"patchtype\" is \"strategic\". \"extension\" must be either \"json\" or \"yaml\". "
     "\"suffix\" is an optional string that can be used to determine which patches are applied first "
     "alpha-numerically."},
    {"--certificate-key", &config::JoinFlags::certificate_key,
     "Use this key to decrypt the certificate secrets uploaded by init. The certificate key is a hex encoded "
     "string that is an AES key of size 32 bytes."},
    {"--apiserver-advertise-address", &config::JoinFlags::apiserver_advertise_address,
     "If the node should host a new control plane instance, the IP address the API Server will advertise "
     "it's listening on. If not set the default network interface will be used."},
    {"--rootfs", &config::JoinFlags::rootfs,
     "The path to the 'real' host root filesystem. This will cause kubeadm to chroot into the provided "
     "path."},
    {"--root-dir", &config::JoinFlags::root_dir,
     "Prefix for /etc/kubernetes and /var/lib/kubelet (default \"/\"), e.g. to run unprivileged.",
     Group::kJoinguard},
    {"--discovery-timeout", &config::JoinFlags::discovery_timeout,
     "How long discovery retries (Go duration; overrides timeouts.discovery, default 5m0s).",
     Group::kJoinguard},
    {"--tls-bootstrap-timeout", &config::JoinFlags::tls_bootstrap_timeout,
     "How long to wait for the CSR to be approved (Go duration; overrides timeouts.tlsBootstrap, default "
     "5m0s).",
     Group::kJoinguard},
    {"--discovery-retry-interval", &config::JoinFlags::discovery_retry_interval,
     "Interval between discovery attempts (Go duration; default 5s).", Group::kHidden},
    {"--https-discovery-ca-file", &config::JoinFlags::https_discovery_ca_file,
     "Additional CA bundle trusted for https:// --discovery-file URLs.", Group::kHidden},
};
constexpr BoolFlag kKubeadmBoolFlags[] = {
    {"--discovery-token-unsafe-skip-ca-verification", &config::JoinFlags::unsafe_skip_ca_verification,
     "For token-based discovery, allow joining without --discovery-token-ca-cert-hash pinning."},
    {"--dry-run", &config::JoinFlags::dry_run, "Don't apply any changes; just output what would be done."},
    {"--control-plane", &config::JoinFlags::control_plane,
     "Create a new control plane instance on this node"},
};
constexpr ListFlag kKubeadmListFlags[] = {
    {"--discovery-token-ca-cert-hash", &config::JoinFlags::ca_cert_hashes,
     "For token-based discovery, validate that the root CA public key matches this hash (format: "
     "\"<type>:<value>\"). Repeatable and comma-separated."},
    {"--ignore-preflight-errors", &config::JoinFlags::ignore_preflight_errors,
     "A list of checks whose errors will be shown as warnings. Example: 'IsPrivilegedUser,Swap'. Value 'all' "
     "ignores errors from all checks."},
    {"--skip-phases", &config::JoinFlags::skip_phases, "List of phases to be skipped"},
};

void AddJoinFlags(CLI::App* app, config::JoinFlags* f, RunOptions* o) {
  app->add_option("api-server-endpoint", f->args, "host:port of the API server used for token discovery");
  for (const auto& s : kStringFlags) {
    CLI::Option* opt = app->add_option(s.names, f->*s.field, s.help);
    if (s.group == Group::kHidden) opt->group("");
  }
  for (const auto& b : kKubeadmBoolFlags) app->add_flag(b.names, f->*b.field, b.help);
  for (const auto& l : kKubeadmListFlags)
    app->add_option(l.names, f->*l.field, l.help)->delimiter(',')->take_all();
  app->add_option(
         "--apiserver-bind-port", f->apiserver_bind_port,
         "If the node should host a new control plane instance, the port for the API Server to bind to.")
      ->capture_default_str();
  app->add_option("-v,--v", f->verbosity, "number for the log level verbosity");
  app->add_option("--kubelet-restart-command", f->kubelet_restart_command,
                  "Shell command that (re)starts the kubelet after the TLS bootstrap; empty to skip.")
      ->default_str(std::string(config::kDefaultKubeletRestartCommand));
  app->add_flag("--force", f->force,
                "Join again even if /etc/kubernetes/kubelet.conf already holds a valid client certificate.");
  app->add_flag("--skip-kubelet-health-check", o->skip_kubelet_health_check,
                "Do not wait for the kubelet's /healthz after restarting it (hosts without a kubelet).");
  app->add_flag(std::string(kKubeadmExitCodesFlag), o->kubeadm_exit_codes,
                "kubeadm's exit contract: exit 1 on every failure, and name failures by kubeadm's phase.");
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
  RunOptions join_options;
  CLI::App* join = app.add_subcommand("join", "Run this on any machine you wish to join an existing cluster");
  join->footer("\n" + phases::PhasesHelp(kJoinUse));
  AddJoinFlags(join, &join_flags, &join_options);

  CLI::App* phase =
      join->add_subcommand("phase", "Use this command to invoke single phase of the join workflow");
  phase->require_subcommand(1);
  std::vector<std::pair<CLI::App*, std::string>> phase_apps;
  std::vector<std::unique_ptr<config::JoinFlags>> phase_flags;
  std::vector<std::unique_ptr<RunOptions>> phase_options;
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
    phase_options.push_back(std::make_unique<RunOptions>());
    AddJoinFlags(sub, phase_flags.back().get(), phase_options.back().get());
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
    cmd.options = join_options;
  } else if (phase->parsed()) {
    cmd.kind = CommandKind::kJoinPhase;
    // The deepest parsed phase wins (a parent is "parsed" when its sub-phase is).
    for (size_t i = 0; i < phase_apps.size(); ++i) {
      if (phase_apps[i].first->parsed()) {
        cmd.phase = phase_apps[i].second;
        CollectChanged(phase_apps[i].first, phase_flags[i].get());
        cmd.flags = *phase_flags[i];
        cmd.options = *phase_options[i];
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
