#include "controller/audit_log.h"

#include <nlohmann/json.hpp>

namespace joinguard::controller {

std::string AuditLog::Format(const AuditRecord& r) {
  nlohmann::ordered_json j;
  j["ts"] = r.time;
  j["audit"] = "csr-decision";
  j["csr"] = r.csr;
  j["uid"] = r.uid;
  j["signer"] = r.signer;
  j["requester"] = r.requester;
  j["groups"] = r.groups;
  j["flow"] = r.flow;
  j["node"] = r.node;
  j["tokenId"] = r.token_id;
  j["keyType"] = r.key_type;
  j["decision"] = r.decision;
  j["reason"] = r.reason;
  j["check"] = r.check;
  j["message"] = r.message;
  j["mode"] = r.mode;
  j["dryRun"] = r.dry_run;
  j["policy"] = r.policy;
  j["policyGeneration"] = r.policy_generation;
  j["latencySeconds"] = r.latency_seconds;
  // Replace invalid UTF-8 (a CN can carry anything) instead of throwing.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void AuditLog::Write(const AuditRecord& r) {
  std::string line = Format(r) + "\n";
  std::lock_guard<std::mutex> l(mu_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace joinguard::controller
