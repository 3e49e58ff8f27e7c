#include "gateway/referral/recipient_poller.hpp"

#include <iostream>

#include "fhir/validator.hpp"
#include "gateway/outbox/fhir_rest_transport.hpp"
#include "gateway/referral/recipient_push.hpp"
#include "gateway/referral/resource_json.hpp"
#include "gateway/rest/conditional.hpp"
#include "gateway/search/search_executor.hpp"

namespace socialrx::gateway::referral {
namespace {

using fhir::json::Value;

// Open downstream Tasks of full recipients: (Task key, recipient base URL).
std::vector<std::pair<std::string, std::string>> open_full_recipient_tasks(storage::WriteQueue& writes) {
  std::vector<std::pair<std::string, std::string>> open;
  // Read inside a (read-only) job: the same lookups the workflow uses, on the writer's view.
  writes.run([&open](storage::WriteTransaction& transaction) {
    for (const std::string& id :
         find_ids(transaction, "Task", "status=requested,accepted,in-progress,on-hold", 10'000)) {
      auto task = load(transaction, "Task/" + id);
      if (!task || task->root().find("partOf") == nullptr) continue;
      std::string endpoint = full_recipient_endpoint(transaction, reference_key(task->root().find("owner")));
      if (!endpoint.empty()) open.emplace_back(task->key, std::move(endpoint));
    }
  });
  return open;
}

std::optional<fhir::json::Document> fetch_resource(outbox::FhirRestTransport& client, const std::string& url) {
  const http::ClientResult result = client.fetch(url);
  if (!result.ok() || result.response.result_int() != 200) return std::nullopt;
  fhir::json::ParseResult parsed = fhir::json::parse(result.response.body());
  if (!parsed.document || fhir::validate_resource(parsed.document->root()).has_errors()) return std::nullopt;
  return std::move(*parsed.document);
}

}  // namespace

RecipientPoller::RecipientPoller(storage::Database& database, storage::WriteQueue& writes, const Workflow& workflow,
                                 const outbox::OutboxOptions& credentials, std::chrono::milliseconds interval)
    : database_(database),
      writes_(writes),
      workflow_(workflow),
      client_(std::make_unique<outbox::FhirRestTransport>(credentials)),
      interval_(interval) {}

RecipientPoller::~RecipientPoller() { stop(); }

void RecipientPoller::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      try {
        poll_once();
      } catch (const std::exception& failure) {  // a database hiccup: the next round tries again
        std::cerr << "socialrx: polling full recipients failed: " << failure.what() << '\n';
      }
      lock.lock();
      wake_.wait_for(lock, interval_, [this] { return stopping_; });
    }
  });
}

void RecipientPoller::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  client_->cancel();
  if (thread_.joinable()) thread_.join();
}

std::size_t RecipientPoller::poll_once() {
  std::size_t updated = 0;
  for (const auto& [task_key, endpoint] : open_full_recipient_tasks(writes_)) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) break;
    }
    if (poll_task(task_key, endpoint)) ++updated;
  }
  return updated;
}

bool RecipientPoller::poll_task(const std::string& task_key, const std::string& endpoint) {
  auto remote = fetch_resource(*client_, outbox::join_url(endpoint, task_key));
  if (!remote) return false;  // not there yet (delivery pending), unreachable, or unusable
  // What the output names lives on the recipient's server: bring it over first, so the source
  // sees the Procedure its Task points to.
  std::vector<fhir::json::Document> outputs;
  if (const Value* output = remote->root().find("output")) {
    for (const Value& item : output->items()) {
      const std::string key = reference_key(item.find("valueReference"));
      if (!key.starts_with("Procedure/") && !key.starts_with("Observation/")) continue;
      if (auto resource = fetch_resource(*client_, outbox::join_url(endpoint, key))) outputs.push_back(std::move(*resource));
    }
  }
  bool updated = false;
  try {
    writes_.run([&](storage::WriteTransaction& transaction) {
      for (const fhir::json::Document& resource : outputs) {
        const Value& root = resource.root();
        write_platform_resource(transaction, root, root.string_at("resourceType"), root.string_at("id"));
      }
      updated = workflow_.take_recipient_update(transaction, task_key, remote->root());
    });
  } catch (const std::exception& refused) {
    // The recipient's server holds a change the workflow does not allow (e.g. a status jump):
    // it stays unmirrored, and the log says which Task (no personal data).
    std::cerr << "socialrx: the update of " << task_key << " from its recipient was refused: " << refused.what()
              << '\n';
  }
  return updated;
}

}  // namespace socialrx::gateway::referral
