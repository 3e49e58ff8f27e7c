#include "gateway/subscription/notification_bundle.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string_view>

#include "fhir/date_time.hpp"

namespace socialrx::gateway::subscription {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void key(Writer& writer, std::string_view name) {
  writer.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
}
void member(Writer& writer, std::string_view name, std::string_view value) {
  key(writer, name);
  writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}
void profile(Writer& writer, std::string_view url) {
  key(writer, "meta");
  writer.StartObject();
  key(writer, "profile");
  writer.StartArray();
  writer.String(url.data(), static_cast<rapidjson::SizeType>(url.size()));
  writer.EndArray();
  writer.EndObject();
}
// One Parameters.parameter with a primitive or Reference value.
void parameter(Writer& writer, std::string_view name, std::string_view value_key, std::string_view value) {
  writer.StartObject();
  member(writer, "name", name);
  if (value_key == "valueReference") {
    key(writer, value_key);
    writer.StartObject();
    member(writer, "reference", value);
    writer.EndObject();
  } else {
    member(writer, value_key, value);
  }
  writer.EndObject();
}

std::string absolute(const std::string& base_url, const std::string& key) {
  return base_url.empty() ? key : base_url + "/" + key;
}

}  // namespace

std::string id_only_notification(const NotificationEvent& event, std::int64_t now_ms) {
  const std::string subscription = absolute(event.base_url, "Subscription/" + event.subscription_id);
  const std::string focus_key = event.focus_type + "/" + event.focus_id;
  const std::string number = std::to_string(event.event_number);
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  member(writer, "resourceType", "Bundle");
  member(writer, "id", event.bundle_id);
  profile(writer, kNotificationProfile);
  member(writer, "type", "history");
  member(writer, "timestamp", fhir::format_instant(now_ms));
  key(writer, "entry");
  writer.StartArray();

  // The SubscriptionStatus, as R4 Parameters. No topic: an R4 criteria Subscription has none
  // (the profile's topic parameter is 0..1).
  writer.StartObject();
  member(writer, "fullUrl", "urn:uuid:" + event.status_id);
  key(writer, "resource");
  writer.StartObject();
  member(writer, "resourceType", "Parameters");
  member(writer, "id", event.status_id);
  profile(writer, kStatusProfile);
  key(writer, "parameter");
  writer.StartArray();
  parameter(writer, "subscription", "valueReference", subscription);
  parameter(writer, "status", "valueCode", "active");
  parameter(writer, "type", "valueCode", "event-notification");
  parameter(writer, "events-since-subscription-start", "valueString", number);
  writer.StartObject();
  member(writer, "name", "notification-event");
  key(writer, "part");
  writer.StartArray();
  parameter(writer, "event-number", "valueString", number);
  parameter(writer, "timestamp", "valueInstant", fhir::format_instant(event.timestamp_ms));
  parameter(writer, "focus", "valueReference", absolute(event.base_url, focus_key));
  writer.EndArray();
  writer.EndObject();
  writer.EndArray();
  writer.EndObject();
  // A history Bundle's entries carry request and response (bdl-3, bdl-4).
  key(writer, "request");
  writer.StartObject();
  member(writer, "method", "GET");
  member(writer, "url", subscription + "/$status");
  writer.EndObject();
  key(writer, "response");
  writer.StartObject();
  member(writer, "status", "200");
  writer.EndObject();
  writer.EndObject();

  // The focus: where it is, no body (id-only).
  const bool created = event.focus_version == 1;
  writer.StartObject();
  if (!event.base_url.empty()) member(writer, "fullUrl", absolute(event.base_url, focus_key));
  key(writer, "request");
  writer.StartObject();
  member(writer, "method", created ? "POST" : "PUT");
  member(writer, "url", created ? event.focus_type : focus_key);
  writer.EndObject();
  key(writer, "response");
  writer.StartObject();
  member(writer, "status", created ? "201" : "200");
  member(writer, "etag", "W/\"" + std::to_string(event.focus_version) + "\"");
  member(writer, "lastModified", fhir::format_instant(event.timestamp_ms));
  writer.EndObject();
  writer.EndObject();

  writer.EndArray();
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace socialrx::gateway::subscription
