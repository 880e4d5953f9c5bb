#include "tests/sandbox/server/api_helpers.h"

#include "tests/sandbox/server/api_server.h"

#include "common/crypto/encoding.h"
#include "common/kube/api_error.h"
#include "tests/sandbox/logic/protobuf.h"
#include "tests/sandbox/logic/util.h"
#include "tests/sandbox/server/tables.h"
#include "common/text/ascii.h"

namespace joinguard::sandbox {

using nlohmann::json;

namespace api_internal {

Status ApiErr(StatusCode code, std::string reason, int http, std::string message) {
  return Status(code, std::move(message)).WithReason(std::move(reason), http);
}
Status NotFound(const ResourceType& t, const std::string& name) {
  return ApiErr(StatusCode::kNotFound, "NotFound", 404,
                t.QualifiedResource() + " \"" + name + "\" not found");
}
Status AlreadyExists(const ResourceType& t, const std::string& name) {
  return ApiErr(StatusCode::kAlreadyExists, "AlreadyExists", 409,
                t.QualifiedResource() + " \"" + name + "\" already exists");
}
Status Conflict(const ResourceType& t, const std::string& name, const std::string& why) {
  return ApiErr(StatusCode::kAborted, "Conflict", 409,
                "Operation cannot be fulfilled on " + t.QualifiedResource() + " \"" + name + "\": " + why);
}
Status BadRequest(std::string message) {
  return ApiErr(StatusCode::kInvalidArgument, "BadRequest", 400, std::move(message));
}
Status Invalid(const ResourceType& t, const std::string& name, const std::string& errors) {
  return ApiErr(StatusCode::kInvalidArgument, "Invalid", 422,
                t.QualifiedKind() + " \"" + name + "\" is invalid: " + errors);
}
Status Forbidden(std::string message) {
  return ApiErr(StatusCode::kPermissionDenied, "Forbidden", 403, std::move(message));
}
Status MethodNotAllowed() {
  return ApiErr(StatusCode::kUnimplemented, "MethodNotAllowed", 405,
                "the server does not allow this method on the requested resource");
}
Status UnknownUrl() {
  return ApiErr(StatusCode::kNotFound, "NotFound", 404, "the server could not find the requested resource");
}
Status Unauthorized() { return ApiErr(StatusCode::kUnauthenticated, "Unauthorized", 401, "Unauthorized"); }

std::string ReasonForCode(int code) {
  std::string reason = kube::ReasonForHttpStatus(code);
  if (!reason.empty()) return reason;
  return code >= 500 ? "InternalError" : "Unknown";
}

StatusCode CodeForHttp(int http) { return kube::CodeForApiError(ReasonForCode(http), http); }

HttpResponse JsonResponse(int status, const json& body) {
  return HttpResponse{status, "application/json", body.dump() + "\n", {}};
}

HttpResponse ObjectResponse(int status, const StoredObject& obj) {
  HttpResponse r{status, "application/json", {}, {}};
  r.body.reserve(obj.text.size() + 1);
  r.body += obj.text;
  r.body += '\n';
  return r;
}

void SendError(ResponseWriter& w, const Status& s, const ResourceType* type, const std::string& name) {
  HttpResponse r = JsonResponse(HttpCodeFor(s), StatusJson(s, type, name));
  if (r.status == 401 || r.status == 403) r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (r.status == 429) r.headers.emplace_back("Retry-After", "1");
  w.Send(r);
}

std::string ListKind(const ResourceType& t) { return t.ListKind(); }

bool IsTrue(const std::string& v) { return v == "true" || v == "1"; }

std::string MediaType(const std::string& content_type) {
  std::string t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && t.back() == ' ') t.pop_back();
  return text::AsciiLower(t);
}

// Name rules of ObjectMeta (path-segment safety + DNS subdomain length).
std::string NameProblem(const std::string& name) {
  if (name == "." || name == "..") return "may not be '" + name + "'";
  if (name.find('/') != std::string::npos) return "may not contain '/'";
  if (name.find('%') != std::string::npos) return "may not contain '%'";
  if (name.size() > 253) return "must be no more than 253 characters";
  return "";
}

json DecodeBody(const HttpRequest& req, const ResourceType* type, Status* error) {
  std::string media = MediaType(req.Header("content-type"));
  if (media == std::string(logic::kProtobufContentType)) {
    // Typed clients of kubectl >= 1.32 send protobuf (client-go gentype/type.go): CSR approval
    // and access reviews are decoded; anything else is 415 as from a JSON-only server.
    auto decoded = logic::DecodeProtobufObject(req.body);
    if (!decoded.ok()) {
      Status s = decoded.status();
      if (s.http_status() == 0) s.WithReason("BadRequest", 400);
      *error = s;
      return nullptr;
    }
    if (type && decoded->value("kind", "") != type->kind) {
      *error = BadRequest("the kind in the protobuf body (" + decoded->value("kind", "") +
                          ") does not match the expected kind (" + type->kind + ")");
      return nullptr;
    }
    return *decoded;
  }
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded()) {
    *error = BadRequest(
        "the body of the request was in an unknown format - accepted media types "
        "include: application/json, application/yaml");
    return nullptr;
  }
  return body;
}

// Continue tokens: base64url(JSON {"rv":N,"start":"<ns>/<name>"}).
std::string EncodeContinue(int64_t rv, const std::string& key) {
  return crypto::Base64UrlEncode(json{{"v", "sandbox"}, {"rv", rv}, {"start", key}}.dump());
}

bool DecodeContinue(const std::string& token, int64_t* rv, std::string* key) {
  auto raw = crypto::Base64UrlDecode(token);
  if (!raw.ok()) return false;
  json j = json::parse(*raw, nullptr, false);
  if (!j.is_object() || !j.contains("rv") || !j.contains("start")) return false;
  *rv = j["rv"].get<int64_t>();
  *key = j["start"].get<std::string>();
  return true;
}

std::string ObjectKey(const json& obj) {
  return obj["metadata"].value("namespace", "") + "/" + obj["metadata"].value("name", "");
}

json SecretMergeStringData(json obj) {
  if (obj.contains("stringData") && obj["stringData"].is_object()) {
    for (auto it = obj["stringData"].begin(); it != obj["stringData"].end(); ++it) {
      if (it.value().is_string()) {
        obj["data"][it.key()] = crypto::Base64Encode(it.value().get<std::string>());
      }
    }
    obj.erase("stringData");
  }
  return obj;
}

// Table output for kubectl get (k8s pkg/printers/internalversion/printers.go), with
// ?includeObject=None|Metadata|Object.
json TableFor(const HttpRequest& req, const ResourceType& type, const std::vector<json>& objects,
              const std::string& rv, const std::string& cont, std::chrono::system_clock::time_point now) {
  json table = MakeTable(type, objects, rv, cont, now);
  std::string include = req.Query("includeObject");
  if (include == "Object" || include == "None") {
    for (size_t i = 0; i < table["rows"].size(); ++i) {
      if (include == "None") {
        table["rows"][i].erase("object");
      } else {
        table["rows"][i]["object"] = objects[i];
      }
    }
  }
  return table;
}

StatusOr<Selectors> ParseSelectors(const HttpRequest& req, const ResourceType& type) {
  auto labels = LabelSelector::Parse(req.Query("labelSelector"));
  if (!labels.ok()) return BadRequest(labels.status().message());
  auto fields = FieldSelector::Parse(req.Query("fieldSelector"), type.extra_field_labels);
  if (!fields.ok()) return BadRequest(fields.status().message());
  return Selectors{*std::move(labels), *std::move(fields)};
}

bool Matches(const Selectors& s, const json& obj) { return s.labels.Matches(obj) && s.fields.Matches(obj); }

}  // namespace api_internal

using namespace api_internal;

int HttpCodeFor(const Status& status) {
  if (status.http_status() > 0) return status.http_status();
  switch (status.code()) {
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
      return 409;
    case StatusCode::kAborted:
      return 409;
    case StatusCode::kInvalidArgument:
      return 422;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kOutOfRange:
      return 410;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kDeadlineExceeded:
      return 504;
    case StatusCode::kResourceExhausted:
      return 429;
    default:
      return 500;
  }
}

json StatusJson(const Status& status, const ResourceType* type, const std::string& name) {
  int code = HttpCodeFor(status);
  std::string reason = status.reason().empty() ? ReasonForCode(code) : status.reason();
  json j = {{"kind", "Status"},    {"apiVersion", "v1"},          {"metadata", json::object()},
            {"status", "Failure"}, {"message", status.message()}, {"reason", reason},
            {"code", code}};
  if (type && code != 401 && code != 400 && code != 500) {
    json details = json::object();
    if (!name.empty()) details["name"] = name;
    if (!type->group.empty()) details["group"] = type->group;
    details["kind"] = reason == "Invalid" ? type->kind : type->resource;
    j["details"] = details;
  } else if (code == 404 && !type) {
    j["details"] = json::object();
  }
  if (code == 429) j["details"]["retryAfterSeconds"] = 1;
  return j;
}

void WriteWatchError(ResponseWriter& w, const Status& s) {
  json ev = {{"type", "ERROR"}, {"object", StatusJson(s, nullptr, "")}};
  ev["object"].erase("details");
  if (!w.BeginStream(200, "application/json")) return;
  w.WriteChunk(ev.dump() + "\n");
  w.EndStream();
}

std::string NowRfc3339(const runtime::Clock& clock) { return logic::FormatRfc3339(clock.Now()); }

std::string RandomUid() {
  auto bytes = crypto::RandomBytes(16);
  std::string b = bytes.ok() ? *bytes : std::string(16, '\0');
  b[6] = static_cast<char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);
  std::string hex = crypto::HexEncode(b);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

std::string RandomNameSuffix(size_t n) {
  // apiserver's names.SimpleNameGenerator alphabet (utilrand.String: no vowels, no 0/1/3).
  static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  auto bytes = crypto::RandomBytes(n);
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    unsigned char b = bytes.ok() ? static_cast<unsigned char>((*bytes)[i]) : static_cast<unsigned char>(i);
    out += kAlphabet[b % (sizeof(kAlphabet) - 1)];
  }
  return out;
}

}  // namespace joinguard::sandbox
