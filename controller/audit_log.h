// One structured JSON line per decision on stdout: the CSR garbage collector deletes decided
// CSRs after an hour (reference/approvers.md §1.5), so this is the durable record. It never
// contains a token secret or key material.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

namespace joinguard::controller {

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
  explicit AuditLog(std::FILE* out = stdout) : out_(out) {}
  void Write(const AuditRecord& r);
  static std::string Format(const AuditRecord& r);

 private:
  std::FILE* out_;
  std::mutex mu_;  // serialises lines
};

}  // namespace joinguard::controller
