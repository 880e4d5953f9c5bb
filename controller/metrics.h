// The controller's Prometheus metrics (namespace joinguard_). One instance, created in main and
// passed by reference; the registry is exposed by the metrics server (prometheus-cpp pull).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "common/status/status.h"

namespace joinguard::controller {

class HttpServer;

class ControllerMetrics {
 public:
  ControllerMetrics();

  // decision: approve | deny | pending; mode: enforce | dry-run.
  void RecordDecision(std::string_view signer, std::string_view decision, std::string_view reason,
                      std::string_view mode, std::chrono::duration<double> latency);
  void SetPending(double n);
  void IncWatchRestarts(std::string_view resource, double n = 1);
  void SetLeader(bool leader);
  // Also sets joinguard_policy_last_reload_successful (as Prometheus' own
  // prometheus_config_last_reload_successful): the alert condition for a broken policy edit.
  void RecordPolicyReload(bool ok);
  void SetPolicyGeneration(int64_t generation);
  // result: success | error | requeue.
  void RecordReconcile(std::string_view result);
  void SetAutoapproveBindingPresent(bool present);
  void SetQueueDepth(double n);

  // Join grants and rate brakes (controller/grants). brake: token-window | pending-per-requester.
  void RecordBrakeTrip(std::string_view brake);
  // result: allow | deny | pending | retry; reason: the JoinAdmission reason ("" for allow).
  void RecordJoinAdmission(std::string_view result, std::string_view reason);

  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }
  // Test/inspection helper: the text exposition of every metric.
  std::string SerializeForTest() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& decisions_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Gauge& pending_;
  prometheus::Family<prometheus::Counter>& watch_restarts_;
  prometheus::Gauge& leader_;
  prometheus::Family<prometheus::Counter>& policy_reloads_;
  prometheus::Gauge& policy_last_reload_ok_;
  prometheus::Gauge& policy_generation_;
  prometheus::Counter& reconcile_errors_;
  prometheus::Family<prometheus::Counter>& reconcile_total_;
  prometheus::Gauge& autoapprove_binding_;
  prometheus::Gauge& queue_depth_;
  prometheus::Family<prometheus::Counter>& brake_trips_;
  prometheus::Family<prometheus::Counter>& join_admissions_;
};

// The pull endpoint: GET /metrics in the Prometheus text format. `address` is "host:port"
// (port 0 = OS-assigned). Served by HttpServer (concurrent, read timeout, connection cap)
// rather than prometheus-cpp's civetweb Exposer, whose fixed thread pool is held by idle
// keep-alive connections until civetweb's request timeout.
class MetricsServer {
 public:
  static StatusOr<std::unique_ptr<MetricsServer>> Create(const std::string& address,
                                                         const ControllerMetrics& metrics);
  ~MetricsServer();
  int port() const;
  std::size_t open_connections() const;

 private:
  MetricsServer() = default;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace joinguard::controller
