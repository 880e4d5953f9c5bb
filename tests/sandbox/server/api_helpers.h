// Helpers shared by the ApiServer's handler files (api_*.cc): Kubernetes errors as Status and
// their JSON (apimachinery pkg/api/errors/errors.go, pkg/apis/meta/v1/types.go Status), body
// decoding, continue tokens, selectors, Tables. The HTTP-code ↔ reason table is
// common/kube/api_error's (one table for client and sandbox).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status/status.h"
#include "tests/sandbox/server/https_server.h"
#include "tests/sandbox/server/resources.h"
#include "tests/sandbox/server/selectors.h"
#include "tests/sandbox/server/store.h"

namespace joinguard::sandbox {

// A watch that fails after the headers: 200, one ERROR event with the Status, end of stream
// (apiserver pkg/endpoints/handlers/watch.go).
void WriteWatchError(ResponseWriter& w, const Status& s);

namespace api_internal {

// Client-certificate users cached per certificate: entries and lifetime.
inline constexpr size_t kMaxCachedCertUsers = 4096;
inline constexpr std::chrono::seconds kCertUserCacheTtl{60};
// Bootstrap-token users cached per token (valid while no Secret changes, never past expiry).
inline constexpr size_t kMaxCachedTokenUsers = 4096;
inline constexpr char kSecretsGvr[] = "/v1/secrets";
inline constexpr char kModified[] =
    "the object has been modified; please apply your changes to the latest version and try again";

Status ApiErr(StatusCode code, std::string reason, int http, std::string message);
Status NotFound(const ResourceType& t, const std::string& name);
Status AlreadyExists(const ResourceType& t, const std::string& name);
Status Conflict(const ResourceType& t, const std::string& name, const std::string& why);
Status BadRequest(std::string message);
Status Invalid(const ResourceType& t, const std::string& name, const std::string& errors);
Status Forbidden(std::string message);
Status MethodNotAllowed();
Status UnknownUrl();
Status Unauthorized();
std::string ReasonForCode(int code);  // common/kube/api_error's table
StatusCode CodeForHttp(int http);     // common/kube/api_error's table

HttpResponse JsonResponse(int status, const nlohmann::json& body);
// A stored object as the body, its text as stored (no re-encoding).
HttpResponse ObjectResponse(int status, const StoredObject& obj);
void SendError(ResponseWriter& w, const Status& s, const ResourceType* type, const std::string& name);

std::string ListKind(const ResourceType& t);
bool IsTrue(const std::string& v);
std::string MediaType(const std::string& content_type);
// ObjectMeta name rules (path-segment safety + DNS subdomain length); "" when fine.
std::string NameProblem(const std::string& name);
// JSON or (for kubectl >= 1.32 typed clients) protobuf body; null and *error set on failure.
nlohmann::json DecodeBody(const HttpRequest& req, const ResourceType* type, Status* error);
std::string EncodeContinue(int64_t rv, const std::string& key);
bool DecodeContinue(const std::string& token, int64_t* rv, std::string* key);
std::string ObjectKey(const nlohmann::json& obj);
nlohmann::json SecretMergeStringData(nlohmann::json obj);
// Table output for kubectl get, with ?includeObject=None|Metadata|Object.
nlohmann::json TableFor(const HttpRequest& req, const ResourceType& type,
                        const std::vector<nlohmann::json>& objects, const std::string& rv,
                        const std::string& cont, std::chrono::system_clock::time_point now);

struct Selectors {
  LabelSelector labels;
  FieldSelector fields;
};
StatusOr<Selectors> ParseSelectors(const HttpRequest& req, const ResourceType& type);
bool Matches(const Selectors& s, const nlohmann::json& obj);

}  // namespace api_internal
}  // namespace joinguard::sandbox
