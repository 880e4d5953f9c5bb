// Internal to the codecs in common/ (common/kube/codec_*.cc, common/kube/nodejoin.cc,
// common/grants): typed field readers and writers over nlohmann::json, field tables, and
// MergeWithRaw. Not for use outside common/.
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
#include <type_traits>
#include <variant>
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

// Field tables: one list of {JSON key, member, encoding} per JSON object serves both its reader
// (GetFields) and its writer (PutFields). The member's C++ type picks the JSON type: string,
// bool, int32, RFC 3339 time, string list, string map, extra (map of string lists);
// std::optional members may be absent. Writers omit empty values (Go's omitempty: "", false,
// 0, null, empty list or map) unless the encoding says otherwise.
enum class Encoding {
  kOmitEmpty,  // the default
  kAlways,     // written even when empty (upstream has no omitempty on it)
  kBase64,     // []byte in Go: a string or a string map's values travel base64-encoded
  kMicroTime,  // metav1.MicroTime: RFC 3339 with microseconds
};

template <typename T>
struct FieldSpec {
  using Member = std::variant<std::string T::*, std::optional<std::string> T::*, bool T::*, int32_t T::*,
                              std::optional<int32_t> T::*, std::optional<Time> T::*,
                              std::vector<std::string> T::*, StringMap T::*, ExtraMap T::*>;
  const char* key;
  Member member;
  Encoding encoding = Encoding::kOmitEmpty;
};

// One value of a field table (the reader and writer of each member type).
template <typename V>
Status GetValue(const Json& obj, const char* key, Encoding encoding, V* out, std::string_view path) {
  if constexpr (std::is_same_v<V, std::string>) {
    return encoding == Encoding::kBase64 ? GetBytes(obj, key, out, path) : GetString(obj, key, out, path);
  } else if constexpr (std::is_same_v<V, std::optional<std::string>>) {
    return GetOptString(obj, key, out, path);
  } else if constexpr (std::is_same_v<V, bool>) {
    return GetBool(obj, key, out, path);
  } else if constexpr (std::is_same_v<V, int32_t>) {
    return GetInt32(obj, key, out, path);
  } else if constexpr (std::is_same_v<V, std::optional<int32_t>>) {
    return GetOptInt32(obj, key, out, path);
  } else if constexpr (std::is_same_v<V, std::optional<Time>>) {
    return GetTime(obj, key, out, path);
  } else if constexpr (std::is_same_v<V, std::vector<std::string>>) {
    return GetStringList(obj, key, out, path);
  } else if constexpr (std::is_same_v<V, StringMap>) {
    return GetStringMap(obj, key, out, path, encoding == Encoding::kBase64);
  } else {
    static_assert(std::is_same_v<V, ExtraMap>);
    return GetExtra(obj, key, out, path);
  }
}
template <typename V>
void PutValue(Json& j, const char* key, Encoding encoding, const V& v) {
  if constexpr (std::is_same_v<V, std::string>) {
    if (encoding == Encoding::kBase64) {
      PutBytes(j, key, v);
    } else if (encoding == Encoding::kAlways) {
      j[key] = v;
    } else {
      PutString(j, key, v);
    }
  } else if constexpr (std::is_same_v<V, bool> || std::is_same_v<V, int32_t>) {
    if (v || encoding == Encoding::kAlways) j[key] = v;
  } else if constexpr (std::is_same_v<V, std::optional<std::string>> ||
                       std::is_same_v<V, std::optional<int32_t>>) {
    if (v) j[key] = *v;
  } else if constexpr (std::is_same_v<V, std::optional<Time>>) {
    if (encoding == Encoding::kMicroTime) {
      PutMicroTime(j, key, v);
    } else {
      PutTime(j, key, v);
    }
  } else if constexpr (std::is_same_v<V, std::vector<std::string>>) {
    PutStringList(j, key, v);
  } else if constexpr (std::is_same_v<V, StringMap>) {
    PutStringMap(j, key, v, encoding == Encoding::kBase64);
  } else {
    static_assert(std::is_same_v<V, ExtraMap>);
    PutExtra(j, key, v);
  }
}

// Reads every field of the table from `obj` into *out (absent or null fields keep their value).
template <typename T, size_t N>
Status GetFields(const Json& obj, const FieldSpec<T> (&fields)[N], T* out, std::string_view path) {
  for (const FieldSpec<T>& f : fields) {
    JG_RETURN_IF_ERROR(std::visit(
        [&](auto member) { return GetValue(obj, f.key, f.encoding, &(out->*member), path); }, f.member));
  }
  return OkStatus();
}
// Writes every field of the table from `o` into the object `j`.
template <typename T, size_t N>
void PutFields(Json& j, const FieldSpec<T> (&fields)[N], const T& o) {
  for (const FieldSpec<T>& f : fields) {
    std::visit([&](auto member) { PutValue(j, f.key, f.encoding, o.*member); }, f.member);
  }
}
// A JSON object holding the table's fields of `o`.
template <typename T, size_t N>
Json FieldsToJson(const FieldSpec<T> (&fields)[N], const T& o) {
  Json j = Json::object();
  PutFields(j, fields, o);
  return j;
}

// An array of objects: `read_one(element, element_path, &item)` decodes each element. Absent or
// null leaves *out unchanged; a non-array or a non-object element is kInvalidArgument.
template <typename T, typename ReadOne>
Status GetObjectList(const Json& obj, const char* key, std::vector<T>* out, std::string_view path,
                     ReadOne read_one) {
  const Json* f = Field(obj, key);
  if (!f) return OkStatus();
  if (!f->is_array()) return TypeError(path, key, "an array");
  for (size_t i = 0; i < f->size(); ++i) {
    const std::string p = Join(path, key) + "[" + std::to_string(i) + "]";
    JG_RETURN_IF_ERROR(RequireObject((*f)[i], "field " + p));
    T item;
    JG_RETURN_IF_ERROR(read_one((*f)[i], p, &item));
    out->push_back(std::move(item));
  }
  return OkStatus();
}
// The writer: `write_one(object, item)` fills one element; an empty list is omitted.
template <typename T, typename WriteOne>
void PutObjectList(Json& j, const char* key, const std::vector<T>& items, WriteOne write_one) {
  if (items.empty()) return;
  Json a = Json::array();
  for (const T& item : items) {
    Json o = Json::object();
    write_one(o, item);
    a.push_back(std::move(o));
  }
  j[key] = std::move(a);
}

// The same for lists whose elements are described by a field table.
template <typename T, size_t N>
Status GetObjectList(const Json& obj, const char* key, std::vector<T>* out, std::string_view path,
                     const FieldSpec<T> (&fields)[N]) {
  return GetObjectList(obj, key, out, path, [&](const Json& e, const std::string& p, T* item) {
    return GetFields(e, fields, item, p);
  });
}
template <typename T, size_t N>
void PutObjectList(Json& j, const char* key, const std::vector<T>& items, const FieldSpec<T> (&fields)[N]) {
  PutObjectList(j, key, items, [&](Json& e, const T& item) { PutFields(e, fields, item); });
}

Json Header(const Resource& r);
Json CanonicalMeta(const ObjectMeta& m);
Json CanonicalRef(const ObjectReference& r);

// The start of a top-level object's serialiser: apiVersion, kind and metadata.
template <typename T>
Json CanonicalHead(const T& o) {
  Json j = Header(o.kResource);
  j["metadata"] = CanonicalMeta(o.metadata);
  return j;
}
// The same followed by the object's top-level fields.
template <typename T, size_t N>
Json CanonicalHead(const T& o, const FieldSpec<T> (&fields)[N]) {
  Json j = CanonicalHead(o);
  PutFields(j, fields, o);
  return j;
}
// The start of a top-level object's FromJson: reset *out, require an object, decode metadata.
template <typename T>
Status DecodeHead(const Json& j, std::string_view kind, T* out) {
  *out = T{};
  JG_RETURN_IF_ERROR(RequireObject(j, kind));
  return FromJson(Sub(j, "metadata"), &out->metadata);
}
// The whole FromJson of a top-level object whose fields are all in one table (ConfigMap, Secret).
template <typename T, size_t N>
Status DecodeFlatObject(const Json& j, const FieldSpec<T> (&fields)[N], T* out) {
  JG_RETURN_IF_ERROR(DecodeHead(j, T::kResource.kind, out));
  JG_RETURN_IF_ERROR(GetFields(j, fields, out, ""));
  out->raw = j;
  return OkStatus();
}

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
