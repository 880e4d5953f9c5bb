#include "tests/sandbox/testing/sandbox_process.h"

#include <signal.h>

#include "common/files/atomic_file.h"
#include "common/text/ascii.h"
#include "tests/sandbox/testing/https_client.h"

namespace joinguard::sandbox::testing {

using nlohmann::json;

namespace {

constexpr char kAdminHeader[] = "X-Sandbox-Admin-Token";
constexpr char kServingLine[] = "joinguard-sandbox serving on";
constexpr std::chrono::milliseconds kStopTimeout{30000};
constexpr size_t kMaxSmallFile = 1 << 20;

}  // namespace

SandboxAdmin::SandboxAdmin(std::string url, std::string ca_pem, std::string token)
    : url_(std::move(url)), ca_pem_(std::move(ca_pem)), token_(std::move(token)) {}

StatusOr<json> SandboxAdmin::Call(const std::string& method, const std::string& what, const json& body,
                                  int want_status) {
  ClientOptions o;
  o.ca_pem = ca_pem_;
  HttpsClient client(url_, o);
  JG_ASSIGN_OR_RETURN(Response r,
                      client.Request(method, "/sandbox-admin/" + what, body.is_null() ? "" : body.dump(),
                                     "application/json", {{kAdminHeader, token_}}));
  if (r.status != want_status) {
    return InternalError("sandbox admin " + method + " " + what + ": HTTP " + std::to_string(r.status) +
                         ": " + r.body);
  }
  return r.Json();
}

StatusOr<int> SandboxAdmin::AddFault(const FaultRule& rule) {
  JG_ASSIGN_OR_RETURN(json r, Call("POST", "faults", FaultRuleToJson(rule), 201));
  return r.value("index", -1);
}

Status SandboxAdmin::ClearFaults() { return Call("DELETE", "faults", nullptr, 200).status(); }

Status SandboxAdmin::CloseWatchesAfterEvents(int n) {
  return Call("POST", "watch", {{"closeAfterEvents", n}}, 200).status();
}

Status SandboxAdmin::ForceGoneOnNextWatch() {
  return Call("POST", "watch", {{"forceGone", true}}, 200).status();
}

StatusOr<json> SandboxAdmin::State() { return Call("GET", "faults", nullptr, 200); }

StatusOr<ConnectionStats> SandboxAdmin::Connections() {
  JG_ASSIGN_OR_RETURN(json r, Call("GET", "connections", nullptr, 200));
  if (!r.is_object() || !r.contains("tcpAccepted") || !r["tcpAccepted"].is_number_integer() ||
      !r.contains("tlsHandshakes") || !r["tlsHandshakes"].is_number_integer()) {
    return InternalError("sandbox admin GET connections: unexpected answer " + r.dump());
  }
  return ConnectionStats{r["tcpAccepted"].get<int64_t>(), r["tlsHandshakes"].get<int64_t>()};
}

StatusOr<std::unique_ptr<SandboxProcess>> SandboxProcess::Start(Options options) {
  if (options.binary.empty() || options.dir.empty()) {
    return InvalidArgumentError("SandboxProcess: binary and dir are required");
  }
  std::unique_ptr<SandboxProcess> p(new SandboxProcess(std::move(options)));
  JG_RETURN_IF_ERROR(p->Launch());
  return p;
}

SandboxProcess::~SandboxProcess() { StopWith(SIGTERM).IgnoreError(); }

Status SandboxProcess::Launch() {
  const std::string& dir = options_.dir;
  std::vector<std::string> argv = {
      options_.binary,      "--state-dir",        dir + "/state", "--ready-file",       dir + "/ready.json",
      "--admin-token-file", dir + "/admin-token", "--port",       std::to_string(port_)};
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  JG_ASSIGN_OR_RETURN(
      proc_, ::joinguard::testing::Subprocess::Start(argv, dir + "/logs-" + std::to_string(launches_++)));
  JG_RETURN_IF_ERROR(proc_->WaitForOutput(kServingLine, options_.start_timeout).status());
  JG_ASSIGN_OR_RETURN(std::string ready_text, files::ReadFile(dir + "/ready.json", kMaxSmallFile));
  json ready = json::parse(ready_text, nullptr, false);
  if (!ready.is_object()) return InternalError("SandboxProcess: bad ready file: " + ready_text);
  url_ = ready.value("url", "");
  port_ = ready.value("port", uint16_t{0});
  admin_kubeconfig_ = ready.value("admin_kubeconfig", "");
  JG_ASSIGN_OR_RETURN(ca_pem_, files::ReadFile(ready.value("ca_file", ""), kMaxSmallFile));
  JG_ASSIGN_OR_RETURN(std::string token, files::ReadFile(dir + "/admin-token", kMaxSmallFile));
  admin_ = std::make_unique<SandboxAdmin>(url_, ca_pem_, std::string(text::TrimAscii(token)));
  return OkStatus();
}

Status SandboxProcess::StopWith(int signal) {
  if (!proc_) return OkStatus();
  proc_->Signal(signal);
  auto code = proc_->Wait(kStopTimeout);
  if (!code.ok()) {
    proc_->Signal(SIGKILL);
    proc_->Wait(kStopTimeout).status().IgnoreError();
  }
  proc_.reset();
  if (!code.ok()) return code.status();
  if (signal == SIGTERM && *code != 0) {
    return InternalError("joinguard-sandbox exited with " + std::to_string(*code));
  }
  return OkStatus();
}

Status SandboxProcess::Restart() {
  JG_RETURN_IF_ERROR(StopWith(SIGTERM));
  return Launch();
}

Status SandboxProcess::CrashAndRestart() {
  JG_RETURN_IF_ERROR(StopWith(SIGKILL));
  return Launch();
}

}  // namespace joinguard::sandbox::testing
