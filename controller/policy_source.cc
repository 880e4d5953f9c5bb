#include "controller/policy_source.h"

#include "common/runtime/stop.h"
#include "controller/policy/insecure.h"

namespace joinguard::controller {
namespace {

// Parses and, unless allowed, refuses a policy that would approve insecurely.
StatusOr<policy::Policy> ParseAndVet(const std::string& content, const PolicyFileOptions& options,
                                     const runtime::Logger& logger) {
  JG_ASSIGN_OR_RETURN(policy::Policy p, policy::ParsePolicyYaml(content));
  JG_RETURN_IF_ERROR(policy::CheckPolicyIsSecure(p, options.allow_insecure));
  if (auto insecure = policy::FindInsecureSettings(p); !insecure.empty()) {
    logger.Warning("running with an insecure policy (--allow-insecure-policy)",
                   {{"file", options.path}, {"settings", policy::DescribeInsecureSettings(insecure)}});
  }
  return p;
}

}  // namespace

StaticPolicyProvider::StaticPolicyProvider(policy::Policy p) {
  if (p.generation == 0) p.generation = 1;
  policy_ = std::make_shared<const policy::Policy>(std::move(p));
}

PolicyFileProvider::PolicyFileProvider(PolicyFileOptions options, ControllerMetrics& metrics,
                                       const runtime::Logger& logger)
    : options_(std::move(options)), metrics_(metrics), logger_(logger) {}

StatusOr<std::unique_ptr<PolicyFileProvider>> PolicyFileProvider::Create(PolicyFileOptions options,
                                                                         ControllerMetrics& metrics,
                                                                         const runtime::Logger& logger) {
  std::unique_ptr<PolicyFileProvider> p(new PolicyFileProvider(std::move(options), metrics, logger));
  JG_ASSIGN_OR_RETURN(std::string content, policy::ReadPolicyFile(p->options_.path));
  StatusOr<policy::Policy> parsed = ParseAndVet(content, p->options_, logger);
  if (!parsed.ok()) {
    metrics.RecordPolicyReload(false);
    return parsed.status().Annotate("policy file \"" + p->options_.path + "\"");
  }
  parsed->generation = ++p->generation_;
  p->current_ = std::make_shared<const policy::Policy>(std::move(*parsed));
  p->last_content_ = std::move(content);
  metrics.RecordPolicyReload(true);
  metrics.SetPolicyGeneration(p->generation_);
  logger.Info("policy loaded", {{"file", p->options_.path},
                                {"policy", p->current_->name},
                                {"generation", std::to_string(p->generation_)},
                                {"mode", std::string(policy::ModeName(p->current_->mode))}});
  return p;
}

PolicyFileProvider::~PolicyFileProvider() { Stop(); }

std::shared_ptr<const policy::Policy> PolicyFileProvider::Current() const {
  std::lock_guard<std::mutex> l(mu_);
  return current_;
}

Status PolicyFileProvider::ReloadIfChanged() {
  StatusOr<std::string> content = policy::ReadPolicyFile(options_.path);
  if (!content.ok()) {
    // During a ConfigMap symlink swap the file can vanish for an instant; keep the last good
    // policy and try again at the next poll. Count it only once per distinct state.
    std::lock_guard<std::mutex> l(mu_);
    if (!last_content_.empty()) {
      last_content_.clear();
      metrics_.RecordPolicyReload(false);
      logger_.Error("policy file unreadable; keeping the last good policy",
                    {{"file", options_.path}, {"error", content.status().message()}});
    }
    return content.status();
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    if (*content == last_content_) return OkStatus();
    last_content_ = *content;
  }
  StatusOr<policy::Policy> parsed = ParseAndVet(*content, options_, logger_);
  if (!parsed.ok()) {
    metrics_.RecordPolicyReload(false);
    std::shared_ptr<const policy::Policy> kept = Current();
    logger_.Error("policy reload rejected; keeping the last good policy",
                  {{"file", options_.path},
                   {"error", parsed.status().message()},
                   {"kept_generation", std::to_string(kept->generation)}});
    return parsed.status().Annotate("policy file \"" + options_.path + "\"");
  }
  std::shared_ptr<const policy::Policy> next;
  {
    std::lock_guard<std::mutex> l(mu_);
    parsed->generation = ++generation_;
    next = std::make_shared<const policy::Policy>(std::move(*parsed));
    current_ = next;
  }
  metrics_.RecordPolicyReload(true);
  metrics_.SetPolicyGeneration(next->generation);
  logger_.Info("policy reloaded", {{"file", options_.path},
                                   {"policy", next->name},
                                   {"generation", std::to_string(next->generation)},
                                   {"mode", std::string(policy::ModeName(next->mode))}});
  if (options_.on_change) options_.on_change(*next);
  return OkStatus();
}

void PolicyFileProvider::Start() {
  if (thread_.joinable()) return;
  thread_ = std::jthread([this](std::stop_token stop) {
    while (runtime::WaitFor(stop, options_.poll_interval)) {
      ReloadIfChanged().IgnoreError();
    }
  });
}

void PolicyFileProvider::Stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

}  // namespace joinguard::controller
