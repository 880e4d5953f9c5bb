#include "node-helper/phases/patches.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "common/files/atomic_file.h"
#include "common/yaml/strict_yaml.h"
#include "node-helper/output/reason.h"
#include "node-helper/phases/yaml_json.h"

namespace joinguard::node::phases {
namespace {

using Json = nlohmann::json;

Status PatchError(std::string message) {
  return WithJoinReason(InvalidArgumentError(std::move(message)), JoinReason::kPatchInvalid);
}

// A patch strategicpatch refuses; caught in ApplyPatch and reported with the file's name.
struct UnsupportedPatch {
  std::string why;
};

std::string Child(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

void StrategicMerge(Json* doc, const Json& patch, const std::string& path, const MergeKeys& keys);

// A list whose elements merge by `key` (strategicpatch mergeSlice): an element with
// `$patch: delete` removes the original's element with the same key, `$patch: replace` makes
// the rest of the patch list the result, any other element merges into the original's element
// with the same key or is appended. Original elements keep their order.
void MergeKeyedList(Json* doc, const Json& patch, const std::string& path, const std::string& key,
                    const MergeKeys& keys) {
  if (!doc->is_array()) *doc = Json::array();
  for (const auto& item : patch) {
    if (item.is_object() && item.value("$patch", "") == "replace") {
      Json replaced = Json::array();
      for (const auto& other : patch) {
        if (!(other.is_object() && other.contains("$patch"))) replaced.push_back(other);
      }
      *doc = std::move(replaced);
      return;
    }
  }
  for (const auto& item : patch) {
    if (!item.is_object() || !item.contains(key)) {
      throw UnsupportedPatch{"an element of list \"" + path + "\" has no \"" + key +
                             "\" (its merge key): " + item.dump()};
    }
    const Json& id = item[key];
    auto match = std::find_if(doc->begin(), doc->end(), [&](const Json& e) {
      return e.is_object() && e.contains(key) && e[key] == id;
    });
    if (auto d = item.find("$patch"); d != item.end()) {
      if (*d != "delete") throw UnsupportedPatch{"\"$patch: " + d->dump() + "\" in list \"" + path + "\""};
      if (match != doc->end()) doc->erase(match);
      continue;
    }
    if (match == doc->end()) {
      Json added;
      StrategicMerge(&added, item, path, keys);  // drops nulls and directives inside it
      doc->push_back(std::move(added));
    } else {
      StrategicMerge(&*match, item, path, keys);
    }
  }
}

// strategicpatch: maps merge recursively, null deletes, lists with a merge key in `keys` merge
// element by element, other lists and scalars replace; "$patch: replace" replaces the map,
// "$patch: delete" removes it. Other "$" directives ($retainKeys, $setElementOrder/...,
// $deleteFromPrimitiveList/...) are refused rather than applied wrongly.
void StrategicMerge(Json* doc, const Json& patch, const std::string& path, const MergeKeys& keys) {
  if (!patch.is_object()) {
    *doc = patch;
    return;
  }
  if (auto d = patch.find("$patch"); d != patch.end()) {
    if (*d == "delete") {
      *doc = nullptr;
      return;
    }
    if (*d == "replace") {
      Json replaced = patch;
      replaced.erase("$patch");
      *doc = replaced;
      return;
    }
    if (*d != "merge") throw UnsupportedPatch{"\"$patch: " + d->dump() + "\" at \"" + path + "\""};
  }
  if (!doc->is_object()) *doc = Json::object();
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    if (it.key() == "$patch") continue;
    if (!it.key().empty() && it.key()[0] == '$') {
      throw UnsupportedPatch{"the directive \"" + it.key() + "\" at \"" + path +
                             "\" is not supported; write the list or map out in full, or use a json patch"};
    }
    if (it->is_null()) {
      doc->erase(it.key());
      continue;
    }
    const std::string child = Child(path, it.key());
    Json& slot = (*doc)[it.key()];
    if (auto key = keys.find(child); key != keys.end() && it->is_array()) {
      MergeKeyedList(&slot, *it, child, key->second, keys);
    } else {
      StrategicMerge(&slot, *it, child, keys);
    }
    if (slot.is_null()) doc->erase(it.key());
  }
}

}  // namespace

const std::vector<std::string>& KnownPatchTargets() {
  static const auto* const kTargets =
      new std::vector<std::string>{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler",
                                   std::string(kKubeletConfigurationTarget)};
  return *kTargets;
}

const MergeKeys& PodMergeKeys() {
  static const auto* const kKeys = [] {
    auto* keys = new MergeKeys{
        {"metadata.ownerReferences", "uid"},
        {"spec.volumes", "name"},
        {"spec.imagePullSecrets", "name"},
        {"spec.hostAliases", "ip"},
        {"spec.schedulingGates", "name"},
        {"spec.resourceClaims", "name"},
        {"spec.topologySpreadConstraints", "topologyKey"},
    };
    for (const char* containers : {"spec.containers", "spec.initContainers", "spec.ephemeralContainers"}) {
      const std::string c = containers;
      keys->emplace(c, "name");
      keys->emplace(c + ".env", "name");
      keys->emplace(c + ".ports", "containerPort");
      keys->emplace(c + ".volumeMounts", "mountPath");
      keys->emplace(c + ".volumeDevices", "devicePath");
    }
    return keys;
  }();
  return *kKeys;
}

StatusOr<std::vector<PatchFile>> ReadPatchDirectory(const std::string& dir,
                                                    const std::vector<std::string>& known_targets,
                                                    std::vector<std::string>* ignored) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return PatchError("could not list patch files for path \"" + dir + "\": not a directory");
  }
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec)) names.push_back(entry.path().filename().string());
  }
  if (ec) return PatchError("could not list patch files for path \"" + dir + "\": " + ec.message());
  std::sort(names.begin(), names.end());  // kubeadm applies patches in file-name order
  std::vector<PatchFile> out;
  for (const auto& name : names) {
    const auto dot = name.rfind('.');
    const std::string ext = dot == std::string::npos ? "" : name.substr(dot + 1);
    if (ext != "json" && ext != "yaml") {
      ignored->push_back(name);
      continue;
    }
    std::string stem = name.substr(0, dot);
    PatchType type = PatchType::kStrategicMerge;
    if (const auto plus = stem.find('+'); plus != std::string::npos) {
      const std::string t = stem.substr(plus + 1);
      if (t == "strategic") {
        type = PatchType::kStrategicMerge;
      } else if (t == "merge") {
        type = PatchType::kMerge;
      } else if (t == "json") {
        type = PatchType::kJson;
      } else {
        return PatchError("unknown or missing patch type \"" + t + "\" in file \"" + name +
                          "\"; use one of strategic, merge, json");
      }
      stem = stem.substr(0, plus);
    }
    // The target is the longest known target the stem starts with; the rest is the suffix.
    std::string target;
    for (const auto& t : known_targets) {
      if (stem.rfind(t, 0) == 0 && t.size() > target.size()) target = t;
    }
    if (target.empty()) {
      ignored->push_back(name);
      continue;
    }
    const std::string path = dir + "/" + name;
    auto text = files::ReadFile(path);
    if (!text.ok())
      return PatchError("could not read patch file \"" + path + "\": " + text.status().message());
    auto json = StrictYamlToJson(*text, "patch file \"" + path + "\"");
    if (!json.ok()) return PatchError(json.status().message());
    if (type == PatchType::kJson ? !json->is_array() : !json->is_object()) {
      return PatchError("patch file \"" + path + "\" must hold " +
                        (type == PatchType::kJson ? "a JSON patch (a list of operations)" : "an object"));
    }
    out.push_back({path, target, type, *std::move(json)});
  }
  return out;
}

std::string AppliedPatchLine(const PatchFile& patch) {
  return "Applied patch of type \"" + std::string(kube::PatchContentType(patch.type)) + "\" to target \"" +
         patch.target + "\"";
}

Status ApplyPatch(const PatchFile& patch, nlohmann::json* doc, const MergeKeys& merge_keys) {
  try {
    switch (patch.type) {
      case PatchType::kStrategicMerge:
        StrategicMerge(doc, patch.patch, "", merge_keys);
        break;
      case PatchType::kMerge:
        doc->merge_patch(patch.patch);
        break;
      case PatchType::kJson:
        *doc = doc->patch(patch.patch);
        break;
    }
  } catch (const nlohmann::json::exception& e) {
    return PatchError("could not apply patch \"" + patch.path + "\" to target \"" + patch.target +
                      "\": " + e.what());
  } catch (const UnsupportedPatch& e) {
    return PatchError("could not apply patch \"" + patch.path + "\" to target \"" + patch.target +
                      "\": " + e.why);
  }
  if (!doc->is_object()) {
    return PatchError("patch \"" + patch.path + "\" leaves target \"" + patch.target +
                      "\" without an object");
  }
  return OkStatus();
}

}  // namespace joinguard::node::phases
