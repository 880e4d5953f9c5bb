#include "node-helper/token/token_command.h"

#include <CLI/CLI.hpp>

#include <sstream>

#include "common/kube/kubeconfig.h"
#include "common/runtime/duration.h"
#include "common/runtime/logger.h"
#include "node-helper/token/token_ops.h"

namespace joinguard::node::token {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitInvalid = 3;

int Fail(std::ostream& err, const Status& s) {
  err << "error: " << s.message() << "\n";
  return s.code() == StatusCode::kInvalidArgument ? kExitInvalid : kExitFailure;
}

}  // namespace

int RunTokenCommand(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err,
                    const TokenEnv& env) {
  CLI::App app("Manage bootstrap tokens and their join grants", "joinguard-node");
  CLI::App* token_cmd =
      app.add_subcommand("token", "Manage bootstrap tokens and the node names each may join");
  token_cmd->require_subcommand(1);
  std::string kubeconfig(kDefaultKubeconfig);
  auto add_kubeconfig = [&](CLI::App* a) {
    a->add_option("--kubeconfig", kubeconfig, "The kubeconfig file to use when talking to the cluster.")
        ->capture_default_str();
  };

  CreateOptions co;
  std::string ttl = "24h0m0s";
  bool print_join = false;
  CLI::App* create = token_cmd->add_subcommand(
      "create",
      "Create a bootstrap token and its JoinGrant on the server (the token is printed, nothing else)");
  create->add_option("token", co.token, "The token to write, \"<id>.<secret>\"; generated when omitted.");
  create
      ->add_option("--ttl", ttl,
                   "The duration before the token is automatically deleted (e.g. 1s, 2m, 3h). If "
                   "set to '0', the token will never expire")
      ->capture_default_str();
  create
      ->add_option("--usages", co.usages,
                   "Describes the ways in which this token can be used (signing, "
                   "authentication).")
      ->delimiter(',')
      ->capture_default_str();
  create
      ->add_option("--groups", co.groups,
                   "Extra groups that this token will authenticate as when used for "
                   "authentication. Must match \"\\Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\\z\"")
      ->delimiter(',')
      ->capture_default_str();
  create->add_option("--description", co.description,
                     "A human friendly description of how this token is used.");
  create->add_option("--node-names", co.node_names, "Node names this token may join (comma-separated).")
      ->delimiter(',');
  create->add_option("--node-name-pattern", co.node_name_pattern,
                     "RE2 regular expression a node name must match in full to join with this token.");
  create->add_option("--max-joins", co.max_joins, "How many nodes may join with this token.")
      ->capture_default_str();
  create->add_flag(
      "--allow-rejoin", co.allow_rejoin,
      "Allow names that already joined through a bootstrap token (their NodeJoin record exists).");
  create->add_flag(
      "--print-join-command", print_join,
      "Instead of printing only the token, print the full 'joinguard-node join' command using the token.");
  add_kubeconfig(create);

  std::string output = "text";
  CLI::App* list =
      token_cmd->add_subcommand("list", "List bootstrap tokens with their grants and remaining joins");
  list->add_option("-o,--output", output, "Output format: text|json|yaml")
      ->check(CLI::IsMember({"text", "json", "yaml"}))
      ->capture_default_str();
  add_kubeconfig(list);

  std::vector<std::string> to_delete;
  CLI::App* del = token_cmd->add_subcommand("delete", "Delete bootstrap tokens and their JoinGrants");
  del->add_option("token-value", to_delete, "Token ids or tokens (\"<id>\" or \"<id>.<secret>\")")
      ->required();
  add_kubeconfig(del);

  CLI::App* generate = token_cmd->add_subcommand(
      "generate", "Generate and print a bootstrap token, but do not create it on the server");

  std::vector<std::string> args(argv.begin() + (argv.empty() ? 0 : 1), argv.end());
  std::reverse(args.begin(), args.end());
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return app.exit(e, out, err) == 0 ? kExitOk : kExitInvalid;
  }

  if (generate->parsed()) {
    auto t = crypto::GenerateBootstrapToken();
    if (!t.ok()) return Fail(err, t.status());
    out << t->ToString() << "\n";
    return kExitOk;
  }
  if (create->parsed()) {
    auto d = runtime::ParseGoDuration(ttl);
    if (!d.ok()) return Fail(err, InvalidArgumentError("--ttl: " + d.status().message()));
    co.ttl = *d;
    if (Status s = ValidateCreateOptions(co); !s.ok()) return Fail(err, s);
  }
  auto rest = kube::RestConfigFromKubeconfigFile(kubeconfig);
  if (!rest.ok()) {
    return Fail(err, rest.status().Annotate("cannot use --kubeconfig \"" + kubeconfig +
                                            "\" (an admin kubeconfig of the cluster is needed)"));
  }
  rest->user_agent = kube::UserAgentFor("node-token");
  auto client = env.new_client(*rest);
  if (!client.ok()) return Fail(err, client.status());

  if (create->parsed()) {
    auto token = CreateToken(**client, *env.clock, co);
    if (!token.ok()) return Fail(err, token.status());
    if (co.node_names.empty() && co.node_name_pattern.empty()) {
      err << "warning: token \"" << token->id
          << "\" has no JoinGrant: joinguard admits it only while the policy's "
          << "joinGrants.withoutGrant is global-rules, and then for any new node name; pass --node-names or "
          << "--node-name-pattern to limit it\n";
    }
    if (print_join) {
      auto line = JoinCommand(*rest, *token);
      if (!line.ok()) return Fail(err, line.status());
      out << *line << "\n";
    } else {
      out << token->ToString() << "\n";  // as kubeadm: the token is the command's output
    }
    return kExitOk;
  }
  if (list->parsed()) {
    auto tokens = ListTokens(**client);
    if (!tokens.ok()) return Fail(err, tokens.status());
    kube::Time now = env.clock->Now();
    if (output == "json") {
      out << TokensToJson(*tokens, now).dump(4) << "\n";
    } else if (output == "yaml") {
      out << FormatTokensYaml(*tokens, now);
    } else {
      out << FormatTokenTable(*tokens, now);
    }
    return kExitOk;
  }
  int code = kExitOk;
  for (const auto& t : to_delete) {
    auto msg = DeleteToken(**client, t);
    if (!msg.ok()) {
      code = Fail(err, msg.status());
      continue;
    }
    out << *msg << "\n";
  }
  return code;
}

std::optional<cli::ParseResult> MaybeRunFromCli(const std::vector<std::string>& argv) {
  if (argv.size() < 2 || argv[1] != "token") return std::nullopt;
  static const runtime::RealClock clock;  // immutable, trivially shared
  runtime::Logger logger(runtime::LogLevel::kWarning);
  TokenEnv env;
  env.clock = &clock;
  env.new_client = [&](const kube::RestConfig& rest) {
    kube::ClientDeps deps;
    deps.clock = &clock;
    deps.logger = &logger;
    return kube::NewClient(rest, std::move(deps));
  };
  std::ostringstream out, err;
  int code = RunTokenCommand(argv, out, err, env);
  cli::ParseResult r;
  r.out = out.str();
  r.err = err.str();
  r.usage_error = code != kExitOk;
  return r;
}

}  // namespace joinguard::node::token
