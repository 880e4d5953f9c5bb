#include "controller/grants/grant_gate.h"

#include <algorithm>

#include "common/grants/join_grant.h"
#include "common/grants/validation.h"
#include "common/kube/api_error.h"
#include "common/text/enum_names.h"

namespace joinguard::controller::grants {
namespace {

using joinguard::grants::JoinClaim;
using joinguard::grants::JoinGrant;
using Kind = JoinAdmission::Kind;

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

JoinAdmission Deny(std::string_view reason, std::string message, const std::string& grant = "") {
  JoinAdmission a;
  a.kind = Kind::kDeny;
  a.reason = std::string(reason);
  a.message = std::move(message);
  a.grant = grant;
  return a;
}

JoinAdmission Retry(Status status) {
  JoinAdmission a;
  a.kind = Kind::kRetry;
  a.reason = "Retry";
  a.message = status.message();
  a.status = std::move(status);
  return a;
}

JoinAdmission Pending(const BrakeTrip& trip) {
  JoinAdmission a;
  a.kind = Kind::kLeavePending;
  a.reason = std::string(trip.reason);
  a.message = trip.message;
  a.retry_after = trip.retry_after;
  return a;
}

JoinAdmission Allow(const std::string& grant, bool allow_rejoin, std::string message) {
  JoinAdmission a;
  a.kind = Kind::kAllow;
  a.grant = grant;
  a.allow_rejoin = allow_rejoin;
  a.message = std::move(message);
  return a;
}

std::string JoinNames(const std::vector<std::string>& names) {
  if (names.empty()) return "none";
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
  return out;
}

std::string NewTokenAdvice(std::string_view node) {
  return "create a token for it with: joinguard-node token create --node-names " + std::string(node);
}

void RemoveClaim(JoinGrant& g, const std::string& csr_uid) {
  auto& claims = g.status.claims;
  auto it =
      std::find_if(claims.begin(), claims.end(), [&](const JoinClaim& c) { return c.csr_uid == csr_uid; });
  if (it == claims.end()) return;
  std::string node = it->node_name;
  claims.erase(it);
  g.status.joins = std::max(0, g.status.joins - 1);
  bool still =
      std::any_of(claims.begin(), claims.end(), [&](const JoinClaim& c) { return c.node_name == node; });
  if (!still) {
    auto& names = g.status.joined_nodes;
    names.erase(std::remove(names.begin(), names.end(), node), names.end());
  }
}

}  // namespace

std::string_view AdmissionResultName(JoinAdmission::Kind kind) {
  static constexpr std::string_view kNames[] = {"allow", "deny", "pending", "retry"};
  return text::EnumName(kind, kNames, "unknown");
}

StatusOr<std::unique_ptr<GrantGate>> GrantGate::Create(GrantGateDeps deps, GrantGateOptions options) {
  if (!deps.client || !deps.policy || !deps.clock || !deps.logger) {
    return InvalidArgumentError("GrantGate: client, policy, clock and logger are required");
  }
  if (options.max_conflict_retries < 1)
    return InvalidArgumentError("GrantGate: max_conflict_retries must be >= 1");
  return std::unique_ptr<GrantGate>(new GrantGate(std::move(deps), options));
}

JoinAdmission GrantGate::Admit(const JoinRequest& request) {
  JoinAdmission a = AdmitUnmetered(request);
  if (d_.metrics) {
    d_.metrics->RecordJoinAdmission(AdmissionResultName(a.kind), a.kind == Kind::kAllow ? "" : a.reason);
    if (a.kind == Kind::kLeavePending) {
      d_.metrics->RecordBrakeTrip(a.reason == kReasonTokenRateLimited ? kBrakeTokenWindow
                                                                      : kBrakePendingPerRequester);
    }
  }
  runtime::LogFields fields = {{"csr", request.csr_name},
                               {"node", request.node_name},
                               {"token", request.token_id},
                               {"result", std::string(AdmissionResultName(a.kind))}};
  if (!a.reason.empty()) fields.emplace_back("reason", a.reason);
  if (!a.grant.empty()) fields.emplace_back("grant", a.grant);
  d_.logger->Debug("join gate", fields);
  return a;
}

JoinAdmission GrantGate::AdmitUnmetered(const JoinRequest& request) {
  std::shared_ptr<const policy::Policy> p = d_.policy->Current();
  if (auto trip = RateBrakes::CheckPending(request.requester, request.pending_from_requester, p->brakes)) {
    return Pending(*trip);
  }
  if (p->grants.access_review) {
    JoinAdmission sar = CheckAccessReview(request, *p->grants.access_review);
    if (sar.kind != Kind::kAllow) return sar;
  }
  return Reserve(request, *p);
}

JoinAdmission GrantGate::CheckAccessReview(const JoinRequest& request, const policy::AccessReviewRule& rule) {
  kube::SubjectAccessReview review;
  review.user = request.requester;
  review.groups = request.groups;
  review.uid = request.requester_uid;
  kube::ResourceAttributes attrs;
  attrs.verb = rule.verb;
  attrs.group = rule.group;
  attrs.resource = rule.resource;
  attrs.subresource = rule.subresource;
  review.resource_attributes = attrs;
  auto result = d_.client->CreateSubjectAccessReview(review);
  if (!result.ok()) return Retry(result.status().Annotate("SubjectAccessReview for " + request.requester));
  if (result->allowed) return Allow("", false, "");
  std::string what = rule.verb + " " + rule.resource +
                     (rule.subresource.empty() ? "" : "/" + rule.subresource) +
                     (rule.group.empty() ? "" : " in API group " + rule.group);
  return Deny(
      reason::kAccessReviewDenied,
      "RBAC does not allow " + Quote(request.requester) + " to " + what +
          (result->reason.empty() ? "" : " (" + result->reason + ")") +
          ", which the policy's joinGrants.accessReview requires of bootstrap requesters; bind a role "
          "granting it to the token's group, or remove accessReview from the policy");
}

JoinAdmission GrantGate::Reserve(const JoinRequest& request, const policy::Policy& p) {
  const std::string& token = request.token_id;
  const std::string& node = request.node_name;
  for (int attempt = 0; attempt < options_.max_conflict_retries; ++attempt) {
    auto raw = d_.client->GetRaw(joinguard::grants::kJoinGrants, "", token);
    if (!raw.ok() && kube::IsNotFound(raw.status())) {
      if (p.grants.without_grant == policy::UngrantedTokens::kRefuse) {
        return Deny(
            reason::kNoJoinGrant,
            "bootstrap token " + Quote(token) +
                " has no JoinGrant, and the policy admits only granted tokens (joinGrants.withoutGrant: "
                "refuse); " +
                NewTokenAdvice(node) + ", or create a JoinGrant named " + Quote(token));
      }
      if (request.name_already_joined) {
        return Deny(
            reason::kNodeAlreadyJoined,
            "node " + Quote(node) + " already joined through a bootstrap token (NodeJoin " + Quote(node) +
                " exists) and token " + Quote(token) +
                " has no JoinGrant allowing a re-join; to re-join it, create a token with --node-names " +
                node + " --allow-rejoin, or release the name with kubectl delete nodejoin " + node);
      }
      if (auto trip = brakes_.TryTake(token, request.csr_uid, p.brakes)) return Pending(*trip);
      return Allow("", false,
                   "token " + Quote(token) +
                       " has no JoinGrant; decided by the global rules (joinGrants.withoutGrant: "
                       "global-rules)");
    }
    if (!raw.ok()) return Retry(raw.status().Annotate("reading JoinGrant " + Quote(token)));
    auto decoded = kube::Decode<JoinGrant>(*raw);
    if (!decoded.ok()) {
      return Deny(reason::kJoinGrantInvalid,
                  "JoinGrant " + Quote(token) + " cannot be read: " + decoded.status().message() +
                      "; fix it with kubectl edit joingrant " + token,
                  token);
    }
    JoinGrant g = std::move(*decoded);
    if (Status v = joinguard::grants::ValidateJoinGrant(g); !v.ok()) {
      return Deny(reason::kJoinGrantInvalid,
                  "JoinGrant " + Quote(token) + " is invalid: " + v.message() +
                      "; fix it with kubectl edit joingrant " + token,
                  token);
    }
    const auto& claims = g.status.claims;
    if (std::any_of(claims.begin(), claims.end(),
                    [&](const JoinClaim& c) { return c.csr_uid == request.csr_uid; })) {
      // This CSR already holds a use (an earlier Admit whose approval was not written yet).
      return Allow(token, g.spec.allow_rejoin, "JoinGrant " + Quote(token) + " already counts this CSR");
    }
    if (joinguard::grants::IsExpired(g, d_.clock->Now())) {
      return Deny(reason::kJoinGrantExpired,
                  "JoinGrant " + Quote(token) + " expired at " + kube::FormatTime(*g.spec.expires) + "; " +
                      NewTokenAdvice(node),
                  token);
    }
    auto matcher = joinguard::grants::NameMatcher::Create(g.spec);
    if (!matcher.ok()) return Deny(reason::kJoinGrantInvalid, matcher.status().message(), token);
    if (!matcher->Covers(node)) {
      std::string granted =
          "names [" + JoinNames(g.spec.node_names) + "]" +
          (g.spec.node_name_pattern.empty() ? "" : " and pattern " + Quote(g.spec.node_name_pattern));
      return Deny(reason::kNodeNameNotGranted,
                  "bootstrap token " + Quote(token) + " is granted " + granted + ", not node " + Quote(node) +
                      "; join with a granted name, or " + NewTokenAdvice(node),
                  token);
    }
    bool joined_here = std::find(g.status.joined_nodes.begin(), g.status.joined_nodes.end(), node) !=
                       g.status.joined_nodes.end();
    if ((request.name_already_joined || joined_here) && !g.spec.allow_rejoin) {
      return Deny(
          reason::kNodeAlreadyJoined,
          "node " + Quote(node) + " already joined through a bootstrap token" +
              (joined_here ? " (this token, JoinGrant " + Quote(token) + ")"
                           : " (NodeJoin " + Quote(node) + " exists)") +
              " and JoinGrant " + Quote(token) +
              " does not allow a re-join; for a deliberate re-join create a token with --node-names " + node +
              " --allow-rejoin",
          token);
    }
    if (g.status.joins >= g.spec.max_joins) {
      return Deny(reason::kJoinGrantUsedUp,
                  "bootstrap token " + Quote(token) + " has used all " + std::to_string(g.spec.max_joins) +
                      " of its joins" + " (joined: " + JoinNames(g.status.joined_nodes) +
                      "); a token is single-use unless its grant "
                      "says otherwise; " +
                      NewTokenAdvice(node),
                  token);
    }
    if (auto trip = brakes_.TryTake(token, request.csr_uid, p.brakes)) return Pending(*trip);
    if (d_.may_write && !d_.may_write()) {
      brakes_.GiveBack(token, request.csr_uid);
      return Retry(
          UnavailableError("not writing JoinGrant " + Quote(token) + ": leadership cannot be proven"));
    }
    g.status.joins += 1;
    if (!joined_here) g.status.joined_nodes.push_back(node);
    g.status.claims.push_back(JoinClaim{node, request.csr_name, request.csr_uid, d_.clock->Now()});
    auto written = d_.client->UpdateRaw(joinguard::grants::kJoinGrants, "", token, ToJson(g), "status");
    if (written.ok()) {
      return Allow(token, g.spec.allow_rejoin,
                   "JoinGrant " + Quote(token) + " admits node " + Quote(node) + " (join " +
                       std::to_string(g.status.joins) + " of " + std::to_string(g.spec.max_joins) + ")");
    }
    if (kube::IsConflict(written.status()) || kube::IsNotFound(written.status()))
      continue;  // re-read, decide again
    brakes_.GiveBack(token, request.csr_uid);
    return Retry(written.status().Annotate("counting a join on JoinGrant " + Quote(token)));
  }
  brakes_.GiveBack(token, request.csr_uid);
  return Retry(AbortedError("JoinGrant " + Quote(token) + " kept changing (" +
                            std::to_string(options_.max_conflict_retries) + " conflicts); will try again"));
}

Status GrantGate::Release(const JoinRequest& request, const JoinAdmission& admission) {
  brakes_.GiveBack(request.token_id, request.csr_uid);
  if (admission.grant.empty()) return OkStatus();
  for (int attempt = 0; attempt < options_.max_conflict_retries; ++attempt) {
    auto raw = d_.client->GetRaw(joinguard::grants::kJoinGrants, "", admission.grant);
    if (!raw.ok() && kube::IsNotFound(raw.status()))
      return OkStatus();  // grant deleted: nothing to give back
    if (!raw.ok()) return raw.status().Annotate("reading JoinGrant " + Quote(admission.grant));
    JG_ASSIGN_OR_RETURN(JoinGrant g, kube::Decode<JoinGrant>(*raw));
    size_t before = g.status.claims.size();
    RemoveClaim(g, request.csr_uid);
    if (g.status.claims.size() == before) return OkStatus();  // already released (idempotent)
    if (d_.may_write && !d_.may_write()) {
      return UnavailableError("not writing JoinGrant " + Quote(admission.grant) +
                              ": leadership cannot be proven");
    }
    auto written =
        d_.client->UpdateRaw(joinguard::grants::kJoinGrants, "", admission.grant, ToJson(g), "status");
    if (written.ok()) {
      d_.logger->Info("join grant use released",
                      {{"grant", admission.grant}, {"csr", request.csr_name}, {"node", request.node_name}});
      return OkStatus();
    }
    if (!kube::IsConflict(written.status()))
      return written.status().Annotate("releasing a join on JoinGrant " + Quote(admission.grant));
  }
  return AbortedError("JoinGrant " + Quote(admission.grant) + " kept changing; release not written");
}

}  // namespace joinguard::controller::grants
