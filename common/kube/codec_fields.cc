// Typed field readers and writers of the codec (codec_internal.h).
#include <limits>

#include "common/crypto/encoding.h"
#include "common/kube/codec_internal.h"

namespace joinguard::kube::codec {

std::string Join(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return std::string(path) + "." + std::string(key);
}

const Json* Field(const Json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

Status TypeError(std::string_view path, std::string_view key, std::string_view want) {
  return InvalidArgumentError("field " + Join(path, key) + ": expected " + std::string(want));
}

Status GetString(const Json& obj, const char* key, std::string* out, std::string_view path) {
  const Json* f = Field(obj, key);
  if (!f) return OkStatus();
  if (!f->is_string()) return TypeError(path, key, "a string");
  *out = f->get<std::string>();
  return OkStatus();
}

Status GetOptString(const Json& obj, const char* key, std::optional<std::string>* out,
                    std::string_view path) {
  const Json* f = Field(obj, key);
  if (!f) return OkStatus();
  if (!f->is_string()) return TypeError(path, key, "a string");
  *out = f->get<std::string>();
  return OkStatus();
}

Status GetBool(const Json& obj, const char* key, bool* out, std::string_view path) {
  const Json* f = Field(obj, key);
  if (!f) return OkStatus();
  if (!f->is_boolean()) return TypeError(path, key, "a boolean");
  *out = f->get<bool>();
  return OkStatus();
}

namespace {

// The integer value of `f` if it is an integer within T's range. JSON numbers with a fraction
// or an exponent are not integers (Go's encoding/json refuses them for int fields too).
template <typename T>
Status IntInRange(const Json& f, std::string_view path, const char* key, T* out) {
  constexpr auto kLo = std::numeric_limits<T>::min();
  constexpr auto kHi = std::numeric_limits<T>::max();
  const std::string type = sizeof(T) == 4 ? "int32" : "int64";
  if (f.is_number_unsigned()) {
    const uint64_t v = f.get<uint64_t>();
    if (v > static_cast<uint64_t>(kHi)) {
      return InvalidArgumentError("field " + Join(path, key) + ": " + std::to_string(v) +
                                  " is out of range for an " + type);
    }
    *out = static_cast<T>(v);
    return OkStatus();
  }
  if (!f.is_number_integer()) return TypeError(path, key, "an integer (" + type + ")");
  const int64_t v = f.get<int64_t>();
  if (v < static_cast<int64_t>(kLo) || v > static_cast<int64_t>(kHi)) {
    return InvalidArgumentError("field " + Join(path, key) + ": " + std::to_string(v) +
                                " is out of range for an " + type);
  }
  *out = static_cast<T>(v);
  return OkStatus();
}

}  // namespace

Status GetInt32(const Json& obj, const char* key, int32_t* out, std::string_view path) {
  const Json* f = Field(obj, key);
  return f ? IntInRange<int32_t>(*f, path, key, out) : OkStatus();
}

Status GetOptInt32(const Json& obj, const char* key, std::optional<int32_t>* out, std::string_view path) {
  int32_t v = 0;
  if (!Field(obj, key)) return OkStatus();
  JG_RETURN_IF_ERROR(GetInt32(obj, key, &v, path));
  *out = v;
  return OkStatus();
}

Status GetInt64(const Json& obj, const char* key, int64_t* out, std::string_view path) {
  const Json* f = Field(obj, key);
  return f ? IntInRange<int64_t>(*f, path, key, out) : OkStatus();
}

Status GetTime(const Json& obj, const char* key, std::optional<Time>* out, std::string_view path) {
  const Json* f = Field(obj, key);
  if (!f) return OkStatus();
  if (!f->is_string()) return TypeError(path, key, "an RFC 3339 time string");
  if (f->get_ref<const std::string&>().empty()) return OkStatus();
  auto t = ParseTime(f->get<std::string>());
  if (!t.ok()) return t.status().Annotate("field " + Join(path, key));
  *out = *t;
  return OkStatus();
}

Status GetBytes(const Json& obj, const char* key, std::string* out, std::string_view path) {
  const Json* f = Field(obj, key);
  if (!f) return OkStatus();
  if (!f->is_string()) return TypeError(path, key, "a base64 string");
  auto b = crypto::Base64Decode(f->get<std::string>());
  if (!b.ok()) return b.status().Annotate("field " + Join(path, key) + ": invalid base64");
  *out = std::move(*b);
  return OkStatus();
}

Status GetStringList(const Json& obj, const char* key, std::vector<std::string>* out, std::string_view path) {
  const Json* f = Field(obj, key);
  if (!f) return OkStatus();
  if (!f->is_array()) return TypeError(path, key, "an array of strings");
  out->clear();
  for (const auto& v : *f) {
    if (!v.is_string()) return TypeError(path, key, "an array of strings");
    out->push_back(v.get<std::string>());
  }
  return OkStatus();
}

Status GetStringMap(const Json& obj, const char* key, StringMap* out, std::string_view path, bool base64) {
  const Json* f = Field(obj, key);
  if (!f) return OkStatus();
  if (!f->is_object()) return TypeError(path, key, "an object of strings");
  out->clear();
  for (auto it = f->begin(); it != f->end(); ++it) {
    if (!it->is_string()) return TypeError(Join(path, key), it.key(), "a string");
    if (base64) {
      auto b = crypto::Base64Decode(it->get<std::string>());
      if (!b.ok()) {
        return b.status().Annotate("field " + Join(Join(path, key), it.key()) + ": invalid base64");
      }
      (*out)[it.key()] = std::move(*b);
    } else {
      (*out)[it.key()] = it->get<std::string>();
    }
  }
  return OkStatus();
}

Status GetExtra(const Json& obj, const char* key, ExtraMap* out, std::string_view path) {
  const Json* f = Field(obj, key);
  if (!f) return OkStatus();
  if (!f->is_object()) return TypeError(path, key, "an object of string arrays");
  out->clear();
  for (auto it = f->begin(); it != f->end(); ++it) {
    std::vector<std::string> values;
    Json wrapper = Json::object({{"v", *it}});
    JG_RETURN_IF_ERROR(GetStringList(wrapper, "v", &values, Join(Join(path, key), it.key())));
    (*out)[it.key()] = std::move(values);
  }
  return OkStatus();
}

const Json& Sub(const Json& obj, const char* key) {
  static const Json* const kEmpty = new Json(Json::object());  // leaked on purpose: no dtor
  const Json* f = Field(obj, key);
  return f ? *f : *kEmpty;
}

// ---- writers ----
void PutString(Json& j, const char* key, const std::string& v) {
  if (!v.empty()) j[key] = v;
}
void PutStringList(Json& j, const char* key, const std::vector<std::string>& v) {
  if (!v.empty()) j[key] = v;
}
void PutStringMap(Json& j, const char* key, const StringMap& m, bool base64) {
  if (m.empty()) return;
  Json o = Json::object();
  for (const auto& [k, v] : m) o[k] = base64 ? crypto::Base64Encode(v) : v;
  j[key] = std::move(o);
}
void PutExtra(Json& j, const char* key, const ExtraMap& m) {
  if (m.empty()) return;
  Json o = Json::object();
  for (const auto& [k, v] : m) o[k] = v;
  j[key] = std::move(o);
}
void PutTime(Json& j, const char* key, const std::optional<Time>& t) {
  if (t) j[key] = FormatTime(*t);
}
void PutMicroTime(Json& j, const char* key, const std::optional<Time>& t) {
  if (t) j[key] = FormatMicroTime(*t);
}
void PutBytes(Json& j, const char* key, const std::string& v) {
  if (!v.empty()) j[key] = crypto::Base64Encode(v);
}

Json Header(const Resource& r) {
  Json j = Json::object();
  j["apiVersion"] = r.ApiVersion();
  j["kind"] = std::string(r.kind);
  return j;
}

Status RequireObject(const Json& j, std::string_view what) {
  if (!j.is_object()) return InvalidArgumentError(std::string(what) + ": expected a JSON object");
  return OkStatus();
}

}  // namespace joinguard::kube::codec
