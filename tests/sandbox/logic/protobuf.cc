#include "tests/sandbox/logic/protobuf.h"

#include <cstdint>

#include "common/crypto/encoding.h"
#include "tests/sandbox/logic/util.h"

namespace joinguard::sandbox::logic {

namespace {

using nlohmann::json;

// A minimal protobuf wire-format reader over one message's bytes.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool done() const { return pos_ >= data_.size(); }

  Status Varint(uint64_t& out) {
    out = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) return Malformed("truncated varint");
      const uint8_t b = static_cast<uint8_t>(data_[pos_++]);
      out |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return OkStatus();
    }
    return Malformed("varint too long");
  }
  Status Tag(int& field, int& wire) {
    uint64_t v;
    JG_RETURN_IF_ERROR(Varint(v));
    field = static_cast<int>(v >> 3);
    wire = static_cast<int>(v & 7);
    if (field <= 0) return Malformed("invalid field number 0");
    return OkStatus();
  }
  Status Bytes(int wire, std::string_view& out) {
    if (wire != 2) return Malformed("expected a length-delimited field");
    uint64_t len;
    JG_RETURN_IF_ERROR(Varint(len));
    if (len > data_.size() - pos_) return Malformed("length-delimited field runs past the end");
    out = data_.substr(pos_, len);
    pos_ += len;
    return OkStatus();
  }
  Status Int(int wire, int64_t& out) {
    if (wire != 0) return Malformed("expected a varint field");
    uint64_t v;
    JG_RETURN_IF_ERROR(Varint(v));
    out = static_cast<int64_t>(v);
    return OkStatus();
  }
  Status Skip(int wire) {
    uint64_t v;
    std::string_view sv;
    switch (wire) {
      case 0:
        return Varint(v);
      case 1:
        return Advance(8);
      case 2:
        return Bytes(2, sv);
      case 5:
        return Advance(4);
      default:
        return Malformed("unsupported wire type " + std::to_string(wire));
    }
  }
  static Status Malformed(const std::string& what) {
    return InvalidArgumentError("invalid protobuf body: " + what).WithReason("BadRequest", 400);
  }

 private:
  Status Advance(size_t n) {
    if (n > data_.size() - pos_) return Malformed("fixed field runs past the end");
    pos_ += n;
    return OkStatus();
  }
  std::string_view data_;
  size_t pos_ = 0;
};

// metav1.Time {1 seconds, 2 nanos} → RFC 3339 (whole seconds); zero time → nullopt.
StatusOr<std::optional<std::string>> DecodeTime(std::string_view bytes) {
  Reader r(bytes);
  int64_t seconds = 0, nanos = 0;
  while (!r.done()) {
    int f, w;
    JG_RETURN_IF_ERROR(r.Tag(f, w));
    if (f == 1) {
      JG_RETURN_IF_ERROR(r.Int(w, seconds));
    } else if (f == 2) {
      JG_RETURN_IF_ERROR(r.Int(w, nanos));
    } else {
      JG_RETURN_IF_ERROR(r.Skip(w));
    }
  }
  if (seconds == 0 && nanos == 0) return std::optional<std::string>();
  // Go's zero time.Time (0001-01-01) is also "zero".
  if (seconds == -62135596800LL) return std::optional<std::string>();
  return std::optional<std::string>(
      FormatRfc3339(std::chrono::system_clock::time_point(std::chrono::seconds(seconds))));
}

// map<string,string> entry {1 key, 2 value}.
Status DecodeStringMapEntry(std::string_view bytes, json& map) {
  Reader r(bytes);
  std::string key, value;
  while (!r.done()) {
    int f, w;
    JG_RETURN_IF_ERROR(r.Tag(f, w));
    std::string_view sv;
    if (f == 1 || f == 2) {
      JG_RETURN_IF_ERROR(r.Bytes(w, sv));
      (f == 1 ? key : value) = std::string(sv);
    } else {
      JG_RETURN_IF_ERROR(r.Skip(w));
    }
  }
  map[key] = value;
  return OkStatus();
}

Status DecodeObjectMeta(std::string_view bytes, json& meta) {
  Reader r(bytes);
  while (!r.done()) {
    int f, w;
    JG_RETURN_IF_ERROR(r.Tag(f, w));
    std::string_view sv;
    int64_t iv;
    switch (f) {
      case 1:
      case 2:
      case 3:
      case 4:
      case 5:
      case 6: {
        static const char* kNames[] = {"",         "name", "generateName",   "namespace",
                                       "selfLink", "uid",  "resourceVersion"};
        JG_RETURN_IF_ERROR(r.Bytes(w, sv));
        if (!sv.empty()) meta[kNames[f]] = std::string(sv);
        break;
      }
      case 7:
        JG_RETURN_IF_ERROR(r.Int(w, iv));
        if (iv != 0) meta["generation"] = iv;
        break;
      case 8:
      case 9: {
        JG_RETURN_IF_ERROR(r.Bytes(w, sv));
        JG_ASSIGN_OR_RETURN(auto t, DecodeTime(sv));
        if (t) meta[f == 8 ? "creationTimestamp" : "deletionTimestamp"] = *t;
        break;
      }
      case 10:
        JG_RETURN_IF_ERROR(r.Int(w, iv));
        meta["deletionGracePeriodSeconds"] = iv;
        break;
      case 11:
      case 12: {
        JG_RETURN_IF_ERROR(r.Bytes(w, sv));
        json& m = meta[f == 11 ? "labels" : "annotations"];
        if (m.is_null()) m = json::object();
        JG_RETURN_IF_ERROR(DecodeStringMapEntry(sv, m));
        break;
      }
      case 14:
        JG_RETURN_IF_ERROR(r.Bytes(w, sv));
        meta["finalizers"].push_back(std::string(sv));
        break;
      default:  // ownerReferences, managedFields, ...: not needed for CSR approval
        JG_RETURN_IF_ERROR(r.Skip(w));
    }
  }
  return OkStatus();
}

// map<string, ExtraValue{repeated string items = 1}> entry.
Status DecodeExtraEntry(std::string_view bytes, json& extra) {
  Reader r(bytes);
  std::string key;
  json items = json::array();
  while (!r.done()) {
    int f, w;
    JG_RETURN_IF_ERROR(r.Tag(f, w));
    std::string_view sv;
    if (f == 1) {
      JG_RETURN_IF_ERROR(r.Bytes(w, sv));
      key = std::string(sv);
    } else if (f == 2) {
      JG_RETURN_IF_ERROR(r.Bytes(w, sv));
      Reader v(sv);
      while (!v.done()) {
        int vf, vw;
        JG_RETURN_IF_ERROR(v.Tag(vf, vw));
        std::string_view item;
        if (vf == 1) {
          JG_RETURN_IF_ERROR(v.Bytes(vw, item));
          items.push_back(std::string(item));
        } else {
          JG_RETURN_IF_ERROR(v.Skip(vw));
        }
      }
    } else {
      JG_RETURN_IF_ERROR(r.Skip(w));
    }
  }
  extra[key] = items;
  return OkStatus();
}

Status DecodeSpec(std::string_view bytes, json& spec) {
  Reader r(bytes);
  while (!r.done()) {
    int f, w;
    JG_RETURN_IF_ERROR(r.Tag(f, w));
    std::string_view sv;
    int64_t iv;
    switch (f) {
      case 1:
        JG_RETURN_IF_ERROR(r.Bytes(w, sv));
        spec["request"] = crypto::Base64Encode(sv);
        break;
      case 2:
      case 3:
        JG_RETURN_IF_ERROR(r.Bytes(w, sv));
        if (!sv.empty()) spec[f == 2 ? "username" : "uid"] = std::string(sv);
        break;
      case 4:
      case 5:
        JG_RETURN_IF_ERROR(r.Bytes(w, sv));
        spec[f == 4 ? "groups" : "usages"].push_back(std::string(sv));
        break;
      case 6: {
        JG_RETURN_IF_ERROR(r.Bytes(w, sv));
        json& extra = spec["extra"];
        if (extra.is_null()) extra = json::object();
        JG_RETURN_IF_ERROR(DecodeExtraEntry(sv, extra));
        break;
      }
      case 7:
        JG_RETURN_IF_ERROR(r.Bytes(w, sv));
        spec["signerName"] = std::string(sv);
        break;
      case 8:
        JG_RETURN_IF_ERROR(r.Int(w, iv));
        spec["expirationSeconds"] = static_cast<int32_t>(iv);
        break;
      default:
        JG_RETURN_IF_ERROR(r.Skip(w));
    }
  }
  if (!spec.contains("signerName")) spec["signerName"] = "";
  return OkStatus();
}

Status DecodeCondition(std::string_view bytes, json& cond) {
  Reader r(bytes);
  while (!r.done()) {
    int f, w;
    JG_RETURN_IF_ERROR(r.Tag(f, w));
    std::string_view sv;
    switch (f) {
      case 1:
      case 2:
      case 3:
      case 6: {
        JG_RETURN_IF_ERROR(r.Bytes(w, sv));
        const char* name = f == 1 ? "type" : f == 2 ? "reason" : f == 3 ? "message" : "status";
        if (!sv.empty() || f == 1 || f == 6) cond[name] = std::string(sv);
        break;
      }
      case 4:
      case 5: {
        JG_RETURN_IF_ERROR(r.Bytes(w, sv));
        JG_ASSIGN_OR_RETURN(auto t, DecodeTime(sv));
        if (t) cond[f == 4 ? "lastUpdateTime" : "lastTransitionTime"] = *t;
        break;
      }
      default:
        JG_RETURN_IF_ERROR(r.Skip(w));
    }
  }
  return OkStatus();
}

Status DecodeStatus(std::string_view bytes, json& status) {
  Reader r(bytes);
  while (!r.done()) {
    int f, w;
    JG_RETURN_IF_ERROR(r.Tag(f, w));
    std::string_view sv;
    if (f == 1) {
      JG_RETURN_IF_ERROR(r.Bytes(w, sv));
      json cond = json::object();
      JG_RETURN_IF_ERROR(DecodeCondition(sv, cond));
      status["conditions"].push_back(cond);
    } else if (f == 2) {
      JG_RETURN_IF_ERROR(r.Bytes(w, sv));
      if (!sv.empty()) status["certificate"] = crypto::Base64Encode(sv);
    } else {
      JG_RETURN_IF_ERROR(r.Skip(w));
    }
  }
  return OkStatus();
}

struct Envelope {
  std::string api_version, kind;
  std::string_view raw;
};

StatusOr<Envelope> DecodeEnvelope(std::string_view body) {
  constexpr std::string_view kMagic("k8s\0", 4);
  if (body.size() < kMagic.size() || body.substr(0, kMagic.size()) != kMagic) {
    return Reader::Malformed("missing the Kubernetes protobuf magic prefix \"k8s\\x00\"");
  }
  // runtime.Unknown {1 typeMeta, 2 raw, 3 contentEncoding, 4 contentType}.
  Reader envelope(body.substr(kMagic.size()));
  Envelope out;
  std::string content_encoding;
  bool have_raw = false;
  while (!envelope.done()) {
    int f, w;
    JG_RETURN_IF_ERROR(envelope.Tag(f, w));
    std::string_view sv;
    if (f == 1) {
      JG_RETURN_IF_ERROR(envelope.Bytes(w, sv));
      Reader tm(sv);
      while (!tm.done()) {
        int tf, tw;
        JG_RETURN_IF_ERROR(tm.Tag(tf, tw));
        std::string_view s;
        if (tf == 1 || tf == 2) {
          JG_RETURN_IF_ERROR(tm.Bytes(tw, s));
          (tf == 1 ? out.api_version : out.kind) = std::string(s);
        } else {
          JG_RETURN_IF_ERROR(tm.Skip(tw));
        }
      }
    } else if (f == 2) {
      JG_RETURN_IF_ERROR(envelope.Bytes(w, out.raw));
      have_raw = true;
    } else if (f == 3) {
      JG_RETURN_IF_ERROR(envelope.Bytes(w, sv));
      content_encoding = std::string(sv);
    } else {
      JG_RETURN_IF_ERROR(envelope.Skip(w));
    }
  }
  if (!content_encoding.empty()) {
    return Reader::Malformed("unsupported contentEncoding " + GoQuote(content_encoding));
  }
  if (!have_raw) return Reader::Malformed("runtime.Unknown carries no raw object");
  return out;
}

StatusOr<json> DecodeCsrRaw(const std::string& api_version, const std::string& kind, std::string_view raw) {
  json csr = {{"apiVersion", api_version},
              {"kind", kind},
              {"metadata", json::object()},
              {"spec", json::object()},
              {"status", json::object()}};
  Reader obj(raw);
  while (!obj.done()) {
    int f, w;
    JG_RETURN_IF_ERROR(obj.Tag(f, w));
    std::string_view sv;
    switch (f) {
      case 1:
        JG_RETURN_IF_ERROR(obj.Bytes(w, sv));
        JG_RETURN_IF_ERROR(DecodeObjectMeta(sv, csr["metadata"]));
        break;
      case 2:
        JG_RETURN_IF_ERROR(obj.Bytes(w, sv));
        JG_RETURN_IF_ERROR(DecodeSpec(sv, csr["spec"]));
        break;
      case 3:
        JG_RETURN_IF_ERROR(obj.Bytes(w, sv));
        JG_RETURN_IF_ERROR(DecodeStatus(sv, csr["status"]));
        break;
      default:
        JG_RETURN_IF_ERROR(obj.Skip(w));
    }
  }
  if (!csr["spec"].contains("signerName")) csr["spec"]["signerName"] = "";
  return csr;
}

// authorization/v1 ResourceAttributes {1 namespace, 2 verb, 3 group, 4 version, 5 resource,
// 6 subresource, 7 name} / NonResourceAttributes {1 path, 2 verb}.
Status DecodeStringFields(std::string_view bytes, const std::vector<const char*>& names, json& out) {
  Reader r(bytes);
  while (!r.done()) {
    int f, w;
    JG_RETURN_IF_ERROR(r.Tag(f, w));
    std::string_view sv;
    if (f >= 1 && f <= static_cast<int>(names.size()) && names[f - 1] != nullptr) {
      JG_RETURN_IF_ERROR(r.Bytes(w, sv));
      if (!sv.empty()) out[names[f - 1]] = std::string(sv);
    } else {
      JG_RETURN_IF_ERROR(r.Skip(w));  // fieldSelector/labelSelector (1.31+): not evaluated
    }
  }
  return OkStatus();
}

// SelfSubjectAccessReviewSpec {1 resourceAttributes, 2 nonResourceAttributes};
// SubjectAccessReviewSpec adds {3 user, 4 groups, 5 extra, 6 uid}.
Status DecodeAccessReviewSpec(std::string_view bytes, json& spec) {
  Reader r(bytes);
  while (!r.done()) {
    int f, w;
    JG_RETURN_IF_ERROR(r.Tag(f, w));
    std::string_view sv;
    switch (f) {
      case 1:
        JG_RETURN_IF_ERROR(r.Bytes(w, sv));
        spec["resourceAttributes"] = json::object();
        JG_RETURN_IF_ERROR(DecodeStringFields(
            sv, {"namespace", "verb", "group", "version", "resource", "subresource", "name"},
            spec["resourceAttributes"]));
        break;
      case 2:
        JG_RETURN_IF_ERROR(r.Bytes(w, sv));
        spec["nonResourceAttributes"] = json::object();
        JG_RETURN_IF_ERROR(DecodeStringFields(sv, {"path", "verb"}, spec["nonResourceAttributes"]));
        break;
      case 3:
      case 6:
        JG_RETURN_IF_ERROR(r.Bytes(w, sv));
        if (!sv.empty()) spec[f == 3 ? "user" : "uid"] = std::string(sv);
        break;
      case 4:
        JG_RETURN_IF_ERROR(r.Bytes(w, sv));
        spec["groups"].push_back(std::string(sv));
        break;
      case 5: {
        JG_RETURN_IF_ERROR(r.Bytes(w, sv));
        json& extra = spec["extra"];
        if (extra.is_null()) extra = json::object();
        JG_RETURN_IF_ERROR(DecodeExtraEntry(sv, extra));
        break;
      }
      default:
        JG_RETURN_IF_ERROR(r.Skip(w));
    }
  }
  return OkStatus();
}

StatusOr<json> DecodeAccessReviewRaw(const std::string& api_version, const std::string& kind,
                                     std::string_view raw) {
  json obj = {
      {"apiVersion", api_version}, {"kind", kind}, {"metadata", json::object()}, {"spec", json::object()}};
  Reader r(raw);
  while (!r.done()) {
    int f, w;
    JG_RETURN_IF_ERROR(r.Tag(f, w));
    std::string_view sv;
    if (f == 1) {
      JG_RETURN_IF_ERROR(r.Bytes(w, sv));
      JG_RETURN_IF_ERROR(DecodeObjectMeta(sv, obj["metadata"]));
    } else if (f == 2) {
      JG_RETURN_IF_ERROR(r.Bytes(w, sv));
      JG_RETURN_IF_ERROR(DecodeAccessReviewSpec(sv, obj["spec"]));
    } else {
      JG_RETURN_IF_ERROR(r.Skip(w));  // status is output-only
    }
  }
  return obj;
}

}  // namespace

StatusOr<json> DecodeCsrProtobuf(std::string_view body) {
  JG_ASSIGN_OR_RETURN(Envelope env, DecodeEnvelope(body));
  if (env.api_version.empty()) env.api_version = "certificates.k8s.io/v1";
  if (env.kind.empty()) env.kind = "CertificateSigningRequest";
  if (env.kind != "CertificateSigningRequest" || env.api_version != "certificates.k8s.io/v1") {
    return Reader::Malformed("expected certificates.k8s.io/v1 CertificateSigningRequest, got " +
                             env.api_version + " " + env.kind);
  }
  return DecodeCsrRaw(env.api_version, env.kind, env.raw);
}

StatusOr<json> DecodeProtobufObject(std::string_view body) {
  JG_ASSIGN_OR_RETURN(Envelope env, DecodeEnvelope(body));
  if (env.api_version == "certificates.k8s.io/v1" && env.kind == "CertificateSigningRequest") {
    return DecodeCsrRaw(env.api_version, env.kind, env.raw);
  }
  if (env.api_version == "authorization.k8s.io/v1" &&
      (env.kind == "SelfSubjectAccessReview" || env.kind == "SubjectAccessReview")) {
    return DecodeAccessReviewRaw(env.api_version, env.kind, env.raw);
  }
  if (env.api_version == "authentication.k8s.io/v1" && env.kind == "SelfSubjectReview") {
    // SelfSubjectReview has no spec; its metadata is ignored by the server.
    return json{{"apiVersion", env.api_version}, {"kind", env.kind}, {"metadata", json::object()}};
  }
  return UnimplementedError("the sandbox cannot decode protobuf " + env.api_version + " " + env.kind +
                            "; send application/json")
      .WithReason("UnsupportedMediaType", 415);
}

}  // namespace joinguard::sandbox::logic
