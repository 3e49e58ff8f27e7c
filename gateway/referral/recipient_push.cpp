#include "gateway/referral/recipient_push.hpp"

#include "gateway/directory/directory_model.hpp"
#include "gateway/outbox/outbox.hpp"
#include "gateway/referral/resource_json.hpp"

namespace socialrx::gateway::referral {

std::string full_recipient_endpoint(storage::WriteTransaction& transaction, std::string_view organization) {
  auto recipient = load(transaction, organization);
  if (!recipient) return {};
  bool full = false;
  if (const fhir::json::Value* extensions = recipient->root().find("extension")) {
    for (const fhir::json::Value& extension : extensions->items()) {
      full = full || (extension.string_at("url") == directory::model::kRecipientModeUrl &&
                      extension.string_at("valueCode") == "full");
    }
  }
  if (!full) return {};
  for (const std::string& key : reference_keys(recipient->root(), "endpoint")) {
    auto endpoint = load(transaction, key);
    if (endpoint && endpoint->root().string_at("status") == "active") {
      return std::string(endpoint->root().string_at("address"));
    }
  }
  return {};
}

void push_to_recipient(storage::WriteTransaction& transaction, const std::string& endpoint,
                       const std::vector<std::string>& keys, std::string_view task_key) {
  for (const std::string& key : keys) {
    const std::size_t slash = key.find('/');
    auto current = transaction.current(std::string_view(key).substr(0, slash), std::string_view(key).substr(slash + 1));
    if (!current || current->deleted) continue;
    outbox::OutgoingMessage message;
    message.destination = endpoint;
    message.method = "PUT";
    message.path = key;
    message.body = std::move(current->body);
    // One key per version: the same version is never sent twice, a newer one always is.
    message.idempotency_key = "referral-push:" + key + ":" + std::to_string(current->version) + ":" + endpoint;
    message.ordering_key = "referral:" + std::string(task_key);
    outbox::enqueue(transaction, message);
  }
}

void push_task_update(storage::WriteTransaction& transaction, const LoadedResource& task) {
  const std::string endpoint = full_recipient_endpoint(transaction, reference_key(task.root().find("owner")));
  if (endpoint.empty()) return;
  push_to_recipient(transaction, endpoint, {reference_key(task.root().find("focus")), task.key}, task.key);
}

}  // namespace socialrx::gateway::referral
