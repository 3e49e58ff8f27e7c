#include "gateway/subscription/subscription_notifier.hpp"

#include <iostream>
#include <set>

#include "fhir/json.hpp"
#include "gateway/outbox/outbox.hpp"
#include "gateway/rest/query_string.hpp"
#include "gateway/rest/resource_stamp.hpp"
#include "gateway/search/search_executor.hpp"
#include "gateway/subscription/notification_bundle.hpp"
#include "gateway/subscription/rest_hook_transport.hpp"
#include "gateway/subscription/subscription_criteria.hpp"
#include "gateway/subscription/subscription_status.hpp"

namespace socialrx::gateway::subscription {
namespace {

constexpr std::size_t kMaxActive = 10'000;

}  // namespace

storage::JobObserver SubscriptionNotifier::observer() {
  return [this](storage::WriteTransaction& transaction, const std::vector<storage::WrittenVersion>& written) {
    after_job(transaction, written);
  };
}

outbox::DeliveryWorker::DeadLetterHook SubscriptionNotifier::dead_letter_hook() const {
  return [](storage::WriteTransaction& transaction, const outbox::OutboxEntry& entry, const std::string& error) {
    const std::string lane_prefix = ordering_key("");
    if (entry.message.transport != kRestHookTransport || !entry.message.ordering_key.starts_with(lane_prefix)) return;
    mark_delivery_failed(transaction, std::string_view(entry.message.ordering_key).substr(lane_prefix.size()), error);
  };
}

void SubscriptionNotifier::set_base_url(std::string base_url) {
  while (base_url.ends_with('/')) base_url.pop_back();
  std::lock_guard lock(base_url_mutex_);
  base_url_ = std::move(base_url);
}

std::string SubscriptionNotifier::base_url() const {
  std::lock_guard lock(base_url_mutex_);
  return base_url_;
}

void SubscriptionNotifier::reload(storage::WriteTransaction& transaction) {
  active_by_type_.clear();
  search::SearchRequest active = search::parse_search_request("Subscription", rest::parse_query_string("status=active"));
  for (const std::string& id : search::find_matching_ids(transaction.connection(), active, kMaxActive)) {
    auto stored = transaction.current("Subscription", id);
    if (!stored || stored->deleted) continue;
    auto parsed = fhir::json::parse_owned(std::move(stored->body));
    if (!parsed.document) continue;
    fhir::Issues problems;
    auto subscription = parse_subscription(parsed.document->root(), problems);
    // Stored by another path than the REST API's checks (an old version, a direct import): it
    // cannot be served, and saying so once per reload is enough.
    if (!subscription) {
      std::cerr << "socialrx: subscription: Subscription/" << id << " is active but cannot be served: "
                << (problems.empty() ? "unreadable" : problems.begin()->diagnostics) << '\n';
      continue;
    }
    active_by_type_[subscription->criteria_type].push_back(
        Active{id, std::move(subscription->search), std::move(subscription->endpoint)});
  }
  loaded_ = true;
}

void SubscriptionNotifier::after_job(storage::WriteTransaction& transaction,
                                     const std::vector<storage::WrittenVersion>& written) {
  for (const storage::WrittenVersion& version : written) {
    if (version.type == "Subscription") loaded_ = false;
  }
  if (!loaded_) reload(transaction);
  if (active_by_type_.empty()) return;
  // The last version of each resource the job wrote, in the order of those last writes.
  std::set<std::pair<std::string_view, std::string_view>> seen;
  std::vector<const storage::WrittenVersion*> last_versions;
  for (auto it = written.rbegin(); it != written.rend(); ++it) {
    if (seen.emplace(it->type, it->id).second && !it->deleted) last_versions.push_back(&*it);
  }
  for (auto it = last_versions.rbegin(); it != last_versions.rend(); ++it) {
    const auto subscriptions = active_by_type_.find((*it)->type);
    if (subscriptions == active_by_type_.end()) continue;
    for (const Active& subscription : subscriptions->second) notify(transaction, subscription, **it);
  }
}

void SubscriptionNotifier::notify(storage::WriteTransaction& transaction, const Active& subscription,
                                  const storage::WrittenVersion& focus) {
  search::SearchRequest request = subscription.search;
  search::Criterion only_this;
  only_this.special = search::Criterion::Special::id;
  only_this.name = "_id";
  only_this.values = {focus.id};
  request.criteria.push_back(std::move(only_this));
  if (search::find_matching_ids(transaction.connection(), request, 1).empty()) return;

  const std::string lane = ordering_key(subscription.id);
  NotificationEvent event;
  event.base_url = base_url();
  event.subscription_id = subscription.id;
  event.event_number = outbox::count_lane(transaction.connection(), lane) + 1;
  event.focus_type = focus.type;
  event.focus_id = focus.id;
  event.focus_version = focus.version;
  event.timestamp_ms = focus.last_updated_ms;
  event.bundle_id = rest::new_resource_id();
  event.status_id = rest::new_resource_id();

  outbox::OutgoingMessage message;
  message.destination = subscription.endpoint;
  message.transport = kRestHookTransport;
  message.method = "POST";
  message.path = "Subscription/" + subscription.id;
  message.body = id_only_notification(event, outbox::now_ms());
  // One notification per version of the focus and Subscription: a replayed job queues no copy.
  message.idempotency_key = "subscription-notification:" + subscription.id + ":" + focus.type + "/" + focus.id +
                            ":" + std::to_string(focus.version);
  message.ordering_key = lane;
  outbox::enqueue(transaction, message);
}

}  // namespace socialrx::gateway::subscription
