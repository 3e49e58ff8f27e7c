#pragma once
// The id-only notification socialrx posts to a rest-hook, in the shape of the Subscriptions R5
// Backport IG (STU 1.1) for R4: a `history` Bundle (profile backport-subscription-notification-r4)
// whose first entry is a Parameters (profile backport-subscription-status-r4) with subscription,
// status, type = event-notification, events-since-subscription-start and one notification-event
// (event-number, timestamp, focus), and whose second entry names the focus by fullUrl and request
// only — never a resource body: SDH information does not leave in a notification, the receiver
// reads the focus with its own credentials.

#include <cstdint>
#include <string>

namespace socialrx::gateway::subscription {

struct NotificationEvent {
  std::string base_url;         // "https://hub.example.jp/fhir"; empty: references stay relative
  std::string subscription_id;
  std::int64_t event_number = 0;  // 1 for the Subscription's first event
  std::string focus_type;       // "Task"
  std::string focus_id;
  std::int64_t focus_version = 0;   // 1: created, otherwise updated
  std::int64_t timestamp_ms = 0;    // the focus version's lastUpdated
  std::string bundle_id;        // a fresh id for the Bundle
  std::string status_id;        // a fresh id for the Parameters
};

inline constexpr const char* kNotificationProfile =
    "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-notification-r4";
inline constexpr const char* kStatusProfile =
    "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4";

// The Bundle as JSON. `now_ms` is its timestamp.
std::string id_only_notification(const NotificationEvent& event, std::int64_t now_ms);

}  // namespace socialrx::gateway::subscription
