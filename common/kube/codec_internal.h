// Internal to the codec (common/kube/codec_*.cc): typed field readers and writers over
// nlohmann::json, and MergeWithRaw. Not for use outside common/kube.
//
// The codec's design: each type has a Canonical() serialiser (modelled fields only, empties
// omitted) and a FromJson(). ToJson() keeps unknown fields: it re-decodes `raw`, serialises
// that canonically (c0), diffs c0 against the canonical form of the current object (c1) and
// applies that JSON patch (RFC 6902) to `raw`. Unchanged fields therefore keep their original
// representation and unknown fields survive a read-modify-write, as with client-go's
// unstructured objects.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/kube/objects.h"

namespace joinguard::kube::codec {

std::string Join(std::string_view path, std::string_view key);
// The field, or nullptr when absent or null.
const Json* Field(const Json& obj, const char* key);
// The field, or an empty object.
const Json& Sub(const Json& obj, const char* key);
Status TypeError(std::string_view path, std::string_view key, std::string_view want);
Status RequireObject(const Json& j, std::string_view what);

// Readers: absent or null leaves *out unchanged; a wrong type or an out-of-range integer is
// kInvalidArgument naming the field. Integers are checked in their own Go type's range
// (int32 fields such as spec.expirationSeconds refuse 4294967296, they are not truncated).
Status GetString(const Json& obj, const char* key, std::string* out, std::string_view path);
Status GetOptString(const Json& obj, const char* key, std::optional<std::string>* out, std::string_view path);
Status GetBool(const Json& obj, const char* key, bool* out, std::string_view path);
Status GetInt32(const Json& obj, const char* key, int32_t* out, std::string_view path);
Status GetOptInt32(const Json& obj, const char* key, std::optional<int32_t>* out, std::string_view path);
Status GetInt64(const Json& obj, const char* key, int64_t* out, std::string_view path);
Status GetTime(const Json& obj, const char* key, std::optional<Time>* out, std::string_view path);
Status GetBytes(const Json& obj, const char* key, std::string* out, std::string_view path);
Status GetStringList(const Json& obj, const char* key, std::vector<std::string>* out, std::string_view path);
Status GetStringMap(const Json& obj, const char* key, StringMap* out, std::string_view path,
                    bool base64 = false);
Status GetExtra(const Json& obj, const char* key, ExtraMap* out, std::string_view path);

// Writers: empty values are omitted (Go's omitempty).
void PutString(Json& j, const char* key, const std::string& v);
void PutStringList(Json& j, const char* key, const std::vector<std::string>& v);
void PutStringMap(Json& j, const char* key, const StringMap& m, bool base64 = false);
void PutExtra(Json& j, const char* key, const ExtraMap& m);
void PutTime(Json& j, const char* key, const std::optional<Time>& t);
void PutMicroTime(Json& j, const char* key, const std::optional<Time>& t);
void PutBytes(Json& j, const char* key, const std::string& v);

Json Header(const Resource& r);
Json CanonicalMeta(const ObjectMeta& m);
Json CanonicalRef(const ObjectReference& r);

// See the file comment. `canonical` is the type's canonical serialiser.
template <typename T>
Json MergeWithRaw(const T& o, Json (*canonical)(const T&)) {
  Json c1 = canonical(o);
  if (!o.raw.is_object() || o.raw.empty()) return c1;
  T original;
  if (!FromJson(o.raw, &original).ok()) {
    Json out = o.raw;
    for (auto it = c1.begin(); it != c1.end(); ++it) out[it.key()] = it.value();
    return out;
  }
  Json c0 = canonical(original);
  try {
    Json out = o.raw.patch(Json::diff(c0, c1));
    out["apiVersion"] = c1["apiVersion"];
    out["kind"] = c1["kind"];
    return out;
  } catch (const std::exception&) {
    Json out = o.raw;
    for (auto it = c1.begin(); it != c1.end(); ++it) out[it.key()] = it.value();
    return out;
  }
}

}  // namespace joinguard::kube::codec
