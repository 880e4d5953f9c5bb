#include "controller/metrics.h"

#include <prometheus/text_serializer.h>

#include <sstream>

#include "controller/http_server.h"

namespace joinguard::controller {
namespace {

prometheus::Histogram::BucketBoundaries LatencyBuckets() {
  // From sub-second (controller already running) to an hour (a human approving a pending CSR).
  return {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600};
}

// Each metric is named and documented once, in the constructor below.
prometheus::Family<prometheus::Counter>& CounterFamily(prometheus::Registry& r, const std::string& name,
                                                       const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r);
}
prometheus::Counter& OneCounter(prometheus::Registry& r, const std::string& name, const std::string& help) {
  return CounterFamily(r, name, help).Add({});
}
prometheus::Gauge& OneGauge(prometheus::Registry& r, const std::string& name, const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r).Add({});
}
prometheus::Family<prometheus::Histogram>& HistogramFamily(prometheus::Registry& r, const std::string& name,
                                                           const std::string& help) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(r);
}

}  // namespace

ControllerMetrics::ControllerMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      decisions_(
          CounterFamily(*registry_, "joinguard_csr_decisions_total",
                        "CSR decisions by signer, decision (approve, deny, pending), reason code and mode.")),
      latency_(HistogramFamily(*registry_, "joinguard_csr_decision_latency_seconds",
                               "Time from CSR creationTimestamp to the decision being written.")),
      pending_(OneGauge(*registry_, "joinguard_csr_pending",
                        "CSRs for the handled signers that have no Approved or Denied condition.")),
      watch_restarts_(CounterFamily(*registry_, "joinguard_watch_restarts_total",
                                    "Watches re-established by the informers, by resource.")),
      leader_(OneGauge(*registry_, "joinguard_leader",
                       "Whether this replica holds the leader lease, or runs without leader election (1 = "
                       "yes, 0 = no).")),
      policy_reloads_(CounterFamily(*registry_, "joinguard_policy_reloads_total",
                                    "Policy file loads by result (success, error).")),
      policy_last_reload_ok_(
          OneGauge(*registry_, "joinguard_policy_last_reload_successful",
                   "1 when the last policy file load succeeded (or no policy file is used), "
                   "0 while a rejected edit is in the file and the last good policy is kept.")),
      policy_generation_(OneGauge(*registry_, "joinguard_policy_generation",
                                  "Generation of the policy in force; bumped on each accepted reload.")),
      reconcile_errors_(OneCounter(*registry_, "joinguard_reconcile_errors_total",
                                   "Reconciles that failed with an error and were requeued.")),
      reconcile_total_(CounterFamily(*registry_, "joinguard_reconcile_total",
                                     "Reconciles by result (success, error, requeue).")),
      autoapprove_binding_(
          OneGauge(*registry_, "joinguard_autoapprove_binding_present",
                   "1 when ClusterRoleBinding kubeadm:node-autoapprove-bootstrap exists: "
                   "kube-controller-manager then approves bootstrap CSRs before joinguard decides.")),
      queue_depth_(OneGauge(*registry_, "joinguard_workqueue_depth", "Items ready in the work queue.")),
      brake_trips_(CounterFamily(
          *registry_, "joinguard_rate_brake_trips_total",
          "CSRs left pending by a rate brake, by brake (token-window, pending-per-requester).")),
      join_admissions_(CounterFamily(*registry_, "joinguard_join_grant_admissions_total",
                                     "Join-grant gate answers for bootstrap CSRs, by result (allow, deny, "
                                     "pending, retry) and reason.")) {
  // Pre-create the label sets operators alert on, so they exist at zero.
  for (const char* r : {"success", "error"}) policy_reloads_.Add({{"result", r}});
  policy_last_reload_ok_.Set(1);
  // The resources Manager reports watch restarts for (so dashboards see 0, not "no data").
  for (const char* r : {"certificatesigningrequests", "nodes"}) watch_restarts_.Add({{"resource", r}});
  for (const char* r : {"success", "error", "requeue"}) reconcile_total_.Add({{"result", r}});
}

void ControllerMetrics::RecordDecision(std::string_view signer, std::string_view decision,
                                       std::string_view reason, std::string_view mode,
                                       std::chrono::duration<double> latency) {
  decisions_
      .Add({{"signer", std::string(signer)},
            {"decision", std::string(decision)},
            {"reason", std::string(reason)},
            {"mode", std::string(mode)}})
      .Increment();
  latency_.Add({{"decision", std::string(decision)}, {"mode", std::string(mode)}}, LatencyBuckets())
      .Observe(std::max(0.0, latency.count()));
}

void ControllerMetrics::SetPending(double n) { pending_.Set(n); }
void ControllerMetrics::IncWatchRestarts(std::string_view resource, double n) {
  if (n > 0) watch_restarts_.Add({{"resource", std::string(resource)}}).Increment(n);
}
void ControllerMetrics::SetLeader(bool leader) { leader_.Set(leader ? 1 : 0); }
void ControllerMetrics::RecordPolicyReload(bool ok) {
  policy_reloads_.Add({{"result", ok ? "success" : "error"}}).Increment();
  policy_last_reload_ok_.Set(ok ? 1 : 0);
}
void ControllerMetrics::SetPolicyGeneration(int64_t generation) {
  policy_generation_.Set(static_cast<double>(generation));
}
void ControllerMetrics::RecordReconcile(std::string_view result) {
  reconcile_total_.Add({{"result", std::string(result)}}).Increment();
  if (result == "error") reconcile_errors_.Increment();
}
void ControllerMetrics::SetAutoapproveBindingPresent(bool present) {
  autoapprove_binding_.Set(present ? 1 : 0);
}
void ControllerMetrics::SetQueueDepth(double n) { queue_depth_.Set(n); }

std::string ControllerMetrics::SerializeForTest() const {
  prometheus::TextSerializer s;
  std::ostringstream out;
  s.Serialize(out, registry_->Collect());
  return out.str();
}

StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Create(const std::string& address,
                                                               const ControllerMetrics& metrics) {
  std::unique_ptr<MetricsServer> server(new MetricsServer());
  HttpServerOptions options;
  options.address = address;
  options.flag = "--metrics-address";
  std::shared_ptr<prometheus::Registry> registry = metrics.registry();
  JG_ASSIGN_OR_RETURN(server->server_,
                      HttpServer::Create(std::move(options), [registry](const std::string& path) {
                        HttpResponse r;
                        if (path != "/metrics") {
                          r.code = 404;
                          r.body = "not found; metrics are at /metrics\n";
                          return r;
                        }
                        // The content type prometheus-cpp's Exposer sends (text format 0.0.4).
                        r.content_type = "text/plain; version=0.0.4; charset=utf-8";
                        std::ostringstream out;
                        prometheus::TextSerializer().Serialize(out, registry->Collect());
                        r.body = out.str();
                        return r;
                      }));
  return server;
}

MetricsServer::~MetricsServer() = default;
int MetricsServer::port() const { return server_->port(); }
std::size_t MetricsServer::open_connections() const { return server_->open_connections(); }

void ControllerMetrics::RecordBrakeTrip(std::string_view brake) {
  brake_trips_.Add({{"brake", std::string(brake)}}).Increment();
}

void ControllerMetrics::RecordJoinAdmission(std::string_view result, std::string_view reason) {
  join_admissions_.Add({{"result", std::string(result)}, {"reason", std::string(reason)}}).Increment();
}

}  // namespace joinguard::controller
