#include "tests/sandbox/server/patch.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

namespace joinguard::sandbox {
namespace {

using nlohmann::json;

// Patch merge keys of the built-in types we serve (k8s.io/api struct tags
// `patchStrategy:"merge" patchMergeKey:"..."`), looked up by field name.
const std::map<std::string, std::string>& MergeKeys() {
  static const auto* keys = new std::map<std::string, std::string>{
      {"containers", "name"},
      {"initContainers", "name"},
      {"ephemeralContainers", "name"},
      {"env", "name"},
      {"volumes", "name"},
      {"imagePullSecrets", "name"},
      {"hostAliases", "ip"},
      {"ports", "containerPort"},
      {"volumeMounts", "mountPath"},
      {"volumeDevices", "devicePath"},
      {"conditions", "type"},
      {"addresses", "type"},
      {"taints", "key"},
      {"ownerReferences", "uid"},
      {"secrets", "name"},
      {"resourceClaims", "name"},
      {"topologySpreadConstraints", "topologyKey"},
  };
  return *keys;
}

// Fields whose lists are merged as sets of primitives (patchStrategy:"merge" on []string).
bool IsPrimitiveMergeList(const std::string& field) { return field == "finalizers"; }

std::string KeyString(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

Status MergeObject(json& target, const json& patch);

StatusOr<json> MergeList(const std::string& field, const json& target, const json& patch) {
  auto it = MergeKeys().find(field);
  // A list whose patch contains {"$patch":"replace"} is replaced by the rest of the patch.
  for (const auto& e : patch) {
    if (e.is_object() && e.value("$patch", "") == "replace") {
      json out = json::array();
      for (const auto& x : patch) {
        if (!(x.is_object() && x.contains("$patch"))) out.push_back(x);
      }
      return out;
    }
  }
  if (it == MergeKeys().end()) {
    if (IsPrimitiveMergeList(field) && target.is_array()) {
      json out = target;
      for (const auto& e : patch) {
        if (std::find(out.begin(), out.end(), e) == out.end()) out.push_back(e);
      }
      return out;
    }
    return patch;  // atomic list: replace
  }
  const std::string& key = it->second;
  json out = target.is_array() ? target : json::array();
  for (const auto& e : patch) {
    if (!e.is_object() || !e.contains(key)) {
      if (e.is_object() && e.value("$patch", "") == "delete") continue;
      out.push_back(e);
      continue;
    }
    auto match = std::find_if(out.begin(), out.end(), [&](const json& x) {
      return x.is_object() && x.contains(key) && x[key] == e[key];
    });
    if (e.value("$patch", "") == "delete") {
      if (match != out.end()) out.erase(match);
      continue;
    }
    if (match == out.end()) {
      json fresh = json::object();
      JG_RETURN_IF_ERROR(MergeObject(fresh, e));
      out.push_back(fresh);
    } else {
      JG_RETURN_IF_ERROR(MergeObject(*match, e));
    }
  }
  return out;
}

// Reorders `list` (merged) by `order` ($setElementOrder): listed elements first in that order,
// then the others in their current order (upstream keeps server-only items, placed after).
json ApplyOrder(const json& list, const json& order, const std::string& field) {
  if (!list.is_array() || !order.is_array()) return list;
  auto it = MergeKeys().find(field);
  json out = json::array();
  std::vector<bool> used(list.size(), false);
  for (const auto& o : order) {
    for (size_t i = 0; i < list.size(); ++i) {
      if (used[i]) continue;
      bool same = (it != MergeKeys().end() && o.is_object() && list[i].is_object())
                      ? (o.contains(it->second) && list[i].contains(it->second) &&
                         KeyString(o[it->second]) == KeyString(list[i][it->second]))
                      : o == list[i];
      if (same) {
        used[i] = true;
        out.push_back(list[i]);
        break;
      }
    }
  }
  for (size_t i = 0; i < list.size(); ++i) {
    if (!used[i]) out.push_back(list[i]);
  }
  return out;
}

Status MergeObject(json& target, const json& patch) {
  if (!patch.is_object()) {
    target = patch;
    return OkStatus();
  }
  if (!target.is_object()) target = json::object();
  std::string directive = patch.value("$patch", "");
  if (directive == "replace") {
    json copy = patch;
    copy.erase("$patch");
    target = copy;
    return OkStatus();
  }
  if (directive == "delete") {
    target = json::object();
    return OkStatus();
  }
  if (patch.contains("$retainKeys") && patch["$retainKeys"].is_array()) {
    std::set<std::string> keep;
    for (const auto& k : patch["$retainKeys"]) {
      if (k.is_string()) keep.insert(k.get<std::string>());
    }
    for (auto it = target.begin(); it != target.end();) {
      if (!keep.count(it.key())) {
        it = target.erase(it);
      } else {
        ++it;
      }
    }
  }
  std::map<std::string, json> orders;
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    const std::string& k = it.key();
    if (k == "$patch" || k == "$retainKeys") continue;
    if (k.rfind("$setElementOrder/", 0) == 0) {
      orders[k.substr(17)] = it.value();
      continue;
    }
    if (k.rfind("$deleteFromPrimitiveList/", 0) == 0) {
      std::string field = k.substr(25);
      if (target.contains(field) && target[field].is_array() && it.value().is_array()) {
        json kept = json::array();
        for (const auto& e : target[field]) {
          if (std::find(it.value().begin(), it.value().end(), e) == it.value().end()) {
            kept.push_back(e);
          }
        }
        target[field] = kept;
      }
      continue;
    }
    const json& v = it.value();
    if (v.is_null()) {
      target.erase(k);
    } else if (v.is_object()) {
      json& sub = target[k];
      JG_RETURN_IF_ERROR(MergeObject(sub, v));
    } else if (v.is_array()) {
      JG_ASSIGN_OR_RETURN(json merged, MergeList(k, target.contains(k) ? target[k] : json::array(), v));
      target[k] = std::move(merged);
    } else {
      target[k] = v;
    }
  }
  for (const auto& [field, order] : orders) {
    if (target.contains(field)) target[field] = ApplyOrder(target[field], order, field);
  }
  return OkStatus();
}

// RFC 6901 pointer helpers for JSON patch.
StatusOr<json::json_pointer> Pointer(const json& op, const char* field) {
  if (!op.contains(field) || !op[field].is_string()) {
    return InvalidArgumentError(std::string("json patch operation is missing \"") + field + "\"");
  }
  try {
    return json::json_pointer(op[field].get<std::string>());
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string("invalid JSON pointer: ") + e.what());
  }
}

Status AddAt(json& doc, const json::json_pointer& ptr, const json& value) {
  if (ptr.empty()) {
    doc = value;
    return OkStatus();
  }
  json::json_pointer parent = ptr.parent_pointer();
  std::string last = ptr.back();
  if (!doc.contains(parent)) {
    return InvalidArgumentError("add operation does not apply: doc is missing path: \"" + parent.to_string() +
                                "\"");
  }
  json& p = doc[parent];
  if (p.is_array()) {
    if (last == "-") {
      p.push_back(value);
      return OkStatus();
    }
    size_t idx = 0;
    try {
      idx = std::stoul(last);
    } catch (...) {
      return InvalidArgumentError("invalid array index \"" + last + "\"");
    }
    if (idx > p.size()) return InvalidArgumentError("array index " + last + " out of bounds");
    p.insert(p.begin() + static_cast<std::ptrdiff_t>(idx), value);
    return OkStatus();
  }
  if (p.is_object()) {
    p[last] = value;
    return OkStatus();
  }
  return InvalidArgumentError("add operation does not apply: parent is not a container");
}

Status RemoveAt(json& doc, const json::json_pointer& ptr) {
  if (ptr.empty() || !doc.contains(ptr)) {
    return InvalidArgumentError("remove operation does not apply: doc is missing path: \"" + ptr.to_string() +
                                "\"");
  }
  json& p = doc[ptr.parent_pointer()];
  std::string last = ptr.back();
  if (p.is_array()) {
    p.erase(p.begin() + static_cast<std::ptrdiff_t>(std::stoul(last)));
  } else {
    p.erase(last);
  }
  return OkStatus();
}

}  // namespace

json ApplyMergePatch(const json& target, const json& patch) {
  json out = target;
  out.merge_patch(patch);
  return out;
}

StatusOr<json> ApplyJsonPatch(const json& target, const json& patch) {
  if (!patch.is_array()) return InvalidArgumentError("json patch must be a JSON array");
  json doc = target;
  try {
    for (const auto& op : patch) {
      std::string name = op.value("op", "");
      JG_ASSIGN_OR_RETURN(auto path, Pointer(op, "path"));
      if (name == "add") {
        JG_RETURN_IF_ERROR(AddAt(doc, path, op.value("value", json())));
      } else if (name == "remove") {
        JG_RETURN_IF_ERROR(RemoveAt(doc, path));
      } else if (name == "replace") {
        if (!doc.contains(path)) {
          return InvalidArgumentError("replace operation does not apply: doc is missing key: " +
                                      path.to_string());
        }
        doc[path] = op.value("value", json());
      } else if (name == "move" || name == "copy") {
        JG_ASSIGN_OR_RETURN(auto from, Pointer(op, "from"));
        if (!doc.contains(from)) {
          return InvalidArgumentError(
              name + " operation does not apply: doc is missing from path: " + from.to_string());
        }
        json value = doc[from];
        if (name == "move") JG_RETURN_IF_ERROR(RemoveAt(doc, from));
        JG_RETURN_IF_ERROR(AddAt(doc, path, value));
      } else if (name == "test") {
        if (!doc.contains(path) || doc[path] != op.value("value", json())) {
          return InvalidArgumentError("testing value " + path.to_string() + " failed");
        }
      } else {
        return InvalidArgumentError("Unexpected kind: " + name);
      }
    }
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string("json patch: ") + e.what());
  }
  return doc;
}

StatusOr<json> ApplyStrategicMergePatch(const json& target, const json& patch) {
  if (!patch.is_object()) return InvalidArgumentError("strategic merge patch must be a JSON object");
  json out = target;
  JG_RETURN_IF_ERROR(MergeObject(out, patch));
  return out;
}

}  // namespace joinguard::sandbox
