#include "gateway/subscription/subscription_status.hpp"

#include "gateway/outbox/outbox.hpp"
#include "gateway/referral/store_access.hpp"

namespace socialrx::gateway::subscription {
namespace {

void write_status(storage::WriteTransaction& transaction, const referral::LoadedResource& current,
                  std::string_view status, std::string_view error) {
  fhir::json::Document document;
  fhir::json::Value next = document.without_member(document.copy(current.root()), "meta");
  next = document.with_member(next, "status", document.make_string(status));
  next = error.empty() ? document.without_member(next, "error")
                       : document.with_member(next, "error", document.make_string(error));
  referral::write_platform_resource(transaction, next, "Subscription", current.key.substr(current.key.find('/') + 1));
}

}  // namespace

std::string ordering_key(std::string_view subscription_id) {
  return "subscription:Subscription/" + std::string(subscription_id);
}

void activate_after_client_write(storage::WriteTransaction& transaction, std::string_view subscription_id) {
  const auto current = referral::load(transaction, "Subscription/" + std::string(subscription_id));
  if (!current) return;
  const std::string_view status = current->root().string_at("status");
  if (status != "requested" && status != "active") return;  // off / error: as the client left it
  if (status == "requested" || current->root().find("error") != nullptr) {
    write_status(transaction, *current, "active", {});
  }
  // Set back after an error: what died is sent again first (a dead message holds its lane).
  outbox::retry_dead_lane(transaction, ordering_key(subscription_id), outbox::now_ms());
}

void mark_delivery_failed(storage::WriteTransaction& transaction, std::string_view subscription_id,
                          std::string_view error) {
  const auto current = referral::load(transaction, "Subscription/" + std::string(subscription_id));
  if (!current || current->root().string_at("status") != "active") return;
  write_status(transaction, *current, "error", "notification delivery failed: " + std::string(error));
}

}  // namespace socialrx::gateway::subscription
