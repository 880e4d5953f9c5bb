#include "tests/sandbox/logic/csrapproving.h"

#include <set>

#include "common/crypto/csr.h"
#include "tests/sandbox/logic/csr.h"
#include "tests/sandbox/logic/pem.h"
#include "tests/sandbox/logic/signer.h"

namespace joinguard::sandbox::logic {

namespace {

using nlohmann::json;

struct Recognizer {
  const char* subresource;
  const char* message;
  bool self;  // requires spec.username == CN
};

}  // namespace

static std::optional<json> AutoApproveImpl(
    const json& csr, const std::function<bool(const UserInfo&, const std::string&)>& allowed_create_on) {
  if (!csr.is_object() || !csr.contains("spec") || !csr["spec"].is_object()) return std::nullopt;
  const json& spec = csr["spec"];
  const json status = csr.value("status", json::object());
  if (status.is_object() && !status.value("certificate", "").empty()) return std::nullopt;
  if (status.is_object() && status.contains("conditions") && status["conditions"].is_array()) {
    for (const auto& c : status["conditions"]) {
      const std::string type = c.is_object() ? c.value("type", "") : "";
      if (type == "Approved" || type == "Denied") return std::nullopt;
    }
  }
  auto pem = CsrRequestPem(csr);
  if (!pem.ok()) return std::nullopt;
  auto block = PemDecode(*pem, nullptr);
  if (!block || block->type != "CERTIFICATE REQUEST") return std::nullopt;
  auto req = crypto::ParsedCsr::FromDer(block->bytes);
  if (!req.ok()) return std::nullopt;

  std::set<std::string> usages;
  if (spec.contains("usages") && spec["usages"].is_array()) {
    for (const auto& u : spec["usages"]) {
      if (u.is_string()) usages.insert(u.get<std::string>());
    }
  }
  // isNodeClientCert: signer + IsKubeletClientCSR (same shape check as the signer's).
  const bool node_client = spec.value("signerName", "") == kKubeletClientSigner &&
                           !ValidateKubeletClientCsr(*req, usages).has_value();
  if (!node_client) return std::nullopt;

  UserInfo requester;
  requester.name = spec.value("username", "");
  requester.uid = spec.value("uid", "");
  if (spec.contains("groups") && spec["groups"].is_array()) {
    for (const auto& g : spec["groups"]) {
      if (g.is_string()) requester.groups.push_back(g.get<std::string>());
    }
  }
  if (spec.contains("extra") && spec["extra"].is_object()) {
    for (auto it = spec["extra"].begin(); it != spec["extra"].end(); ++it) {
      std::vector<std::string> values;
      if (it->is_array()) {
        for (const auto& v : *it) {
          if (v.is_string()) values.push_back(v.get<std::string>());
        }
      }
      requester.extra[it.key()] = values;
    }
  }

  static constexpr Recognizer kRecognizers[] = {
      {"selfnodeclient", kAutoApproveSelfMessage, true},
      {"nodeclient", kAutoApproveMessage, false},
  };
  for (const auto& r : kRecognizers) {
    if (r.self && requester.name != req->CommonName()) continue;
    if (!allowed_create_on(requester, r.subresource)) continue;
    json out = csr;
    if (!out.contains("status") || !out["status"].is_object()) out["status"] = json::object();
    if (!out["status"].contains("conditions") || !out["status"]["conditions"].is_array()) {
      out["status"]["conditions"] = json::array();
    }
    // appendApprovalCondition: no timestamps (the API server fills them in).
    out["status"]["conditions"].push_back(
        {{"type", "Approved"}, {"status", "True"}, {"reason", kAutoApproveReason}, {"message", r.message}});
    return out;
  }
  return std::nullopt;
}

std::optional<json> AutoApprove(
    const json& csr, const std::function<bool(const UserInfo&, const std::string&)>& allowed_create_on) {
  try {
    return AutoApproveImpl(csr, allowed_create_on);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

}  // namespace joinguard::sandbox::logic
