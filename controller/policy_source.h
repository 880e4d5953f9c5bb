// The policy in force, and its hot reload from a file (a mounted ConfigMap changes by an
// atomic ..data symlink swap, so the file's *content* is compared, not its inode or mtime).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

#include "common/runtime/logger.h"
#include "common/status/status.h"
#include "controller/metrics.h"
#include "controller/policy/policy.h"

namespace joinguard::controller {

class PolicyProvider {
 public:
  virtual ~PolicyProvider() = default;
  // The policy in force (never null). Thread-safe; the returned policy is immutable.
  virtual std::shared_ptr<const policy::Policy> Current() const = 0;
};

// A fixed policy (no file), e.g. the defaults or a test's policy.
class StaticPolicyProvider final : public PolicyProvider {
 public:
  explicit StaticPolicyProvider(policy::Policy p);
  std::shared_ptr<const policy::Policy> Current() const override { return policy_; }

 private:
  std::shared_ptr<const policy::Policy> policy_;
};

struct PolicyFileOptions {
  std::string path;
  std::chrono::milliseconds poll_interval{std::chrono::seconds(2)};
  // Called (on the watcher thread) after a new policy was accepted, e.g. to requeue CSRs.
  std::function<void(const policy::Policy&)> on_change;
  // --allow-insecure-policy: accept a policy with insecure settings (policy/insecure.h), with a
  // warning. Without it such a policy is refused at startup and on reload.
  bool allow_insecure = false;
};

class PolicyFileProvider final : public PolicyProvider {
 public:
  // Loads the file once; an invalid or missing file at startup is an error (no last good one).
  static StatusOr<std::unique_ptr<PolicyFileProvider>> Create(PolicyFileOptions options,
                                                              ControllerMetrics& metrics,
                                                              const runtime::Logger& logger);
  ~PolicyFileProvider();

  std::shared_ptr<const policy::Policy> Current() const override;

  // Starts polling on an owned thread.
  void Start();
  void Stop();
  // Checks the file once now: unchanged → OK; changed and valid → swapped in; invalid →
  // error logged and counted, last good policy kept, the error returned.
  Status ReloadIfChangedForTest() { return ReloadIfChanged(); }

 private:
  PolicyFileProvider(PolicyFileOptions options, ControllerMetrics& metrics, const runtime::Logger& logger);
  Status ReloadIfChanged();

  const PolicyFileOptions options_;
  ControllerMetrics& metrics_;
  const runtime::Logger& logger_;

  mutable std::mutex mu_;  // guards current_, last_content_, generation_
  std::shared_ptr<const policy::Policy> current_;
  std::string last_content_;  // content of the last file seen (good or bad)
  int64_t generation_ = 0;

  std::jthread thread_;
};

}  // namespace joinguard::controller
