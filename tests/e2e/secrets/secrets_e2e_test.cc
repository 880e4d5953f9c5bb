// Secrets never leak: a full join (sandbox API server in-process, joinguard-controller and
// joinguard-node as separate processes) and then a grep of everything the run printed, logged,
// audited, emitted as Events or CSR conditions and exposed on /metrics and /readyz for the
// bootstrap token's secret and for any private key PEM.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <regex>

#include "common/crypto/cert.h"
#include "common/crypto/pin.h"
#include "common/yaml/strict_yaml.h"
#include "tests/sandbox/sandbox.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace joinguard {
namespace {

using ::joinguard::testing::RunCommand;
using ::joinguard::testing::Subprocess;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

constexpr char kSecret[] = "0123456789abcdef";
constexpr char kToken[] = "abcdef.0123456789abcdef";
// A wrong secret for the same token id: it must not be echoed by the failing join either.
constexpr char kWrongSecret[] = "zyxwvutsrqponmlk";

std::string HttpGet(int port, const std::string& path) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(30s);
  beast::error_code ec;
  stream.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)}, ec);
  if (ec) return "";
  http::request<http::empty_body> req{http::verb::get, path, 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(stream, req, ec);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(stream, buf, res, ec);
  return ec ? "" : res.body();
}

// A manifest as JSON, scalars typed as YAML 1.2's core schema reads them.
nlohmann::json YamlToJson(const YAML::Node& n) {
  if (n.IsMap()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& kv : n) out[kv.first.as<std::string>()] = YamlToJson(kv.second);
    return out;
  }
  if (n.IsSequence()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : n) out.push_back(YamlToJson(item));
    return out;
  }
  if (!n.IsScalar()) return nullptr;
  const std::string v = n.Scalar();
  if (n.Tag() == "!") return v;
  if (v == "true" || v == "false") return v == "true";
  char* end = nullptr;
  long long i = std::strtoll(v.c_str(), &end, 10);
  if (!v.empty() && *end == '\0') return i;
  return v;
}

int PortFrom(const std::string& log, const std::string& what) {
  std::smatch m;
  std::regex re(what + " address=127\\.0\\.0\\.1:([0-9]+)");
  return std::regex_search(log, m, re) ? std::stoi(m[1]) : 0;
}

// Where a leak was found, with a little context.
std::string Leaks(const std::string& haystack, const std::string& needle) {
  std::string out;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) {
    out += "..." + haystack.substr(at > 60 ? at - 60 : 0, 140) + "...\n";
  }
  return out;
}

TEST(SecretsE2eTest, NothingPrintedLoggedEmittedOrExposedContainsASecret) {
  const std::string dir = joinguard::testing::MakeTempDir("jg-secrets-e2e-");
  sandbox::SandboxOptions so;
  so.autoapprove_binding = false;
  so.admin_kubeconfig_path = dir + "/admin.conf";
  ASSERT_OK_AND_ASSIGN(auto sb, sandbox::Sandbox::Start(so));
  // The controller records approvals in NodeJoin objects: install the CRDs as an operator does.
  for (const char* crd : {"nodejoins.yaml", "joingrants.yaml"}) {
    std::ifstream in(std::string(JOINGUARD_SOURCE_DIR) + "/deploy/base/crds/" + crd);
    std::stringstream text;
    text << in.rdbuf();
    ASSERT_OK_AND_ASSIGN(YAML::Node doc, yaml::LoadStrictYaml(text.str(), crd));
    ASSERT_OK(
        sb->CreateObjectForTest("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", YamlToJson(doc))
            .status());
  }
  sandbox::TokenSpec t;
  t.id = "abcdef";
  t.secret = kSecret;
  ASSERT_OK(sb->CreateBootstrapToken(t));
  ASSERT_OK(sb->WaitForObjectForTest(
      "/api/v1/namespaces/kube-public/configmaps/cluster-info",
      [](const nlohmann::json& cm) {
        return cm.contains("data") && cm["data"].contains("jws-kubeconfig-abcdef");
      },
      30s));

  // The controller, with debug logging: the most it will ever print.
  ASSERT_OK_AND_ASSIGN(auto controller,
                       Subprocess::Start({JOINGUARD_CONTROLLER_BINARY, "--kubeconfig", dir + "/admin.conf",
                                          "--metrics-address", "127.0.0.1:0", "--health-address",
                                          "127.0.0.1:0", "--log-level", "debug"},
                                         dir + "/controller"));
  ASSERT_OK(controller->WaitForOutput("serving health probes", 60s).status());
  const int metrics_port = PortFrom(controller->Stderr() + controller->Stdout(), "serving metrics");
  const int health_port = PortFrom(controller->Stderr() + controller->Stdout(), "serving health probes");
  ASSERT_GT(metrics_port, 0);
  ASSERT_GT(health_port, 0);

  const std::string pin = crypto::SpkiPin(*crypto::Certificate::FromPem(sb->ca_pem()));
  const std::string endpoint = "127.0.0.1:" + std::to_string(sb->port());
  auto join = [&](const std::string& token, const std::string& node, const std::string& root) {
    std::filesystem::create_directories(root);
    return RunCommand({JOINGUARD_NODE_BINARY,
                       "join",
                       endpoint,
                       "--root-dir",
                       root,
                       "--token",
                       token,
                       "--discovery-token-ca-cert-hash",
                       pin,
                       "--node-name",
                       node,
                       "--kubelet-restart-command",
                       "true",
                       "--skip-kubelet-health-check",
                       "--discovery-timeout",
                       "30s",
                       "--discovery-retry-interval",
                       "200ms",
                       "--tls-bootstrap-timeout",
                       "90s"},
                      180s);
  };
  ASSERT_OK_AND_ASSIGN(auto good, join(kToken, "secrets-node-1", dir + "/root-1"));
  ASSERT_EQ(good.exit_code, 0) << good.out << good.err;
  ASSERT_OK_AND_ASSIGN(auto bad,
                       join(std::string("abcdef.") + kWrongSecret, "secrets-node-2", dir + "/root-2"));
  EXPECT_NE(bad.exit_code, 0);

  // Wait until the controller's decision is visible in its audit log and Events.
  std::vector<nlohmann::json> events;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto e = sb->ListObjectsForTest("/api/v1/events");
    if (e.ok() && !e->empty()) {
      events = *e;
      break;
    }
    std::this_thread::sleep_for(50ms);  // polling a condition with a deadline
  }
  ASSERT_FALSE(events.empty()) << "the controller emitted no Event";

  std::string everything;
  auto add = [&](const std::string& what, const std::string& text) {
    EXPECT_FALSE(text.empty()) << what << " is empty: the test would prove nothing";
    everything += "\n==== " + what + "\n" + text;
  };
  add("controller stdout (audit log)", controller->Stdout());
  add("controller stderr (log)", controller->Stderr());
  add("join stdout", good.out);
  add("join stderr", good.err + bad.out + bad.err);
  add("metrics", HttpGet(metrics_port, "/metrics"));
  add("readyz", HttpGet(health_port, "/readyz"));
  for (const auto& e : events) everything += e.dump() + "\n";
  ASSERT_OK_AND_ASSIGN(auto csrs,
                       sb->ListObjectsForTest("/apis/certificates.k8s.io/v1/certificatesigningrequests"));
  ASSERT_FALSE(csrs.empty());
  for (auto c : csrs) {
    c["spec"].erase("request");  // the CSR itself carries a public key only; its conditions are what we emit
    everything += c.dump() + "\n";
  }

  EXPECT_EQ(Leaks(everything, kSecret), "") << "the token secret leaked";
  EXPECT_EQ(Leaks(everything, kWrongSecret), "") << "a presented (wrong) secret leaked";
  EXPECT_EQ(Leaks(everything, "PRIVATE KEY"), "") << "a private key PEM leaked";

  controller->Signal(SIGTERM);
  ASSERT_OK_AND_ASSIGN(int code, controller->Wait(60s));
  EXPECT_EQ(code, 0);
  EXPECT_EQ(Leaks(controller->Stdout() + controller->Stderr(), kSecret), "");
  sb.reset();
  joinguard::testing::RemoveTree(dir);
}

}  // namespace
}  // namespace joinguard
