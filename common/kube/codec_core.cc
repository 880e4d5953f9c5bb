// Codec: core/v1 ConfigMap, Secret, Node and Event (kubernetes/api core/v1/types.go).
#include "common/kube/codec_internal.h"

namespace joinguard::kube {

using namespace codec;  // NOLINT: the codec's own field helpers

namespace {

constexpr StringField<NodeAddress> kAddressStrings[] = {
    {"type", &NodeAddress::type, /*always=*/true},
    {"address", &NodeAddress::address, /*always=*/true},
};
constexpr StringField<NodeCondition> kNodeConditionStrings[] = {
    {"type", &NodeCondition::type, /*always=*/true},
    {"status", &NodeCondition::status, /*always=*/true},
    {"reason", &NodeCondition::reason},
    {"message", &NodeCondition::message},
};
constexpr TimeField<NodeCondition> kNodeConditionTimes[] = {
    {"lastHeartbeatTime", &NodeCondition::last_heartbeat_time},
    {"lastTransitionTime", &NodeCondition::last_transition_time},
};
constexpr StringField<Event> kEventStrings[] = {
    {"reason", &Event::reason},
    {"message", &Event::message},
    {"type", &Event::type},
    {"reportingComponent", &Event::reporting_component},
    {"reportingInstance", &Event::reporting_instance},
};
constexpr TimeField<Event> kEventTimes[] = {
    {"firstTimestamp", &Event::first_timestamp},
    {"lastTimestamp", &Event::last_timestamp},
};
constexpr StringField<EventSource> kSourceStrings[] = {
    {"component", &EventSource::component},
    {"host", &EventSource::host},
};

Json Canonical(const ConfigMap& o) {
  Json j = CanonicalHead(o);
  PutStringMap(j, "data", o.data);
  PutStringMap(j, "binaryData", o.binary_data, /*base64=*/true);
  return j;
}

Json Canonical(const Secret& o) {
  Json j = CanonicalHead(o);
  PutString(j, "type", o.type);
  PutStringMap(j, "data", o.data, /*base64=*/true);
  PutStringMap(j, "stringData", o.string_data);
  return j;
}

Json Canonical(const Node& o) {
  Json j = CanonicalHead(o);
  Json spec = Json::object();
  PutString(spec, "providerID", o.provider_id);
  if (o.unschedulable) spec["unschedulable"] = true;
  j["spec"] = std::move(spec);
  Json status = Json::object();
  PutObjectList(status, "addresses", o.addresses,
                [](Json& aj, const NodeAddress& a) { PutStrings(aj, kAddressStrings, a); });
  PutObjectList(status, "conditions", o.conditions, [](Json& cj, const NodeCondition& c) {
    PutStrings(cj, kNodeConditionStrings, c);
    PutTimes(cj, kNodeConditionTimes, c);
  });
  j["status"] = std::move(status);
  return j;
}

Json Canonical(const Event& o) {
  Json j = CanonicalHead(o);
  j["involvedObject"] = CanonicalRef(o.involved_object);
  PutStrings(j, kEventStrings, o);
  Json src = Json::object();
  PutStrings(src, kSourceStrings, o.source);
  if (!src.empty()) j["source"] = std::move(src);
  PutTimes(j, kEventTimes, o);
  if (o.count != 0) j["count"] = o.count;
  PutMicroTime(j, "eventTime", o.event_time);
  return j;
}

}  // namespace

Json ToJson(const ConfigMap& o) { return MergeWithRaw<ConfigMap>(o, Canonical); }

Status FromJson(const Json& j, ConfigMap* out) {
  JG_RETURN_IF_ERROR(DecodeHead(j, "ConfigMap", out));
  JG_RETURN_IF_ERROR(GetStringMap(j, "data", &out->data, ""));
  JG_RETURN_IF_ERROR(GetStringMap(j, "binaryData", &out->binary_data, "", /*base64=*/true));
  out->raw = j;
  return OkStatus();
}

Json ToJson(const Secret& o) { return MergeWithRaw<Secret>(o, Canonical); }

Status FromJson(const Json& j, Secret* out) {
  JG_RETURN_IF_ERROR(DecodeHead(j, "Secret", out));
  JG_RETURN_IF_ERROR(GetString(j, "type", &out->type, ""));
  JG_RETURN_IF_ERROR(GetStringMap(j, "data", &out->data, "", /*base64=*/true));
  JG_RETURN_IF_ERROR(GetStringMap(j, "stringData", &out->string_data, ""));
  out->raw = j;
  return OkStatus();
}

Json ToJson(const Node& o) { return MergeWithRaw<Node>(o, Canonical); }

Status FromJson(const Json& j, Node* out) {
  JG_RETURN_IF_ERROR(DecodeHead(j, "Node", out));
  const Json& spec = Sub(j, "spec");
  JG_RETURN_IF_ERROR(GetString(spec, "providerID", &out->provider_id, "spec"));
  JG_RETURN_IF_ERROR(GetBool(spec, "unschedulable", &out->unschedulable, "spec"));
  const Json& status = Sub(j, "status");
  JG_RETURN_IF_ERROR(GetObjectList(status, "addresses", &out->addresses, "status",
                                   [](const Json& a, const std::string& p, NodeAddress* address) {
                                     return GetStrings(a, kAddressStrings, address, p);
                                   }));
  JG_RETURN_IF_ERROR(GetObjectList(status, "conditions", &out->conditions, "status",
                                   [](const Json& c, const std::string& p, NodeCondition* cond) {
                                     JG_RETURN_IF_ERROR(GetStrings(c, kNodeConditionStrings, cond, p));
                                     return GetTimes(c, kNodeConditionTimes, cond, p);
                                   }));
  out->raw = j;
  return OkStatus();
}

Json ToJson(const Event& o) { return MergeWithRaw<Event>(o, Canonical); }

Status FromJson(const Json& j, Event* out) {
  JG_RETURN_IF_ERROR(DecodeHead(j, "Event", out));
  JG_RETURN_IF_ERROR(FromJson(Sub(j, "involvedObject"), &out->involved_object));
  JG_RETURN_IF_ERROR(GetStrings(j, kEventStrings, out, ""));
  JG_RETURN_IF_ERROR(GetStrings(Sub(j, "source"), kSourceStrings, &out->source, "source"));
  JG_RETURN_IF_ERROR(GetTimes(j, kEventTimes, out, ""));
  JG_RETURN_IF_ERROR(GetInt32(j, "count", &out->count, ""));
  JG_RETURN_IF_ERROR(GetTime(j, "eventTime", &out->event_time, ""));
  out->raw = j;
  return OkStatus();
}

}  // namespace joinguard::kube
