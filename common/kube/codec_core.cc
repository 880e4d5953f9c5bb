// Codec: core/v1 ConfigMap, Secret, Node and Event (kubernetes/api core/v1/types.go).
#include "common/kube/codec_internal.h"

namespace joinguard::kube {

using namespace codec;  // NOLINT: the codec's own field helpers

namespace {

constexpr FieldSpec<ConfigMap> kConfigMapFields[] = {
    {"data", &ConfigMap::data},
    {"binaryData", &ConfigMap::binary_data, Encoding::kBase64},
};
constexpr FieldSpec<Secret> kSecretFields[] = {
    {"type", &Secret::type},
    {"data", &Secret::data, Encoding::kBase64},
    {"stringData", &Secret::string_data},
};
constexpr FieldSpec<Node> kNodeSpecFields[] = {
    {"providerID", &Node::provider_id},
    {"unschedulable", &Node::unschedulable},
};
constexpr FieldSpec<NodeAddress> kNodeAddressFields[] = {
    {"type", &NodeAddress::type, Encoding::kAlways},
    {"address", &NodeAddress::address, Encoding::kAlways},
};
constexpr FieldSpec<NodeCondition> kNodeConditionFields[] = {
    {"type", &NodeCondition::type, Encoding::kAlways},
    {"status", &NodeCondition::status, Encoding::kAlways},
    {"reason", &NodeCondition::reason},
    {"message", &NodeCondition::message},
    {"lastHeartbeatTime", &NodeCondition::last_heartbeat_time},
    {"lastTransitionTime", &NodeCondition::last_transition_time},
};
constexpr FieldSpec<Event> kEventFields[] = {
    {"reason", &Event::reason},
    {"message", &Event::message},
    {"type", &Event::type},
    {"firstTimestamp", &Event::first_timestamp},
    {"lastTimestamp", &Event::last_timestamp},
    {"count", &Event::count},
    {"eventTime", &Event::event_time, Encoding::kMicroTime},
    {"reportingComponent", &Event::reporting_component},
    {"reportingInstance", &Event::reporting_instance},
};
constexpr FieldSpec<EventSource> kEventSourceFields[] = {
    {"component", &EventSource::component},
    {"host", &EventSource::host},
};

Json Canonical(const ConfigMap& o) { return CanonicalHead(o, kConfigMapFields); }
Json Canonical(const Secret& o) { return CanonicalHead(o, kSecretFields); }

Json Canonical(const Node& o) {
  Json j = CanonicalHead(o);
  j["spec"] = FieldsToJson(kNodeSpecFields, o);
  Json status = Json::object();
  PutObjectList(status, "addresses", o.addresses, kNodeAddressFields);
  PutObjectList(status, "conditions", o.conditions, kNodeConditionFields);
  j["status"] = std::move(status);
  return j;
}

Json Canonical(const Event& o) {
  Json j = CanonicalHead(o, kEventFields);
  j["involvedObject"] = CanonicalRef(o.involved_object);
  Json source = FieldsToJson(kEventSourceFields, o.source);
  if (!source.empty()) j["source"] = std::move(source);
  return j;
}

}  // namespace

Json ToJson(const ConfigMap& o) { return MergeWithRaw<ConfigMap>(o, Canonical); }

Status FromJson(const Json& j, ConfigMap* out) { return DecodeFlatObject(j, kConfigMapFields, out); }

Json ToJson(const Secret& o) { return MergeWithRaw<Secret>(o, Canonical); }

Status FromJson(const Json& j, Secret* out) { return DecodeFlatObject(j, kSecretFields, out); }

Json ToJson(const Node& o) { return MergeWithRaw<Node>(o, Canonical); }

Status FromJson(const Json& j, Node* out) {
  JG_RETURN_IF_ERROR(DecodeHead(j, "Node", out));
  JG_RETURN_IF_ERROR(GetFields(Sub(j, "spec"), kNodeSpecFields, out, "spec"));
  const Json& status = Sub(j, "status");
  JG_RETURN_IF_ERROR(GetObjectList(status, "addresses", &out->addresses, "status", kNodeAddressFields));
  JG_RETURN_IF_ERROR(GetObjectList(status, "conditions", &out->conditions, "status", kNodeConditionFields));
  out->raw = j;
  return OkStatus();
}

Json ToJson(const Event& o) { return MergeWithRaw<Event>(o, Canonical); }

Status FromJson(const Json& j, Event* out) {
  JG_RETURN_IF_ERROR(DecodeHead(j, "Event", out));
  JG_RETURN_IF_ERROR(FromJson(Sub(j, "involvedObject"), &out->involved_object));
  JG_RETURN_IF_ERROR(GetFields(j, kEventFields, out, ""));
  JG_RETURN_IF_ERROR(GetFields(Sub(j, "source"), kEventSourceFields, &out->source, "source"));
  out->raw = j;
  return OkStatus();
}

}  // namespace joinguard::kube
