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

}  // namespace

ControllerMetrics::ControllerMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      decisions_(
          prometheus::BuildCounter()
              .Name("joinguard_csr_decisions_total")
              .Help("CSR decisions by signer, decision (approve, deny, pending), reason code and mode.")
              .Register(*registry_)),
      latency_(prometheus::BuildHistogram()
                   .Name("joinguard_csr_decision_latency_seconds")
                   .Help("Time from CSR creationTimestamp to the decision being written.")
                   .Register(*registry_)),
      pending_(prometheus::BuildGauge()
                   .Name("joinguard_csr_pending")
                   .Help("CSRs for the handled signers that have no Approved or Denied condition.")
                   .Register(*registry_)
                   .Add({})),
      watch_restarts_(prometheus::BuildCounter()
                          .Name("joinguard_watch_restarts_total")
                          .Help("Watches re-established by the informers, by resource.")
                          .Register(*registry_)),
      leader_(prometheus::BuildGauge()
                  .Name("joinguard_leader")
                  .Help("Whether this replica holds the leader lease, or runs without leader election (1 = "
                        "yes, 0 = no).")
                  .Register(*registry_)
                  .Add({})),
      policy_reloads_(prometheus::BuildCounter()
                          .Name("joinguard_policy_reloads_total")
                          .Help("Policy file loads by result (success, error).")
                          .Register(*registry_)),
      policy_last_reload_ok_(
          prometheus::BuildGauge()
              .Name("joinguard_policy_last_reload_successful")
              .Help("1 when the last policy file load succeeded (or no policy file is used), "
                    "0 while a rejected edit is in the file and the last good policy is kept.")
              .Register(*registry_)
              .Add({})),
      policy_generation_(prometheus::BuildGauge()
                             .Name("joinguard_policy_generation")
                             .Help("Generation of the policy in force; bumped on each accepted reload.")
                             .Register(*registry_)
                             .Add({})),
      reconcile_errors_(prometheus::BuildCounter()
                            .Name("joinguard_reconcile_errors_total")
                            .Help("Reconciles that failed with an error and were requeued.")
                            .Register(*registry_)
                            .Add({})),
      reconcile_total_(prometheus::BuildCounter()
                           .Name("joinguard_reconcile_total")
                           .Help("Reconciles by result (success, error, requeue).")
                           .Register(*registry_)),
      autoapprove_binding_(
          prometheus::BuildGauge()
              .Name("joinguard_autoapprove_binding_present")
              .Help("1 when ClusterRoleBinding kubeadm:node-autoapprove-bootstrap exists: "
                    "kube-controller-manager then approves bootstrap CSRs before joinguard decides.")
              .Register(*registry_)
              .Add({})),
      queue_depth_(prometheus::BuildGauge()
                       .Name("joinguard_workqueue_depth")
                       .Help("Items ready in the work queue.")
                       .Register(*registry_)
                       .Add({})) {
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
