#include "node-helper/preflight/checks.h"

#include "node-helper/preflight/proxy.h"
#include "common/text/ascii.h"

namespace joinguard::node::preflight {
namespace {

bool Ignored(const std::set<std::string>& ignored, const std::string& name) {
  return ignored.count("all") > 0 || ignored.count(text::AsciiLower(name)) > 0;
}

}  // namespace

Status RunChecks(const std::vector<Check>& checks, const std::set<std::string>& ignored,
                 const std::function<void(const std::string&)>& warn, std::vector<Problem>* problems) {
  std::string errors;
  for (const auto& check : checks) {
    auto problem = check.run();
    if (!problem) continue;
    Severity severity = check.severity;
    if (severity == Severity::kError && Ignored(ignored, check.name)) severity = Severity::kWarning;
    if (problems != nullptr) problems->push_back({check.name, severity, *problem});
    if (severity == Severity::kWarning) {
      warn("\t[WARNING " + check.name + "]: " + *problem);
    } else {
      errors += "\t[ERROR " + check.name + "]: " + *problem + "\n";
    }
  }
  if (errors.empty()) return OkStatus();
  return FailedPreconditionError(
             "[preflight] Some fatal errors occurred:\n" + errors +
             "[preflight] If you know what you are doing, you can make a check non-fatal with "
             "`--ignore-preflight-errors=...`")
      .WithReason("PreflightError");
}

std::string PathCheckName(const std::string& kind, const std::string& absolute) {
  std::string name = absolute;
  for (auto& c : name) {
    if (c == '/') c = '-';
  }
  return kind + "-" + name;
}

Check IsPrivilegedUser(std::shared_ptr<const Host> host) {
  // checks_unix.go: os.Getuid() != 0.
  return {"IsPrivilegedUser", [host]() -> std::optional<std::string> {
            if (host->IsPrivileged()) return std::nullopt;
            return "user is not running as root";
          }};
}

Check FileAvailable(std::shared_ptr<const Host> host, const std::string& absolute) {
  return {PathCheckName("FileAvailable", absolute), [host, absolute]() -> std::optional<std::string> {
            if (!host->Exists(absolute)) return std::nullopt;
            return host->Display(absolute) + " already exists";
          }};
}

Check DirAvailable(std::shared_ptr<const Host> host, const std::string& absolute) {
  return {PathCheckName("DirAvailable", absolute), [host, absolute]() -> std::optional<std::string> {
            auto empty = host->IsEmptyDir(absolute);
            if (!empty.ok() && empty.status().code() == StatusCode::kNotFound) return std::nullopt;
            if (!empty.ok()) {
              return "unable to check if " + host->Display(absolute) +
                     " is empty: " + empty.status().message();
            }
            if (*empty) return std::nullopt;
            return host->Display(absolute) + " is not empty";
          }};
}

Check FileContent(std::shared_ptr<const Host> host, const std::string& absolute, const std::string& content) {
  return {PathCheckName("FileContent", absolute), [host, absolute, content]() -> std::optional<std::string> {
            auto data = host->ReadFile(absolute, content.size());
            const std::string shown = host->Display(absolute);
            // kubeadm reports any open error as "does not exist" and a read error as "could not be read".
            if (!data.ok() && data.status().code() == StatusCode::kDataLoss)
              return shown + " could not be read";
            if (!data.ok()) return shown + " does not exist";
            if (*data != content) return shown + " contents are not set to " + content;
            return std::nullopt;
          }};
}

Check PortOpen(std::shared_ptr<const Host> host, int port) {
  return {"Port-" + std::to_string(port), [host, port]() -> std::optional<std::string> {
            if (host->ListenTcp(port).ok()) return std::nullopt;
            return "Port " + std::to_string(port) + " is in use";
          }};
}

Check InPath(std::shared_ptr<const Host> host, const std::string& program, bool mandatory) {
  return {PathCheckName("FileExisting", program),
          [host, program]() -> std::optional<std::string> {
            if (host->LookPath(program).ok()) return std::nullopt;
            return program + " not found in system path";
          },
          mandatory ? Severity::kError : Severity::kWarning};
}

Check Swap(std::shared_ptr<const Host> host) {
  return {"Swap",
          [host]() -> std::optional<std::string> {
            // /proc/swaps has a header line; a second line is an active swap area. Unreadable: no
            // reason to warn (checks.go SwapCheck).
            constexpr size_t kSwapsLimit = 64 * 1024;
            auto data = host->ReadFile(kProcSwaps, kSwapsLimit);
            if (!data.ok()) return std::nullopt;
            size_t lines = 0;
            size_t start = 0;
            while (start < data->size()) {
              size_t nl = data->find('\n', start);
              ++lines;
              if (nl == std::string::npos) break;
              start = nl + 1;
            }
            if (lines <= 1) return std::nullopt;
            return std::string(
                "swap is supported for cgroup v2 only. The kubelet must be properly configured to use swap. "
                "Please refer to https://kubernetes.io/docs/concepts/architecture/nodes/#swap-memory, or "
                "disable swap on the node");
          },
          Severity::kWarning};
}

Check HttpProxy(std::shared_ptr<const Host> host, const std::string& target_host) {
  return {"HTTPProxy",
          [host, target_host]() -> std::optional<std::string> {
            auto getenv = [&host](const std::string& name) { return host->Getenv(name); };
            auto proxy = HttpsProxyFor(getenv, target_host);
            if (!proxy) return std::nullopt;
            return "Connection to \"" + HttpsUrlFor(target_host) + "\" uses proxy \"" + *proxy +
                   "\". If that is not intended, adjust your proxy settings";
          },
          Severity::kWarning};
}

}  // namespace joinguard::node::preflight
