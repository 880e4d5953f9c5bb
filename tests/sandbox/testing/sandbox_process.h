// joinguard-sandbox as a separate process, for tests that run joinguard's programs as separate
// processes against it: start on port 0, restart from the same state dir on the same port
// (mid-run restarts), and inject faults at run time through its admin endpoint.
//
//   ASSERT_OK_AND_ASSIGN(auto sb, SandboxProcess::Start({.binary = JOINGUARD_SANDBOX_BINARY,
//                                                        .dir = temp_dir}));
//   ASSERT_OK(sb->admin().AddFault(rule).status());   // e.g. a burst of 429 on the approval PUT
//   ASSERT_OK(sb->Restart());                          // same URL, same objects, same CA
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status/status.h"
#include "tests/sandbox/sandbox.h"
#include "tests/testing/subprocess.h"

namespace joinguard::sandbox::testing {

// Client of the /sandbox-admin/ endpoint (see tests/sandbox/README.md).
class SandboxAdmin {
 public:
  SandboxAdmin(std::string url, std::string ca_pem, std::string token);
  StatusOr<int> AddFault(const FaultRule& rule);  // the rule's index
  Status ClearFaults();
  Status CloseWatchesAfterEvents(int n);
  Status ForceGoneOnNextWatch();
  // {"rules":[{...,"remaining":N}],"closeWatchesAfterEvents":N,"forceGoneOnNextWatch":bool}
  StatusOr<nlohmann::json> State();
  // Connections the sandbox process accepted, including the one this call opens.
  StatusOr<ConnectionStats> Connections();

 private:
  StatusOr<nlohmann::json> Call(const std::string& method, const std::string& what,
                                const nlohmann::json& body, int want_status);
  std::string url_, ca_pem_, token_;
};

class SandboxProcess {
 public:
  struct Options {
    std::string binary;                   // path of joinguard-sandbox
    std::string dir;                      // state, ready file, admin token, kubeconfig and logs go here
    std::vector<std::string> extra_args;  // e.g. {"--bootstrap-token", "abcdef.0123456789abcdef"}
    std::chrono::milliseconds start_timeout{30000};
  };
  static StatusOr<std::unique_ptr<SandboxProcess>> Start(Options options);
  ~SandboxProcess();  // SIGTERM, then SIGKILL if it does not exit

  // Stops it (SIGTERM, state flushed) and starts it again with the same flags, port and state dir.
  Status Restart();
  // SIGKILL, then start again (state as last persisted, at most the debounce interval old).
  Status CrashAndRestart();

  const std::string& url() const { return url_; }
  uint16_t port() const { return port_; }
  const std::string& ca_pem() const { return ca_pem_; }
  const std::string& admin_kubeconfig_path() const { return admin_kubeconfig_; }
  SandboxAdmin& admin() { return *admin_; }

 private:
  explicit SandboxProcess(Options options) : options_(std::move(options)) {}
  Status Launch();
  Status StopWith(int signal);

  Options options_;
  int launches_ = 0;
  std::unique_ptr<::joinguard::testing::Subprocess> proc_;
  std::string url_, ca_pem_, admin_kubeconfig_;
  uint16_t port_ = 0;
  std::unique_ptr<SandboxAdmin> admin_;
};

}  // namespace joinguard::sandbox::testing
