// Watches CertificateSigningRequests (admin identity) and timestamps, per CSR, when it was
// first seen (ADDED) and when it first carried an Approved or Denied condition.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "common/kube/client.h"
#include "tests/bench/controller/bench_util.h"

namespace joinguard::bench {

struct CsrTrack {
  Clock::time_point seen{};
  Clock::time_point decided{};
  bool is_decided = false;
  bool approved = false;
};

class DecisionWatcher {
 public:
  explicit DecisionWatcher(kube::Client& client) : client_(client) {}
  ~DecisionWatcher() { Stop(); }

  // Lists (CSRs already present count as seen now), then watches from the list's version.
  Status Start();
  void Stop();

  // Waits until `count` CSRs are decided or `deadline` passes.
  bool WaitForDecided(size_t count, Clock::time_point deadline);
  size_t decided() const;
  std::optional<CsrTrack> Get(const std::string& name) const;
  void Forget(const std::string& name);
  std::vector<std::pair<std::string, CsrTrack>> Snapshot() const;
  int watch_restarts() const { return restarts_.load(); }
  std::string last_error() const;

 private:
  void Run(std::stop_token stop);
  void OnObject(const kube::Json& obj, Clock::time_point now);

  kube::Client& client_;
  std::string resource_version_;  // watch thread only (and Start before it runs)
  std::atomic<int> restarts_{0};
  mutable std::mutex mu_;  // guards tracks_, decided_, last_error_
  std::condition_variable cv_;
  std::map<std::string, CsrTrack> tracks_;
  size_t decided_ = 0;
  std::string last_error_;
  std::jthread thread_;
};

}  // namespace joinguard::bench
