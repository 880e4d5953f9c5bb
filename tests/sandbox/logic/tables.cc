#include "tests/sandbox/logic/tables.h"

#include "tests/sandbox/logic/util.h"

namespace joinguard::sandbox::logic {

namespace {

using nlohmann::json;

json Column(const std::string& name, const std::string& format, const std::string& description,
            int priority = 0) {
  return {{"name", name}, {"type", "string"}, {"format", format}, {"description", description},
          {"priority", priority}};
}

const char kNameDoc[] =
    "Name must be unique within a namespace. Is required when creating resources, although some "
    "resources may allow a client to request the generation of an appropriate name automatically. "
    "Name is primarily intended for creation idempotence and configuration definition. Cannot be "
    "updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const char kCreationDoc[] =
    "CreationTimestamp is a timestamp representing the server time when this object was created. It "
    "is not guaranteed to be set in happens-before order across separate operations. Clients may not "
    "set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. "
    "Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

std::string Str(const json& o, const char* key) {
  if (!o.is_object() || !o.contains(key) || !o[key].is_string()) return "";
  return o[key].get<std::string>();
}

json Meta(const json& item) {
  return item.is_object() && item.contains("metadata") && item["metadata"].is_object() ? item["metadata"]
                                                                                        : json::object();
}

std::string Age(const json& item, std::chrono::system_clock::time_point now) {
  auto t = ParseRfc3339(Str(Meta(item), "creationTimestamp"));
  if (!t) return "<unknown>";
  return HumanDuration(std::chrono::duration_cast<std::chrono::seconds>(now - *t));
}

json PartialObject(const json& item) {
  json meta = Meta(item);
  meta.erase("managedFields");
  return {{"kind", "PartialObjectMetadata"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", meta}};
}

std::vector<json> CsrRow(const json& csr, std::chrono::system_clock::time_point now) {
  const json spec = csr.value("spec", json::object());
  std::string signer = Str(spec, "signerName");
  if (signer.empty()) signer = "<none>";
  std::string duration = "<none>";
  if (spec.contains("expirationSeconds") && spec["expirationSeconds"].is_number_integer()) {
    duration = HumanDuration(std::chrono::seconds(spec["expirationSeconds"].get<long long>()));
  }
  return {Str(Meta(csr), "name"), Age(csr, now), signer, Str(spec, "username"), duration,
          CsrConditionColumn(csr)};
}

std::vector<json> NodeRow(const json& node, std::chrono::system_clock::time_point now) {
  const json status = node.value("status", json::object());
  std::string ready = "Unknown";
  if (status.contains("conditions") && status["conditions"].is_array()) {
    for (const auto& c : status["conditions"]) {
      if (Str(c, "type") == "Ready") ready = Str(c, "status") == "True" ? "Ready" : Str(c, "status") == "False" ? "NotReady" : "Unknown";
    }
  }
  const json spec = node.value("spec", json::object());
  if (spec.is_object() && spec.value("unschedulable", false)) ready += ",SchedulingDisabled";
  std::string roles;
  const json labels = Meta(node).value("labels", json::object());
  for (auto it = labels.begin(); it != labels.end(); ++it) {
    const std::string prefix = "node-role.kubernetes.io/";
    std::string role;
    if (it.key().rfind(prefix, 0) == 0) role = it.key().substr(prefix.size());
    if (it.key() == "kubernetes.io/role" && it->is_string()) role = it->get<std::string>();
    if (role.empty()) continue;
    roles += (roles.empty() ? "" : ",") + role;
  }
  if (roles.empty()) roles = "<none>";
  const json info = status.value("nodeInfo", json::object());
  auto or_unknown = [](std::string s) { return s.empty() ? std::string("<unknown>") : s; };
  std::string internal = "<none>", external = "<none>";
  if (status.contains("addresses") && status["addresses"].is_array()) {
    for (const auto& a : status["addresses"]) {
      if (Str(a, "type") == "InternalIP" && internal == "<none>") internal = Str(a, "address");
      if (Str(a, "type") == "ExternalIP" && external == "<none>") external = Str(a, "address");
    }
  }
  return {Str(Meta(node), "name"), ready, roles, Age(node, now), Str(info, "kubeletVersion"),
          internal, external, or_unknown(Str(info, "osImage")), or_unknown(Str(info, "kernelVersion")),
          or_unknown(Str(info, "containerRuntimeVersion"))};
}

}  // namespace

std::string HumanDuration(std::chrono::seconds d) {
  const long long seconds = d.count();
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return std::to_string(seconds) + "s";
  const long long minutes = seconds / 60;
  if (minutes < 10) {
    const long long s = seconds % 60;
    return s == 0 ? std::to_string(minutes) + "m" : std::to_string(minutes) + "m" + std::to_string(s) + "s";
  }
  if (minutes < 60 * 3) return std::to_string(minutes) + "m";
  const long long hours = seconds / 3600;
  if (hours < 8) {
    const long long m = minutes % 60;
    return m == 0 ? std::to_string(hours) + "h" : std::to_string(hours) + "h" + std::to_string(m) + "m";
  }
  if (hours < 48) return std::to_string(hours) + "h";
  if (hours < 24 * 8) {
    const long long h = hours % 24;
    return h == 0 ? std::to_string(hours / 24) + "d" : std::to_string(hours / 24) + "d" + std::to_string(h) + "h";
  }
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24) + "d";
  if (hours < 24 * 365 * 8) {
    const long long dy = (hours / 24) % 365;
    return dy == 0 ? std::to_string(hours / 24 / 365) + "y"
                   : std::to_string(hours / 24 / 365) + "y" + std::to_string(dy) + "d";
  }
  return std::to_string(hours / 24 / 365) + "y";
}

std::string CsrConditionColumn(const json& csr) {
  bool approved = false, denied = false, failed = false;
  const json status = csr.value("status", json::object());
  if (status.is_object() && status.contains("conditions") && status["conditions"].is_array()) {
    for (const auto& c : status["conditions"]) {
      const std::string type = Str(c, "type");
      approved |= type == "Approved";
      denied |= type == "Denied";
      failed |= type == "Failed";
    }
  }
  std::string out = denied ? "Denied" : approved ? "Approved" : "Pending";
  if (failed) out += ",Failed";
  if (!Str(status, "certificate").empty()) out += ",Issued";
  return out;
}

json TableFor(const std::string& resource, const std::vector<json>& items,
              const std::string& resource_version, std::chrono::system_clock::time_point now) {
  json columns = json::array();
  columns.push_back(Column("Name", "name", kNameDoc));
  if (resource == "certificatesigningrequests") {
    columns.push_back(Column("Age", "", kCreationDoc));
    columns.push_back(Column("SignerName", "", "signerName indicates the requested signer, and is a qualified name."));
    columns.push_back(Column("Requestor", "", "username contains the name of the user that created the CertificateSigningRequest."));
    columns.push_back(Column("RequestedDuration", "", "expirationSeconds is the requested duration of validity of the issued certificate."));
    columns.push_back(Column("Condition", "", "conditions applied to the request. Known conditions are \"Approved\", \"Denied\", and \"Failed\"."));
  } else if (resource == "nodes") {
    columns.push_back(Column("Status", "", "The status of the node"));
    columns.push_back(Column("Roles", "", "The roles of the node"));
    columns.push_back(Column("Age", "", kCreationDoc));
    columns.push_back(Column("Version", "", "Kubelet Version reported by the node."));
    columns.push_back(Column("Internal-IP", "", "List of internal IPs.", 1));
    columns.push_back(Column("External-IP", "", "List of external IPs.", 1));
    columns.push_back(Column("OS-Image", "", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", 1));
    columns.push_back(Column("Kernel-Version", "", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1));
    columns.push_back(Column("Container-Runtime", "", "Container runtime version reported by the node through runtime remote API (e.g. containerd://1.4.2).", 1));
  } else {
    // registry/rest.DefaultTableConvertor.
    columns.push_back(Column("Created At", "date", kCreationDoc));
    columns.back()["type"] = "date";
  }
  json rows = json::array();
  for (const auto& item : items) {
    std::vector<json> cells;
    if (resource == "certificatesigningrequests") {
      cells = CsrRow(item, now);
    } else if (resource == "nodes") {
      cells = NodeRow(item, now);
    } else {
      cells = {Str(Meta(item), "name"), Str(Meta(item), "creationTimestamp")};
    }
    rows.push_back({{"cells", cells}, {"object", PartialObject(item)}});
  }
  return {{"kind", "Table"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", {{"resourceVersion", resource_version}}},
          {"columnDefinitions", columns},
          {"rows", rows}};
}

}  // namespace joinguard::sandbox::logic
