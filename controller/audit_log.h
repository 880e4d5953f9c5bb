// One structured JSON line per decision on stdout. The CSR cleaner deletes decided CSRs about an
// hour after the decision (kubernetes/kubernetes pkg/controller/certificates/cleaner/
// cleaner.go), so these lines are the operator's trail. They never contain a token secret or
// key material.
//
// Off the decision path: Write() queues the record on a bounded AsyncSink (common/runtime/
// async_sink.h) and returns; one thread formats and writes. When the queue is full the oldest
// record is dropped and counted (dropped()); Stop() writes everything still queued.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "common/runtime/async_sink.h"
#include "common/status/status.h"

namespace joinguard::controller {

// Audit records queued at most before the oldest is dropped.
inline constexpr size_t kAuditQueueCapacity = 8192;

struct AuditRecord {
  std::string time;  // RFC 3339
  std::string csr;
  std::string uid;
  std::string signer;
  std::string requester;
  std::vector<std::string> groups;
  std::string flow;      // bootstrap | renewal | other
  std::string node;      // node name from the CN ("" if none)
  std::string token_id;  // from system:bootstrap:<id> ("" otherwise)
  std::string key_type;  // "ECDSA P-256"
  std::string decision;  // approve | deny | pending
  std::string reason;
  std::string message;
  std::string check;
  std::string mode;  // enforce | dry-run
  bool dry_run = false;
  std::string policy;
  int64_t policy_generation = 0;
  double latency_seconds = 0;
};

class AuditLog {
 public:
  // `out` must outlive the log (or its Stop()).
  static StatusOr<std::unique_ptr<AuditLog>> Create(std::FILE* out, size_t capacity = kAuditQueueCapacity);
  ~AuditLog();

  // Queues the record; never blocks on the output.
  void Write(AuditRecord r);
  // Waits until every record written so far is on `out` (tests, shutdown); false on timeout.
  bool Flush(std::chrono::nanoseconds timeout);
  // Writes what is queued and stops the writer thread. Idempotent.
  void Stop();
  uint64_t dropped() const;

  static std::string Format(const AuditRecord& r);

 private:
  explicit AuditLog(std::FILE* out) : out_(out) {}
  std::FILE* out_;
  std::unique_ptr<runtime::AsyncSink<AuditRecord>> sink_;
};

}  // namespace joinguard::controller
