// The manager owns start order (controller-runtime): servers → caches synced → leader-gated
// workers; it exits when the lease is lost and shuts down in reverse order on stop.
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "common/kube/client.h"
#include "common/runtime/clock.h"
#include "common/runtime/logger.h"
#include "common/status/status.h"
#include "controller/join_gate.h"
#include "controller/policy/checks.h"

namespace joinguard::controller {

inline constexpr std::string_view kAutoapproveBindingName = "kubeadm:node-autoapprove-bootstrap";

class ControllerMetrics;
class PolicyProvider;

// What a JoinGate needs from the manager: the API client, the policy in force (reloaded),
// the metrics and the write fence (leader election).
struct JoinGateParts {
  kube::Client* client = nullptr;
  const PolicyProvider* policy = nullptr;
  ControllerMetrics* metrics = nullptr;
  std::function<bool()> may_write;
};

struct ManagerOptions {
  std::string metrics_address = "0.0.0.0:8080";
  std::string health_address = "0.0.0.0:8081";
  std::string policy_file;  // "" = built-in defaults
  std::chrono::milliseconds policy_poll_interval{std::chrono::seconds(2)};
  bool dry_run = false;
  bool allow_insecure_policy = false;  // --allow-insecure-policy (controller/policy/insecure.h)
  int workers = 2;

  bool leader_elect = false;
  std::string lease_namespace = "joinguard-system";
  std::string lease_name = "joinguard-controller";
  std::string identity;
  std::chrono::milliseconds lease_duration{std::chrono::seconds(15)};
  std::chrono::milliseconds renew_deadline{std::chrono::seconds(10)};
  std::chrono::milliseconds retry_period{std::chrono::seconds(2)};

  // How long the Events still queued at shutdown are written before the rest is given up
  // (kube::EventRecorderImpl::Stop); part of the --shutdown-timeout budget.
  std::chrono::milliseconds event_flush_deadline{std::chrono::seconds(5)};

  std::chrono::milliseconds housekeeping_interval{std::chrono::seconds(2)};
  std::chrono::milliseconds autoapprove_check_interval{std::chrono::seconds(60)};
  std::FILE* audit_out = stdout;
  // Addresses the API server is reached at (serving CSRs may not claim them).
  std::vector<std::string> api_server_addresses;
  // Optional, not owned: join grants / rate brakes (controller/join_gate.h).
  JoinGate* join_gate = nullptr;
  // Optional: builds the JoinGate from the manager's own parts (used instead of join_gate
  // when set; the manager owns the result).
  std::function<StatusOr<std::unique_ptr<JoinGate>>(const JoinGateParts&)> join_gate_factory;
  // Optional, not owned: checks for kubelet-serving CSRs; null = policy::ServingChecks().
  const std::vector<policy::Check>* serving_checks = nullptr;
};

class Manager {
 public:
  // Builds everything and starts the metrics and health servers (their bound ports are
  // logged). `client` must outlive the manager.
  static StatusOr<std::unique_ptr<Manager>> Create(kube::Client& client, ManagerOptions options,
                                                   const runtime::Clock& clock,
                                                   const runtime::Logger& logger);
  ~Manager();
  // Runs until `stop` fires (OK) or the leader lease is lost (kAborted: restart the process).
  Status Run(std::stop_token stop);

  int metrics_port() const;
  int health_port() const;

  struct Impl;

 private:
  explicit Manager(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace joinguard::controller
