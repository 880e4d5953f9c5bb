#include "tests/sandbox/server/crd.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "tests/sandbox/logic/util.h"
#include "tests/sandbox/server/tables.h"
#include "common/text/ascii.h"

namespace joinguard::sandbox {

using nlohmann::json;

namespace {

// apiextensions validation.go: printer column types and the scopes a CRD may declare.
const std::set<std::string> kColumnTypes = {"integer", "number", "string", "boolean", "date"};
constexpr char kScopeCluster[] = "Cluster";
constexpr char kScopeNamespaced[] = "Namespaced";
constexpr size_t kMaxDnsLabel = 63;
constexpr size_t kMaxDnsSubdomain = 253;

std::string Str(const json& obj, const char* key) {
  if (!obj.is_object() || !obj.contains(key) || !obj[key].is_string()) return "";
  return obj[key].get<std::string>();
}

// RFC 1123 label (validation.IsDNS1123Label) / DNS-1035 label: lowercase alphanumerics and '-'.
bool IsDnsLabel(const std::string& s) {
  if (s.empty() || s.size() > kMaxDnsLabel) return false;
  for (char c : s) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
          c == '-')) {
      return false;
    }
  }
  return s.front() != '-' && s.back() != '-';
}

bool IsDnsSubdomain(const std::string& s) {
  if (s.empty() || s.size() > kMaxDnsSubdomain) return false;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    if (!IsDnsLabel(s.substr(start, dot - start))) return false;
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

json Condition(const std::string& type, const std::string& reason, const std::string& message,
               const json& old_status, const std::string& now) {
  std::string transition = now;
  if (old_status.is_object() && old_status.contains("conditions") && old_status["conditions"].is_array()) {
    for (const auto& c : old_status["conditions"]) {
      if (Str(c, "type") == type && Str(c, "status") == "True") {
        transition = Str(c, "lastTransitionTime").empty() ? now : Str(c, "lastTransitionTime");
      }
    }
  }
  return {{"type", type},
          {"status", "True"},
          {"reason", reason},
          {"message", message},
          {"lastTransitionTime", transition}};
}

}  // namespace

void DefaultCrd(json& crd) {
  if (!crd.is_object() || !crd.contains("spec") || !crd["spec"].is_object()) return;
  json& spec = crd["spec"];
  if (!spec.contains("names") || !spec["names"].is_object()) return;
  json& names = spec["names"];
  std::string kind = Str(names, "kind");
  if (Str(names, "singular").empty() && !kind.empty()) names["singular"] = text::AsciiLower(kind);
  if (Str(names, "listKind").empty() && !kind.empty()) names["listKind"] = kind + "List";
  if (spec.contains("versions") && spec["versions"].is_array()) {
    for (auto& v : spec["versions"]) {
      if (!v.is_object() || !v.contains("additionalPrinterColumns")) continue;
      for (auto& c : v["additionalPrinterColumns"]) {
        if (c.is_object() && !c.contains("priority")) c["priority"] = 0;
      }
    }
  }
}

std::vector<std::string> ValidateCrd(const json& crd) {
  std::vector<std::string> errs;
  const json spec =
      crd.is_object() && crd.contains("spec") && crd["spec"].is_object() ? crd["spec"] : json::object();
  const json names = spec.contains("names") && spec["names"].is_object() ? spec["names"] : json::object();
  const std::string group = Str(spec, "group");
  const std::string plural = Str(names, "plural");
  const std::string name = crd.is_object() && crd.contains("metadata") ? Str(crd["metadata"], "name") : "";
  if (name != plural + "." + group) {
    errs.push_back("metadata.name: Invalid value: " + Quoted(name) +
                   ": must be spec.names.plural+\".\"+spec.group");
  }
  if (group.empty()) {
    errs.push_back("spec.group: Required value");
  } else if (!IsDnsSubdomain(group) || group.find('.') == std::string::npos) {
    errs.push_back("spec.group: Invalid value: " + Quoted(group) +
                   ": should be a domain with at least one dot");
  }
  const std::string scope = Str(spec, "scope");
  if (scope.empty()) {
    errs.push_back("spec.scope: Required value");
  } else if (scope != kScopeCluster && scope != kScopeNamespaced) {
    errs.push_back("spec.scope: Unsupported value: " + Quoted(scope) +
                   ": supported values: \"Cluster\", \"Namespaced\"");
  }
  if (plural.empty()) {
    errs.push_back("spec.names.plural: Required value");
  } else if (!IsDnsLabel(plural)) {
    errs.push_back("spec.names.plural: Invalid value: " + Quoted(plural) +
                   ": a lowercase RFC 1123 label must consist of lower case alphanumeric "
                   "characters or '-'");
  }
  const std::string singular = Str(names, "singular");
  if (!singular.empty() && !IsDnsLabel(singular)) {
    errs.push_back("spec.names.singular: Invalid value: " + Quoted(singular) +
                   ": a lowercase RFC 1123 label must consist of lower case alphanumeric "
                   "characters or '-'");
  }
  if (Str(names, "kind").empty()) errs.push_back("spec.names.kind: Required value");
  if (names.contains("shortNames") && names["shortNames"].is_array()) {
    for (size_t i = 0; i < names["shortNames"].size(); ++i) {
      const json& sn = names["shortNames"][i];
      if (!sn.is_string() || !IsDnsLabel(sn.get<std::string>())) {
        errs.push_back("spec.names.shortNames[" + std::to_string(i) + "]: Invalid value: " + sn.dump() +
                       ": a lowercase RFC 1123 label must consist of lower case "
                       "alphanumeric characters or '-'");
      }
    }
  }
  if (!spec.contains("versions") || !spec["versions"].is_array() || spec["versions"].empty()) {
    errs.push_back(
        "spec.versions: Invalid value: null: must have exactly one version marked as "
        "storage version");
    return errs;
  }
  int storage = 0;
  std::set<std::string> seen;
  for (size_t i = 0; i < spec["versions"].size(); ++i) {
    const json& v = spec["versions"][i];
    const std::string path = "spec.versions[" + std::to_string(i) + "]";
    const std::string vname = Str(v, "name");
    if (vname.empty()) {
      errs.push_back(path + ".name: Required value");
    } else if (!IsDnsLabel(vname)) {
      errs.push_back(path + ".name: Invalid value: " + Quoted(vname) +
                     ": a DNS-1035 label must consist of lower case alphanumeric characters or '-'");
    } else if (!seen.insert(vname).second) {
      errs.push_back("spec.versions: Invalid value: " + Quoted(vname) + ": must be unique");
    }
    bool types_ok = v.is_object();
    for (const char* flag : {"served", "storage"}) {
      if (v.is_object() && v.contains(flag) && !v[flag].is_boolean()) {
        errs.push_back(path + "." + flag + ": Invalid value: " + v[flag].dump() + ": must be a boolean");
        types_ok = false;
      }
    }
    if (types_ok && v.value("storage", false)) ++storage;
    if (!v.contains("additionalPrinterColumns") || !v["additionalPrinterColumns"].is_array()) continue;
    for (size_t c = 0; c < v["additionalPrinterColumns"].size(); ++c) {
      const json& col = v["additionalPrinterColumns"][c];
      const std::string cpath = path + ".additionalPrinterColumns[" + std::to_string(c) + "]";
      if (col.is_object() && col.contains("priority") && !col["priority"].is_number_integer()) {
        errs.push_back(cpath + ".priority: Invalid value: " + col["priority"].dump() +
                       ": must be an integer");
      }
      if (Str(col, "name").empty()) errs.push_back(cpath + ".name: Required value");
      if (Str(col, "jsonPath").empty()) errs.push_back(cpath + ".jsonPath: Required value");
      std::string type = Str(col, "type");
      if (!kColumnTypes.count(type)) {
        errs.push_back(cpath + ".type: Unsupported value: " + Quoted(type) +
                       ": supported values: \"boolean\", \"date\", \"integer\", \"number\", "
                       "\"string\"");
      }
    }
  }
  if (storage != 1) {
    errs.push_back("spec.versions: Invalid value: " + spec["versions"].dump() +
                   ": must have exactly one version marked as storage version");
  }
  return errs;
}

json WithEstablishedStatus(json crd, const json& old_status, const std::string& now) {
  const json& spec = crd["spec"];
  json accepted = spec["names"];
  json stored = json::array();
  for (const auto& v : spec["versions"]) {
    if (v.value("storage", false)) stored.push_back(Str(v, "name"));
  }
  if (old_status.is_object() && old_status.contains("storedVersions") &&
      old_status["storedVersions"].is_array()) {
    for (const auto& v : old_status["storedVersions"]) {
      if (std::find(stored.begin(), stored.end(), v) == stored.end()) stored.push_back(v);
    }
  }
  crd["status"] = {{"acceptedNames", accepted},
                   {"conditions",
                    {Condition("NamesAccepted", "NoConflicts", "no conflicts found", old_status, now),
                     Condition("Established", "InitialNamesAccepted", "the initial names have been accepted",
                               old_status, now)}},
                   {"storedVersions", stored}};
  return crd;
}

std::vector<ResourceType> TypesForCrd(const json& crd) {
  std::vector<ResourceType> out;
  const json& spec = crd["spec"];
  const json& names = spec["names"];
  for (const auto& v : spec["versions"]) {
    if (!v.value("served", true)) continue;
    ResourceType t;
    t.group = Str(spec, "group");
    t.version = Str(v, "name");
    t.resource = Str(names, "plural");
    t.singular = Str(names, "singular");
    t.kind = Str(names, "kind");
    t.list_kind = Str(names, "listKind");
    t.namespaced = Str(spec, "scope") == kScopeNamespaced;
    t.verbs = StandardVerbs();
    if (names.contains("shortNames") && names["shortNames"].is_array()) {
      t.short_names = names["shortNames"].get<std::vector<std::string>>();
    }
    if (v.contains("subresources") && v["subresources"].is_object() && v["subresources"].contains("status")) {
      t.subresources.push_back("status");
    }
    if (v.contains("additionalPrinterColumns") && v["additionalPrinterColumns"].is_array()) {
      for (const auto& c : v["additionalPrinterColumns"]) {
        PrinterColumn col;
        col.name = Str(c, "name");
        col.type = Str(c, "type");
        col.format = Str(c, "format");
        col.description = Str(c, "description");
        col.json_path = Str(c, "jsonPath");
        col.priority = c.value("priority", 0);
        t.printer_columns.push_back(std::move(col));
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

const json* JsonPathLookup(const json& obj, std::string_view path) {
  if (path.size() >= 2 && path.front() == '{' && path.back() == '}') {
    path = path.substr(1, path.size() - 2);
  }
  const json* cur = &obj;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '.') {
      size_t end = path.find_first_of(".[", i + 1);
      std::string key(
          path.substr(i + 1, end == std::string_view::npos ? std::string_view::npos : end - i - 1));
      if (key.empty()) return nullptr;
      if (!cur->is_object() || !cur->contains(key)) return nullptr;
      cur = &(*cur)[key];
      i = end == std::string_view::npos ? path.size() : end;
    } else if (path[i] == '[') {
      size_t close = path.find(']', i);
      if (close == std::string_view::npos) return nullptr;
      std::string idx(path.substr(i + 1, close - i - 1));
      if (idx.empty() || idx.find_first_not_of("0123456789") != std::string::npos) return nullptr;
      size_t n = std::stoul(idx);
      if (!cur->is_array() || n >= cur->size()) return nullptr;
      cur = &(*cur)[n];
      i = close + 1;
    } else {
      return nullptr;
    }
  }
  return cur;
}

json PrinterCell(const PrinterColumn& column, const json& obj, std::chrono::system_clock::time_point now) {
  const json* v = JsonPathLookup(obj, column.json_path);
  if (!v || v->is_null()) return nullptr;
  if (column.type == "date") {
    if (!v->is_string()) return "<invalid>";
    auto t = logic::ParseRfc3339(v->get<std::string>());
    if (!t) return "<invalid>";
    return HumanDuration(std::chrono::duration_cast<std::chrono::seconds>(now - *t));
  }
  if (column.type == "integer") return v->is_number() ? json(v->get<int64_t>()) : json(nullptr);
  if (column.type == "number") return v->is_number() ? *v : json(nullptr);
  if (column.type == "boolean") return v->is_boolean() ? *v : json(nullptr);
  if (v->is_string()) return *v;
  return v->dump();
}

void PrepareCustomResourceForCreate(const ResourceType& type, json& obj) {
  if (type.HasSubresource("status")) obj.erase("status");
  obj["metadata"]["generation"] = 1;
}

void PrepareCustomResourceForUpdate(const ResourceType& type, const json& old, json& obj) {
  json a = old, b = obj;
  a.erase("metadata");
  b.erase("metadata");
  if (type.HasSubresource("status")) {
    a.erase("status");
    b.erase("status");
  }
  int64_t gen = old["metadata"].value("generation", int64_t{1});
  obj["metadata"]["generation"] = a == b ? gen : gen + 1;
}

}  // namespace joinguard::sandbox
