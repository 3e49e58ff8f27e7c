#pragma once
// Queues a notification for every committed create or update that matches an active
// Subscription's criteria — inside the write job that made the change (a storage::JobObserver),
// so that the change and its notifications commit together or not at all, through the outbox
// (durable, retried, dead-lettered, one ordering lane per Subscription).
//
// Matching runs the Subscription's search restricted to the written resource's _id, in the job's
// transaction, after the job's writes (its index rows are current): whatever the search API
// supports works in criteria, with the same meaning. A job that writes one resource several
// times (the workflow puts a new Task on hold) is one event, about its last version.
//
// Cost: the active Subscriptions are cached per resource type; a job that writes no resource of a
// type with an active Subscription does no query at all. The cache is dropped when a job writes a
// Subscription and read again (inside that job) before it is next used. Several nodes on one
// PostgreSQL would each need to hear of the others' Subscription writes: not built (one node).

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "gateway/outbox/delivery_worker.hpp"
#include "gateway/search/search_request.hpp"
#include "gateway/storage/resource_store.hpp"
#include "gateway/storage/write_queue.hpp"

namespace socialrx::gateway::subscription {

class SubscriptionNotifier {
 public:
  // The observer to hand to the WriteQueue (WriteQueueOptions::after_job). The notifier must
  // outlive the queue.
  storage::JobObserver observer();
  // For the outbox worker: a dead notification puts its Subscription in error.
  outbox::DeliveryWorker::DeadLetterHook dead_letter_hook() const;

  // The FHIR base URL the notifications' references use ("http://host:port/fhir"); empty until
  // set: references stay relative. Thread-safe.
  void set_base_url(std::string base_url);

  // On the writer thread, at the end of a job (see observer()).
  void after_job(storage::WriteTransaction& transaction, const std::vector<storage::WrittenVersion>& written);

 private:
  struct Active {
    std::string id;
    search::SearchRequest search;
    std::string endpoint;
  };
  void reload(storage::WriteTransaction& transaction);
  void notify(storage::WriteTransaction& transaction, const Active& subscription,
              const storage::WrittenVersion& focus);
  std::string base_url() const;

  // Writer thread only.
  bool loaded_ = false;
  std::map<std::string, std::vector<Active>, std::less<>> active_by_type_;

  mutable std::mutex base_url_mutex_;
  std::string base_url_;
};

}  // namespace socialrx::gateway::subscription
