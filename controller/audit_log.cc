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

StatusOr<std::unique_ptr<AuditLog>> AuditLog::Create(std::FILE* out, size_t capacity) {
  if (out == nullptr) return InvalidArgumentError("audit log: no output");
  std::unique_ptr<AuditLog> log(new AuditLog(out));
  AuditLog* self = log.get();
  runtime::AsyncSinkOptions o;
  o.capacity = capacity;
  JG_ASSIGN_OR_RETURN(log->sink_,
                      runtime::AsyncSink<AuditRecord>::Create(o, [self](std::vector<AuditRecord>&& batch) {
                        std::string text;
                        for (const AuditRecord& r : batch) text += Format(r) + "\n";
                        std::fwrite(text.data(), 1, text.size(), self->out_);
                        std::fflush(self->out_);
                      }));
  return log;
}

AuditLog::~AuditLog() { Stop(); }

void AuditLog::Write(AuditRecord r) { sink_->Submit(std::move(r)); }

bool AuditLog::Flush(std::chrono::nanoseconds timeout) { return sink_->WaitIdle(timeout); }

void AuditLog::Stop() { sink_->Stop(); }

uint64_t AuditLog::dropped() const { return sink_->Stats().dropped; }

}  // namespace joinguard::controller
