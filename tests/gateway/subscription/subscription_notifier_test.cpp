// The notifier's cost promise: a write job that writes nothing of a type an active Subscription
// follows runs no query at all (the active Subscriptions are cached per type). A transaction
// that fails on any use stands in for the database once the cache is loaded.

#include <gtest/gtest.h>

#include <stdexcept>

#include "fhir/json.hpp"
#include "gateway/referral/store_access.hpp"
#include "gateway/storage/write_queue.hpp"
#include "gateway/subscription/subscription_notifier.hpp"
#include "tests/gateway/storage/storage_test_support.hpp"

namespace socialrx::gateway::subscription {
namespace {

using storage::WrittenVersion;

struct Queried : std::logic_error {
  using std::logic_error::logic_error;
};

class NoQueries final : public storage::WriteTransaction {
 public:
  storage::Connection& connection() override { throw Queried("connection()"); }
  std::optional<storage::StoredResource> current(std::string_view, std::string_view) override {
    throw Queried("current()");
  }
  storage::StoredResource write_version(std::string_view, std::string_view, bool,
                                        const std::function<std::string(const storage::VersionStamp&)>&,
                                        std::optional<std::int64_t>) override {
    throw Queried("write_version()");
  }
  void replace_index(std::string_view, std::string_view, const std::vector<storage::IndexRow>&) override {
    throw Queried("replace_index()");
  }
  bool claim(std::string_view, std::string_view, std::string_view, std::string_view, std::string*) override {
    throw Queried("claim()");
  }
};

void write_subscription(storage::WriteQueue& writes, const std::string& id, const std::string& criteria) {
  writes.run([&](storage::WriteTransaction& transaction) {
    auto parsed = fhir::json::parse(
        R"({"resourceType":"Subscription","status":"active","reason":"test","criteria":")" + criteria +
        R"(","channel":{"type":"rest-hook","endpoint":"http://127.0.0.1:9/hook"}})");
    referral::write_platform_resource(transaction, parsed.document->root(), "Subscription", id);
  });
}

TEST(SubscriptionNotifier, WritesOfTypesNoActiveSubscriptionFollowsRunNoQuery) {
  storage::testing::ScratchDatabase scratch(storage::Backend::sqlite);
  auto database = storage::Database::open(scratch.options());
  SubscriptionNotifier notifier;
  storage::WriteQueueOptions options;
  options.after_job = notifier.observer();
  storage::WriteQueue writes(*database, options);
  NoQueries none;

  // Nothing subscribed yet (the first job loads the empty set): no write costs a query.
  writes.run([](storage::WriteTransaction& transaction) {
    auto parsed = fhir::json::parse(R"({"resourceType":"Patient","gender":"female"})");
    referral::write_platform_resource(transaction, parsed.document->root(), "Patient", "p1");
  });
  EXPECT_NO_THROW(notifier.after_job(none, {WrittenVersion{"Task", "t1", 1, 0, false}}));

  // A Subscription on Task (its job drops and reloads the cache): Patient and Observation writes
  // still cost nothing; a Task write is matched, which needs the database.
  write_subscription(writes, "s1", "Task?status=requested");
  EXPECT_NO_THROW(notifier.after_job(none, {WrittenVersion{"Patient", "p1", 2, 0, false},
                                            WrittenVersion{"Observation", "o1", 1, 0, false}}));
  EXPECT_THROW(notifier.after_job(none, {WrittenVersion{"Task", "t1", 1, 0, false}}), Queried);
  // A deleted Task is not notified.
  EXPECT_NO_THROW(notifier.after_job(none, {WrittenVersion{"Task", "t1", 2, 0, true}}));
  // A Subscription write drops the cache: the next job reads it again.
  EXPECT_THROW(notifier.after_job(none, {WrittenVersion{"Subscription", "s2", 1, 0, false}}), Queried);
}

}  // namespace
}  // namespace socialrx::gateway::subscription
