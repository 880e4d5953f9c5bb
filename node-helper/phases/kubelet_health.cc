#include "node-helper/phases/kubelet_health.h"

#include "common/kube/http_transport.h"
#include "node-helper/output/reason.h"

namespace joinguard::node::phases {

HealthProbe NewHealthProbe(std::chrono::milliseconds request_timeout) {
  return [request_timeout](const std::string& url) -> StatusOr<int> {
    const auto scheme_end = url.find("://");
    const auto slash = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
    kube::TransportConfig config;
    config.server = url.substr(0, slash);
    config.insecure_skip_tls_verify = true;  // kubeadm's health checks do not verify
    config.timeout = request_timeout;
    JG_ASSIGN_OR_RETURN(auto transport, kube::NewCpprestTransport(config));
    kube::HttpRequest req;
    req.path_and_query = slash == std::string::npos ? "/" : url.substr(slash);
    JG_ASSIGN_OR_RETURN(auto resp, transport->Do(req));
    return resp.status;
  };
}

Status WaitForKubelet(JoinContext& ctx, const std::string& url, runtime::Duration timeout) {
  ctx.out().Line("kubelet-check", "Waiting for a healthy kubelet at " + url + ". This can take up to " +
                                      runtime::FormatGoDuration(timeout));
  const auto start = ctx.env().clock->MonotonicNow();
  discovery::Deps deps;
  deps.clock = ctx.env().clock;
  deps.wait = ctx.env().wait;
  Status s = discovery::PollImmediate(deps, kKubeletHealthInterval, timeout, [&](Status* last) {
    auto code = ctx.env().probe(url);
    if (!code.ok()) {
      *last = code.status().Annotate("The HTTP call equal to 'curl -sSL " + url + "' returned error");
      return false;
    }
    if (*code != 200) {
      *last = UnavailableError("The HTTP call equal to 'curl -sSL " + url +
                               "' returned status code: " + std::to_string(*code));
      return false;
    }
    return true;
  });
  const auto took = std::chrono::duration_cast<runtime::Duration>(ctx.env().clock->MonotonicNow() - start);
  if (s.ok()) {
    ctx.out().Line("kubelet-check", "The kubelet is healthy after " + runtime::FormatGoDuration(took));
    return OkStatus();
  }
  ctx.out().Raw(
      "\nUnfortunately, an error has occurred:\n\t" + s.message() +
      "\n\nThis error is likely caused by:\n"
      "\t- The kubelet is not running\n"
      "\t- The kubelet is unhealthy due to a misconfiguration of the node in some way (required cgroups "
      "disabled)\n\n"
      "If you are on a systemd-powered system, you can try to troubleshoot the error with the following "
      "commands:\n"
      "\t- 'systemctl status kubelet'\n"
      "\t- 'journalctl -xeu kubelet'\n");
  return WithJoinReason(
      Status(StatusCode::kDeadlineExceeded,
             s.message() + " (the kubelet was not healthy within " + runtime::FormatGoDuration(timeout) +
                 "; on a host without a kubelet use --skip-kubelet-health-check)"),
      JoinReason::kKubeletUnhealthy);
}

}  // namespace joinguard::node::phases
