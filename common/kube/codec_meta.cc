// Codec: ObjectMeta, ObjectReference, JSON parsing (the codec's entry point for text).
#include "common/kube/codec_internal.h"

namespace joinguard::kube {

using namespace codec;  // NOLINT: the codec's own field helpers

namespace {

constexpr FieldSpec<ObjectMeta> kObjectMetaFields[] = {
    {"name", &ObjectMeta::name},
    {"generateName", &ObjectMeta::generate_name},
    {"namespace", &ObjectMeta::namespace_},
    {"uid", &ObjectMeta::uid},
    {"resourceVersion", &ObjectMeta::resource_version},
    {"creationTimestamp", &ObjectMeta::creation_timestamp},
    {"deletionTimestamp", &ObjectMeta::deletion_timestamp},
    {"labels", &ObjectMeta::labels},
    {"annotations", &ObjectMeta::annotations},
};
constexpr FieldSpec<ObjectReference> kObjectReferenceFields[] = {
    {"kind", &ObjectReference::kind},
    {"namespace", &ObjectReference::namespace_},
    {"name", &ObjectReference::name},
    {"uid", &ObjectReference::uid},
    {"apiVersion", &ObjectReference::api_version},
    {"resourceVersion", &ObjectReference::resource_version},
    {"fieldPath", &ObjectReference::field_path},
};

}  // namespace

namespace codec {

Json CanonicalMeta(const ObjectMeta& m) {
  Json j = FieldsToJson(kObjectMetaFields, m);
  if (m.owner_references.is_array() && !m.owner_references.empty()) {
    j["ownerReferences"] = m.owner_references;
  }
  if (m.finalizers.is_array() && !m.finalizers.empty()) j["finalizers"] = m.finalizers;
  return j;
}

Json CanonicalRef(const ObjectReference& r) { return FieldsToJson(kObjectReferenceFields, r); }

}  // namespace codec

Json ToJson(const ObjectMeta& m) { return CanonicalMeta(m); }

Status FromJson(const Json& j, ObjectMeta* out) {
  *out = ObjectMeta{};
  if (j.is_null()) return OkStatus();
  JG_RETURN_IF_ERROR(RequireObject(j, "metadata"));
  JG_RETURN_IF_ERROR(GetFields(j, kObjectMetaFields, out, "metadata"));
  if (const Json* f = Field(j, "ownerReferences")) out->owner_references = *f;
  if (const Json* f = Field(j, "finalizers")) out->finalizers = *f;
  return OkStatus();
}

Json ToJson(const ObjectReference& r) { return CanonicalRef(r); }

Status FromJson(const Json& j, ObjectReference* out) {
  *out = ObjectReference{};
  if (j.is_null()) return OkStatus();
  JG_RETURN_IF_ERROR(RequireObject(j, "object reference"));
  return GetFields(j, kObjectReferenceFields, out, "involvedObject");
}

StatusOr<ObjectList<Json>> DecodeListMeta(const Json& list) {
  JG_RETURN_IF_ERROR(RequireObject(list, "list"));
  ObjectList<Json> out;
  const Json& meta = Sub(list, "metadata");
  JG_RETURN_IF_ERROR(RequireObject(meta, "list metadata"));
  JG_RETURN_IF_ERROR(GetString(meta, "resourceVersion", &out.resource_version, "metadata"));
  JG_RETURN_IF_ERROR(GetString(meta, "continue", &out.continue_token, "metadata"));
  if (const Json* items = Field(list, "items"); items && !items->is_array()) {
    return TypeError("", "items", "an array");
  }
  return out;
}

StatusOr<Json> ParseJson(std::string_view text) {
  if (text.size() > kMaxJsonBytes) {
    return InvalidArgumentError("JSON document of " + std::to_string(text.size()) + " bytes is over the " +
                                std::to_string(kMaxJsonBytes) + "-byte limit");
  }
  // nlohmann's parser is iterative, but dump(), diff() and destruction of parsed values
  // recurse: refuse deep nesting before parsing (one pass; brackets inside strings skipped).
  int depth = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxJsonDepth) {
        return InvalidArgumentError("JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
      }
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    std::string head(text.substr(0, 80));
    return InvalidArgumentError("invalid JSON (truncated or malformed; starts with \"" + head + "\")");
  }
  return j;
}

ObjectMeta MetaOf(const Json& object) {
  ObjectMeta m;
  if (object.is_object()) {
    auto it = object.find("metadata");
    if (it != object.end()) FromJson(*it, &m).IgnoreError();
  }
  return m;
}

}  // namespace joinguard::kube
