#include "tests/sandbox/server/faults.h"

#include <set>

#include "common/crypto/encoding.h"

namespace joinguard::sandbox {

using nlohmann::json;

namespace {

constexpr int kFirstErrorStatus = 400;
constexpr int kMaxHttpStatus = 599;
const std::set<std::string> kRuleKeys = {"pathPrefix", "pathSuffix",        "method",
                                         "watch",      "fraction",          "status",
                                         "count",      "retryAfterSeconds", "latencyMs"};

const char* WatchName(FaultRule::Watch w) {
  switch (w) {
    case FaultRule::Watch::kOnly:
      return "only";
    case FaultRule::Watch::kExclude:
      return "exclude";
    case FaultRule::Watch::kAny:
      break;
  }
  return "any";
}

Status FieldError(const std::string& field, const std::string& want) {
  return InvalidArgumentError("fault rule: \"" + field + "\" must be " + want);
}

HttpResponse Json(int status, const json& body) {
  return HttpResponse{status, "application/json", body.dump() + "\n", {}};
}

}  // namespace

StatusOr<FaultRule> FaultRuleFromJson(const json& j) {
  if (!j.is_object()) return InvalidArgumentError("fault rule: expected a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!kRuleKeys.count(it.key())) {
      return InvalidArgumentError("fault rule: unknown field \"" + it.key() +
                                  "\"; known: pathPrefix, pathSuffix, method, watch, fraction, "
                                  "status, count, retryAfterSeconds, latencyMs");
    }
  }
  FaultRule r;
  auto str = [&](const char* key, std::string* out) -> Status {
    if (!j.contains(key)) return OkStatus();
    if (!j[key].is_string()) return FieldError(key, "a string");
    *out = j[key].get<std::string>();
    return OkStatus();
  };
  auto integer = [&](const char* key, int64_t lo, int64_t hi, int64_t* out) -> Status {
    if (!j.contains(key)) return OkStatus();
    if (!j[key].is_number_integer() || j[key].get<int64_t>() < lo || j[key].get<int64_t>() > hi) {
      return FieldError(key, "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
    *out = j[key].get<int64_t>();
    return OkStatus();
  };
  JG_RETURN_IF_ERROR(str("pathPrefix", &r.path_prefix));
  JG_RETURN_IF_ERROR(str("pathSuffix", &r.path_suffix));
  JG_RETURN_IF_ERROR(str("method", &r.method));
  std::string watch = "any";
  JG_RETURN_IF_ERROR(str("watch", &watch));
  if (watch == "only") {
    r.watch = FaultRule::Watch::kOnly;
  } else if (watch == "exclude") {
    r.watch = FaultRule::Watch::kExclude;
  } else if (watch != "any") {
    return FieldError("watch", "\"any\", \"only\" or \"exclude\"");
  }
  if (j.contains("fraction")) {
    if (!j["fraction"].is_number() || j["fraction"].get<double>() < 0 || j["fraction"].get<double>() > 1) {
      return FieldError("fraction", "a number in [0, 1]");
    }
    r.fraction = j["fraction"].get<double>();
  }
  int64_t status = r.status, count = r.count, retry = r.retry_after_seconds, latency = 0;
  JG_RETURN_IF_ERROR(integer("status", 0, kMaxHttpStatus, &status));
  JG_RETURN_IF_ERROR(integer("count", -1, 1'000'000'000, &count));
  JG_RETURN_IF_ERROR(integer("retryAfterSeconds", 0, 3600, &retry));
  JG_RETURN_IF_ERROR(integer("latencyMs", 0, 600'000, &latency));
  r.status = static_cast<int>(status);
  r.count = static_cast<int>(count);
  r.retry_after_seconds = static_cast<int>(retry);
  r.latency = std::chrono::milliseconds(latency);
  return r;
}

json FaultRuleToJson(const FaultRule& r) {
  return {{"pathPrefix", r.path_prefix},
          {"pathSuffix", r.path_suffix},
          {"method", r.method},
          {"watch", WatchName(r.watch)},
          {"fraction", r.fraction},
          {"status", r.status},
          {"count", r.count},
          {"retryAfterSeconds", r.retry_after_seconds},
          {"latencyMs", r.latency.count()}};
}

void FaultInjector::Add(const FaultRule& rule) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.push_back(Entry{rule, rule.count});
}

void FaultInjector::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.clear();
  close_watches_after_ = 0;
  force_gone_ = false;
}

StatusOr<int> FaultInjector::Remaining(size_t rule_index) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (rule_index >= entries_.size()) {
    return NotFoundError("no fault rule #" + std::to_string(rule_index));
  }
  return entries_[rule_index].remaining;
}

std::optional<FaultDecision> FaultInjector::Decide(const HttpRequest& req, bool is_watch) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& e : entries_) {
    const FaultRule& f = e.rule;
    if (e.remaining == 0) continue;  // a burst that is used up
    if (req.path.compare(0, f.path_prefix.size(), f.path_prefix) != 0) continue;
    if (!f.path_suffix.empty() && (req.path.size() < f.path_suffix.size() ||
                                   req.path.compare(req.path.size() - f.path_suffix.size(),
                                                    f.path_suffix.size(), f.path_suffix) != 0)) {
      continue;
    }
    if (!f.method.empty() && f.method != req.method) continue;
    if (f.watch == FaultRule::Watch::kOnly && !is_watch) continue;
    if (f.watch == FaultRule::Watch::kExclude && is_watch) continue;
    FaultDecision d;
    d.latency = f.latency;
    std::uniform_real_distribution<double> dist(0.0, 1.0);
    if (f.status >= kFirstErrorStatus && dist(rng_) < f.fraction) {
      d.status = f.status;
      d.retry_after_seconds = f.retry_after_seconds;
      if (e.remaining > 0) --e.remaining;
    }
    return d;
  }
  return std::nullopt;
}

json FaultInjector::ToJson() const {
  std::lock_guard<std::mutex> lock(mu_);
  json rules = json::array();
  for (const auto& e : entries_) {
    json r = FaultRuleToJson(e.rule);
    r["remaining"] = e.remaining;
    rules.push_back(r);
  }
  return {{"rules", rules},
          {"closeWatchesAfterEvents", close_watches_after_.load()},
          {"forceGoneOnNextWatch", force_gone_.load()}};
}

bool HandleAdminRequest(const std::string& token, FaultInjector& faults,
                        const std::function<ConnectionStats()>& connections, const HttpRequest& req,
                        ResponseWriter& w) {
  if (token.empty() || req.path.rfind(kAdminPathPrefix, 0) != 0) return false;
  if (!crypto::ConstantTimeEquals(req.Header(kAdminTokenHeader), token)) return false;
  const std::string what = req.path.substr(sizeof(kAdminPathPrefix) - 1);
  auto bad = [&](const std::string& message) {
    w.Send(Json(400, {{"error", message}}));
    return true;
  };
  if (what == "faults") {
    if (req.method == "GET") {
      w.Send(Json(200, faults.ToJson()));
      return true;
    }
    if (req.method == "DELETE") {
      faults.Clear();
      w.Send(Json(200, faults.ToJson()));
      return true;
    }
    if (req.method == "POST") {
      json body = json::parse(req.body, nullptr, false);
      if (body.is_discarded()) return bad("body is not JSON");
      auto rule = FaultRuleFromJson(body);
      if (!rule.ok()) return bad(rule.status().message());
      faults.Add(*rule);
      json state = faults.ToJson();
      w.Send(Json(201, {{"index", state["rules"].size() - 1}, {"rule", FaultRuleToJson(*rule)}}));
      return true;
    }
  } else if (what == "connections" && req.method == "GET" && connections) {
    const ConnectionStats c = connections();
    w.Send(Json(200, {{"tcpAccepted", c.tcp_accepted}, {"tlsHandshakes", c.tls_handshakes}}));
    return true;
  } else if (what == "watch" && req.method == "POST") {
    json body = json::parse(req.body, nullptr, false);
    if (!body.is_object()) return bad("body must be a JSON object");
    for (auto it = body.begin(); it != body.end(); ++it) {
      if (it.key() == "closeAfterEvents") {
        if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > 1'000'000'000) {
          return bad("\"closeAfterEvents\" must be a non-negative integer (0 = off)");
        }
      } else if (it.key() == "forceGone") {
        if (!it->is_boolean()) return bad("\"forceGone\" must be a boolean");
      } else {
        return bad("unknown field \"" + it.key() + "\"; known: closeAfterEvents, forceGone");
      }
    }
    if (body.contains("closeAfterEvents")) {
      faults.CloseWatchesAfterEvents(static_cast<int>(body["closeAfterEvents"].get<int64_t>()));
    }
    if (body.value("forceGone", false)) faults.ForceGoneOnNextWatch();
    w.Send(Json(200, faults.ToJson()));
    return true;
  }
  w.Send(Json(405, {{"error", "unsupported admin request " + req.method + " " + req.path}}));
  return true;
}

}  // namespace joinguard::sandbox
