// Codec: core/v1 ConfigMap, Secret, Node and Event (kubernetes/api core/v1/types.go).
#include "common/kube/codec_internal.h"

namespace joinguard::kube {

using namespace codec;  // NOLINT: the codec's own field helpers

namespace {

Json Canonical(const ConfigMap& o) {
  Json j = Header(o.kResource);
  j["metadata"] = CanonicalMeta(o.metadata);
  PutStringMap(j, "data", o.data);
  PutStringMap(j, "binaryData", o.binary_data, /*base64=*/true);
  return j;
}

Json Canonical(const Secret& o) {
  Json j = Header(o.kResource);
  j["metadata"] = CanonicalMeta(o.metadata);
  PutString(j, "type", o.type);
  PutStringMap(j, "data", o.data, /*base64=*/true);
  PutStringMap(j, "stringData", o.string_data);
  return j;
}

Json Canonical(const Node& o) {
  Json j = Header(o.kResource);
  j["metadata"] = CanonicalMeta(o.metadata);
  Json spec = Json::object();
  PutString(spec, "providerID", o.provider_id);
  if (o.unschedulable) spec["unschedulable"] = true;
  j["spec"] = std::move(spec);
  Json status = Json::object();
  if (!o.addresses.empty()) {
    Json a = Json::array();
    for (const auto& ad : o.addresses) a.push_back({{"type", ad.type}, {"address", ad.address}});
    status["addresses"] = std::move(a);
  }
  if (!o.conditions.empty()) {
    Json conds = Json::array();
    for (const auto& c : o.conditions) {
      Json cj = Json::object();
      cj["type"] = c.type;
      cj["status"] = c.status;
      PutString(cj, "reason", c.reason);
      PutString(cj, "message", c.message);
      PutTime(cj, "lastHeartbeatTime", c.last_heartbeat_time);
      PutTime(cj, "lastTransitionTime", c.last_transition_time);
      conds.push_back(std::move(cj));
    }
    status["conditions"] = std::move(conds);
  }
  j["status"] = std::move(status);
  return j;
}

Json Canonical(const Event& o) {
  Json j = Header(o.kResource);
  j["metadata"] = CanonicalMeta(o.metadata);
  j["involvedObject"] = CanonicalRef(o.involved_object);
  PutString(j, "reason", o.reason);
  PutString(j, "message", o.message);
  PutString(j, "type", o.type);
  Json src = Json::object();
  PutString(src, "component", o.source.component);
  PutString(src, "host", o.source.host);
  if (!src.empty()) j["source"] = std::move(src);
  PutTime(j, "firstTimestamp", o.first_timestamp);
  PutTime(j, "lastTimestamp", o.last_timestamp);
  if (o.count != 0) j["count"] = o.count;
  PutMicroTime(j, "eventTime", o.event_time);
  PutString(j, "reportingComponent", o.reporting_component);
  PutString(j, "reportingInstance", o.reporting_instance);
  return j;
}

}  // namespace

Json ToJson(const ConfigMap& o) { return MergeWithRaw<ConfigMap>(o, Canonical); }

Status FromJson(const Json& j, ConfigMap* out) {
  *out = ConfigMap{};
  JG_RETURN_IF_ERROR(RequireObject(j, "ConfigMap"));
  JG_RETURN_IF_ERROR(FromJson(Sub(j, "metadata"), &out->metadata));
  JG_RETURN_IF_ERROR(GetStringMap(j, "data", &out->data, ""));
  JG_RETURN_IF_ERROR(GetStringMap(j, "binaryData", &out->binary_data, "", /*base64=*/true));
  out->raw = j;
  return OkStatus();
}

Json ToJson(const Secret& o) { return MergeWithRaw<Secret>(o, Canonical); }

Status FromJson(const Json& j, Secret* out) {
  *out = Secret{};
  JG_RETURN_IF_ERROR(RequireObject(j, "Secret"));
  JG_RETURN_IF_ERROR(FromJson(Sub(j, "metadata"), &out->metadata));
  JG_RETURN_IF_ERROR(GetString(j, "type", &out->type, ""));
  JG_RETURN_IF_ERROR(GetStringMap(j, "data", &out->data, "", /*base64=*/true));
  JG_RETURN_IF_ERROR(GetStringMap(j, "stringData", &out->string_data, ""));
  out->raw = j;
  return OkStatus();
}

Json ToJson(const Node& o) { return MergeWithRaw<Node>(o, Canonical); }

Status FromJson(const Json& j, Node* out) {
  *out = Node{};
  JG_RETURN_IF_ERROR(RequireObject(j, "Node"));
  JG_RETURN_IF_ERROR(FromJson(Sub(j, "metadata"), &out->metadata));
  const Json& spec = Sub(j, "spec");
  JG_RETURN_IF_ERROR(GetString(spec, "providerID", &out->provider_id, "spec"));
  JG_RETURN_IF_ERROR(GetBool(spec, "unschedulable", &out->unschedulable, "spec"));
  const Json& status = Sub(j, "status");
  if (const Json* addrs = Field(status, "addresses")) {
    if (!addrs->is_array()) return TypeError("status", "addresses", "an array");
    for (size_t i = 0; i < addrs->size(); ++i) {
      const std::string p = "status.addresses[" + std::to_string(i) + "]";
      JG_RETURN_IF_ERROR(RequireObject((*addrs)[i], "field " + p));
      NodeAddress a;
      JG_RETURN_IF_ERROR(GetString((*addrs)[i], "type", &a.type, p));
      JG_RETURN_IF_ERROR(GetString((*addrs)[i], "address", &a.address, p));
      out->addresses.push_back(std::move(a));
    }
  }
  if (const Json* conds = Field(status, "conditions")) {
    if (!conds->is_array()) return TypeError("status", "conditions", "an array");
    for (size_t i = 0; i < conds->size(); ++i) {
      const Json& c = (*conds)[i];
      const std::string p = "status.conditions[" + std::to_string(i) + "]";
      JG_RETURN_IF_ERROR(RequireObject(c, "field " + p));
      NodeCondition cond;
      JG_RETURN_IF_ERROR(GetString(c, "type", &cond.type, p));
      JG_RETURN_IF_ERROR(GetString(c, "status", &cond.status, p));
      JG_RETURN_IF_ERROR(GetString(c, "reason", &cond.reason, p));
      JG_RETURN_IF_ERROR(GetString(c, "message", &cond.message, p));
      JG_RETURN_IF_ERROR(GetTime(c, "lastHeartbeatTime", &cond.last_heartbeat_time, p));
      JG_RETURN_IF_ERROR(GetTime(c, "lastTransitionTime", &cond.last_transition_time, p));
      out->conditions.push_back(std::move(cond));
    }
  }
  out->raw = j;
  return OkStatus();
}

Json ToJson(const Event& o) { return MergeWithRaw<Event>(o, Canonical); }

Status FromJson(const Json& j, Event* out) {
  *out = Event{};
  JG_RETURN_IF_ERROR(RequireObject(j, "Event"));
  JG_RETURN_IF_ERROR(FromJson(Sub(j, "metadata"), &out->metadata));
  JG_RETURN_IF_ERROR(FromJson(Sub(j, "involvedObject"), &out->involved_object));
  JG_RETURN_IF_ERROR(GetString(j, "reason", &out->reason, ""));
  JG_RETURN_IF_ERROR(GetString(j, "message", &out->message, ""));
  JG_RETURN_IF_ERROR(GetString(j, "type", &out->type, ""));
  const Json& src = Sub(j, "source");
  JG_RETURN_IF_ERROR(GetString(src, "component", &out->source.component, "source"));
  JG_RETURN_IF_ERROR(GetString(src, "host", &out->source.host, "source"));
  JG_RETURN_IF_ERROR(GetTime(j, "firstTimestamp", &out->first_timestamp, ""));
  JG_RETURN_IF_ERROR(GetTime(j, "lastTimestamp", &out->last_timestamp, ""));
  JG_RETURN_IF_ERROR(GetInt32(j, "count", &out->count, ""));
  JG_RETURN_IF_ERROR(GetTime(j, "eventTime", &out->event_time, ""));
  JG_RETURN_IF_ERROR(GetString(j, "reportingComponent", &out->reporting_component, ""));
  JG_RETURN_IF_ERROR(GetString(j, "reportingInstance", &out->reporting_instance, ""));
  out->raw = j;
  return OkStatus();
}

}  // namespace joinguard::kube
