#include "tests/sandbox/server/tables.h"

#include "tests/sandbox/logic/util.h"
#include "tests/sandbox/server/crd.h"

namespace joinguard::sandbox {

using nlohmann::json;

bool WantsTable(const std::string& accept) { return accept.find("as=Table") != std::string::npos; }

std::string HumanDuration(std::chrono::seconds d) {
  int64_t s = d.count();
  if (s < -1) return "<invalid>";
  if (s < 0) return "0s";
  if (s < 60 * 2) return std::to_string(s) + "s";
  int64_t m = s / 60;
  if (m < 10) {
    int64_t rest = s % 60;
    return rest == 0 ? std::to_string(m) + "m" : std::to_string(m) + "m" + std::to_string(rest) + "s";
  }
  if (m < 60 * 3) return std::to_string(m) + "m";
  int64_t h = s / 3600;
  if (h < 8) {
    int64_t rest = m % 60;
    return rest == 0 ? std::to_string(h) + "h" : std::to_string(h) + "h" + std::to_string(rest) + "m";
  }
  if (h < 48) return std::to_string(h) + "h";
  if (h < 24 * 8) {
    int64_t rest = h % 24;
    return rest == 0 ? std::to_string(h / 24) + "d"
                     : std::to_string(h / 24) + "d" + std::to_string(rest) + "h";
  }
  if (h < 24 * 365 * 2) return std::to_string(h / 24) + "d";
  return std::to_string(h / 24 / 365) + "y";
}

namespace {

json Column(const std::string& name, const std::string& type, const std::string& format,
            const std::string& description, int priority = 0) {
  return {{"name", name},
          {"type", type},
          {"format", format},
          {"description", description},
          {"priority", priority}};
}

std::string Age(const json& obj, std::chrono::system_clock::time_point now) {
  std::string ts = obj["metadata"].value("creationTimestamp", "");
  auto t = logic::ParseRfc3339(ts);
  if (!t) return "<unknown>";
  return HumanDuration(std::chrono::duration_cast<std::chrono::seconds>(now - *t));
}

bool HasTrue(const json& obj, const std::string& type) {
  if (!obj.contains("status") || !obj["status"].is_object() || !obj["status"].contains("conditions"))
    return false;
  for (const auto& c : obj["status"]["conditions"]) {
    if (c.value("type", "") == type && c.value("status", "") == "True") return true;
  }
  return false;
}

std::string CsrCondition(const json& csr) {
  std::string out;
  if (HasTrue(csr, "Approved")) out = "Approved";
  if (HasTrue(csr, "Denied")) out += std::string(out.empty() ? "" : ",") + "Denied";
  if (HasTrue(csr, "Failed")) out += std::string(out.empty() ? "" : ",") + "Failed";
  if (out.empty()) out = "Pending";
  if (csr.contains("status") && csr["status"].is_object() &&
      !csr["status"].value("certificate", "").empty()) {
    out += ",Issued";
  }
  return out;
}

size_t DataCount(const json& obj) {
  size_t n = 0;
  for (const char* f : {"data", "binaryData"}) {
    if (obj.contains(f) && obj[f].is_object()) n += obj[f].size();
  }
  return n;
}

}  // namespace

json MakeTable(const ResourceType& type, const std::vector<json>& objects,
               const std::string& resource_version, const std::string& continue_token,
               std::chrono::system_clock::time_point now) {
  const std::string kNameDesc =
      "Name must be unique within a namespace. Is required when creating resources, although some "
      "resources may allow a client to request the generation of an appropriate name "
      "automatically. Name is primarily intended for creation idempotence and configuration "
      "definition. Cannot be updated. More info: "
      "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
  const std::string kAgeDesc =
      "CreationTimestamp is a timestamp representing the server time when this object was "
      "created.";
  json columns = json::array({Column("Name", "string", "name", kNameDesc)});
  const std::string& r = type.resource;
  // Custom resources: Name + the CRD's additionalPrinterColumns, or Name + Age when it declares
  // none (apiextensions-apiserver pkg/apiserver/customresource_handler.go,
  // pkg/registry/customresource/tableconvertor/tableconvertor.go).
  std::vector<PrinterColumn> custom_columns = type.printer_columns;
  if (type.custom() && custom_columns.empty()) {
    custom_columns.push_back(PrinterColumn{"Age", "date", "", kAgeDesc, ".metadata.creationTimestamp", 0});
  }
  if (type.custom()) {
    for (const auto& c : custom_columns) {
      columns.push_back(Column(c.name, c.type, c.format, c.description, c.priority));
    }
  } else if (r == "certificatesigningrequests") {
    columns.push_back(Column("Age", "string", "", kAgeDesc));
    columns.push_back(Column("SignerName", "string", "", "Only requests with this signer name."));
    columns.push_back(Column("Requestor", "string", "", "Name of the user that requested the certificate."));
    columns.push_back(Column("RequestedDuration", "string", "", "Requested duration of the certificate."));
    columns.push_back(Column("Condition", "string", "", "Current condition of the request."));
  } else if (r == "nodes") {
    columns.push_back(Column("Status", "string", "", "The status of the node"));
    columns.push_back(Column("Roles", "string", "", "The roles of the node"));
    columns.push_back(Column("Age", "string", "", kAgeDesc));
    columns.push_back(Column("Version", "string", "", "Kubelet Version reported by the node."));
  } else if (r == "namespaces") {
    columns.push_back(Column("Status", "string", "", "The status of the namespace"));
    columns.push_back(Column("Age", "string", "", kAgeDesc));
  } else if (r == "configmaps") {
    columns.push_back(Column("Data", "string", "", "Number of data entries."));
    columns.push_back(Column("Age", "string", "", kAgeDesc));
  } else if (r == "secrets") {
    columns.push_back(Column("Type", "string", "", "The type of the secret"));
    columns.push_back(Column("Data", "string", "", "Number of data entries."));
    columns.push_back(Column("Age", "string", "", kAgeDesc));
  } else {
    columns.push_back(Column("Age", "string", "", kAgeDesc));
  }
  json rows = json::array();
  for (const auto& obj : objects) {
    std::string name = obj["metadata"].value("name", "");
    json cells = json::array({name});
    if (type.custom()) {
      for (const auto& c : custom_columns) cells.push_back(PrinterCell(c, obj, now));
    } else if (r == "certificatesigningrequests") {
      const json spec = obj.value("spec", json::object());
      cells.push_back(Age(obj, now));
      cells.push_back(spec.value("signerName", ""));
      cells.push_back(spec.value("username", ""));
      cells.push_back(spec.contains("expirationSeconds") && spec["expirationSeconds"].is_number()
                          ? HumanDuration(std::chrono::seconds(spec["expirationSeconds"].get<int64_t>()))
                          : "<none>");
      cells.push_back(CsrCondition(obj));
    } else if (r == "nodes") {
      std::string status = "Unknown";
      if (obj.contains("status") && obj["status"].contains("conditions")) {
        for (const auto& c : obj["status"]["conditions"]) {
          if (c.value("type", "") == "Ready") status = c.value("status", "") == "True" ? "Ready" : "NotReady";
        }
      }
      cells.push_back(status);
      cells.push_back("<none>");
      cells.push_back(Age(obj, now));
      std::string version;
      if (obj.contains("status") && obj["status"].contains("nodeInfo")) {
        version = obj["status"]["nodeInfo"].value("kubeletVersion", "");
      }
      cells.push_back(version);
    } else if (r == "namespaces") {
      cells.push_back(obj.contains("status") ? obj["status"].value("phase", "Active") : "Active");
      cells.push_back(Age(obj, now));
    } else if (r == "configmaps") {
      cells.push_back(DataCount(obj));
      cells.push_back(Age(obj, now));
    } else if (r == "secrets") {
      cells.push_back(obj.value("type", "Opaque"));
      cells.push_back(DataCount(obj));
      cells.push_back(Age(obj, now));
    } else {
      cells.push_back(Age(obj, now));
    }
    json meta = obj["metadata"];
    meta.erase("managedFields");
    rows.push_back(
        {{"cells", cells},
         {"object",
          {{"kind", "PartialObjectMetadata"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", meta}}}});
  }
  json meta = {{"resourceVersion", resource_version}};
  if (!continue_token.empty()) meta["continue"] = continue_token;
  return {{"kind", "Table"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", meta},
          {"columnDefinitions", columns},
          {"rows", rows}};
}

}  // namespace joinguard::sandbox
