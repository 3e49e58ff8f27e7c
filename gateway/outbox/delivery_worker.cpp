#include "gateway/outbox/delivery_worker.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>

#include "gateway/outbox/fhir_rest_transport.hpp"
#include "gateway/outbox/file_transport.hpp"
#include "gateway/outbox/mllp_transport.hpp"
#include "gateway/outbox/outbox.hpp"
#include "gateway/outbox/retry_policy.hpp"

namespace socialrx::gateway::outbox {
namespace {

constexpr std::size_t kBatch = 32;         // due messages read per round
constexpr std::size_t kMaxErrorText = 200;  // last_error is a short reason, not a document

std::string short_reason(const std::string& reason) {
  return reason.size() <= kMaxErrorText ? reason : reason.substr(0, kMaxErrorText);
}

}  // namespace

Transports make_transports(const OutboxOptions& options) {
  Transports transports;
  transports.emplace("fhir-rest", std::make_unique<FhirRestTransport>(options));
  transports.emplace("mllp", std::make_unique<MllpTransport>(options));
  transports.emplace("file", std::make_unique<FileTransport>());
  return transports;
}

struct DeliveryWorker::Impl {
  Impl(storage::Database& database, storage::WriteQueue& writes, Transports transports,
       OutboxOptions options, std::function<double()> uniform01)
      : database(database),
        writes(writes),
        transports(std::move(transports)),
        options(std::move(options)),
        uniform01(std::move(uniform01)) {
    if (this->options.max_attempts < 1) this->options.max_attempts = 1;
    if (!this->uniform01) {
      this->uniform01 = [generator = std::mt19937_64(std::random_device{}())]() mutable {
        return std::uniform_real_distribution<double>(0.0, 1.0)(generator);
      };
    }
  }

  void loop() {
    for (;;) {
      {
        std::lock_guard lock(mutex);
        if (stopping) return;
        notified = false;  // whatever was queued before now is seen by the round below
      }
      bool progress = false;
      bool failed = false;
      try {
        progress = run_round(failed);
      } catch (const std::exception& error) {
        // The database is unreachable or refused a query: try again after the poll interval.
        std::cerr << "socialrx: outbox: cannot read the outbox: " << error.what() << '\n';
        failed = true;
      }
      if (progress && !failed) continue;  // more may be due (the next of an ordering key)
      sleep(failed ? options.poll_interval : time_to_next_attempt());
    }
  }

  // Sends what is due now. Returns whether anything was attempted.
  bool run_round(bool& failed) {
    std::vector<OutboxEntry> due;
    {
      auto reader = database.reader();
      due = due_messages(*reader, now_ms(), kBatch);
    }
    for (const auto& entry : due) {
      if (is_stopping()) return false;
      if (!deliver(entry)) failed = true;
    }
    return !due.empty();
  }

  std::chrono::milliseconds time_to_next_attempt() {
    try {
      auto reader = database.reader();
      if (const auto next = next_attempt_ms(*reader)) {
        const auto wait = std::chrono::milliseconds(std::max<std::int64_t>(*next - now_ms(), 0));
        return std::min(wait, options.poll_interval);
      }
    } catch (const std::exception&) {
    }
    return options.poll_interval;
  }

  void sleep(std::chrono::milliseconds duration) {
    std::unique_lock lock(mutex);
    wake.wait_for(lock, duration, [this] { return stopping || notified; });
  }

  bool is_stopping() {
    std::lock_guard lock(mutex);
    return stopping;
  }

  // One attempt; returns false when its result could not be recorded.
  bool deliver(const OutboxEntry& entry) {
    Delivery delivery{entry.id,
                      entry.message.destination,
                      entry.message.method,
                      entry.message.path,
                      entry.message.body,
                      entry.message.content_type,
                      entry.message.idempotency_key,
                      entry.attempts + 1};
    DeliveryOutcome outcome;
    const auto transport = transports.find(entry.message.transport);
    if (transport == transports.end()) {
      outcome.verdict = DeliveryOutcome::Verdict::reject;
      outcome.reason = "no transport named '" + short_reason(entry.message.transport) + "'";
    } else {
      try {
        outcome = transport->second->send(delivery);
      } catch (const std::exception& error) {
        outcome.verdict = DeliveryOutcome::Verdict::retry;
        outcome.reason = std::string("transport failure: ") + error.what();
      }
    }
    if (outcome.verdict == DeliveryOutcome::Verdict::aborted) return true;  // stopping

    AttemptRecord record;
    record.id = entry.id;
    record.attempted_ms = now_ms();
    if (outcome.status != 0) record.status = outcome.status;
    record.error = short_reason(outcome.reason);
    const int attempts = entry.attempts + 1;
    switch (outcome.verdict) {
      case DeliveryOutcome::Verdict::delivered:
        record.new_state = State::delivered;
        record.error.clear();
        break;
      case DeliveryOutcome::Verdict::reject:
        record.new_state = State::dead;
        break;
      default:
        if (attempts >= options.max_attempts) {
          record.new_state = State::dead;
          record.error = "gave up after " + std::to_string(attempts) + " attempts; last: " + record.error;
        } else {
          record.new_state = State::pending;
          record.next_attempt_ms =
              record.attempted_ms +
              backoff_delay(attempts, options.base_delay, options.max_delay, uniform01).count();
        }
        break;
    }
    record.next_attempt_ms = std::max(record.next_attempt_ms, record.attempted_ms);

    try {
      writes.run([&](storage::WriteTransaction& transaction) {
        if (record_attempt(transaction, record) && record.new_state == State::dead && dead_letter_hook) {
          dead_letter_hook(transaction, entry, record.error);
        }
      });
    } catch (const std::exception& error) {
      // Not recorded: the message stays as it was and is sent again (at least once).
      std::cerr << "socialrx: outbox: cannot record the result of message " << entry.id << ": "
                << error.what() << '\n';
      return false;
    }

    stats_attempts.fetch_add(1, std::memory_order_relaxed);
    if (record.new_state == State::delivered) {
      stats_delivered.fetch_add(1, std::memory_order_relaxed);
    } else if (record.new_state == State::dead) {
      stats_dead.fetch_add(1, std::memory_order_relaxed);
      // Ids and reasons only: bodies and paths may carry personal data.
      std::cerr << "socialrx: outbox: message " << entry.id << " to " << entry.message.destination
                << " is dead after " << attempts << " attempt(s): " << record.error
                << " (socialrx outbox retry " << entry.id << ")\n";
    } else {
      stats_retried.fetch_add(1, std::memory_order_relaxed);
      std::cerr << "socialrx: outbox: message " << entry.id << " to " << entry.message.destination
                << ", attempt " << attempts << " failed: " << record.error << "; next in "
                << (record.next_attempt_ms - record.attempted_ms) << " ms\n";
    }
    return true;
  }

  storage::Database& database;
  storage::WriteQueue& writes;
  Transports transports;
  OutboxOptions options;
  std::function<double()> uniform01;  // worker thread only
  DeadLetterHook dead_letter_hook;     // set before start()

  std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;
  bool notified = false;
  std::thread thread;

  std::atomic<std::uint64_t> stats_attempts{0};
  std::atomic<std::uint64_t> stats_delivered{0};
  std::atomic<std::uint64_t> stats_retried{0};
  std::atomic<std::uint64_t> stats_dead{0};
};

DeliveryWorker::DeliveryWorker(storage::Database& database, storage::WriteQueue& writes,
                               Transports transports, OutboxOptions options,
                               std::function<double()> uniform01)
    : impl_(std::make_unique<Impl>(database, writes, std::move(transports), std::move(options),
                                   std::move(uniform01))) {}

DeliveryWorker::~DeliveryWorker() { stop(); }

void DeliveryWorker::set_dead_letter_hook(DeadLetterHook hook) { impl_->dead_letter_hook = std::move(hook); }

void DeliveryWorker::start() {
  std::lock_guard lock(impl_->mutex);
  if (impl_->thread.joinable() || impl_->stopping) return;
  impl_->thread = std::thread([this] { impl_->loop(); });
}

void DeliveryWorker::stop() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  for (auto& [name, transport] : impl_->transports) transport->cancel();
  if (impl_->thread.joinable()) impl_->thread.join();
}

void DeliveryWorker::notify() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->notified = true;
  }
  impl_->wake.notify_all();
}

DeliveryWorker::Stats DeliveryWorker::stats() const {
  Stats stats;
  stats.attempts = impl_->stats_attempts.load(std::memory_order_relaxed);
  stats.delivered = impl_->stats_delivered.load(std::memory_order_relaxed);
  stats.retried = impl_->stats_retried.load(std::memory_order_relaxed);
  stats.dead = impl_->stats_dead.load(std::memory_order_relaxed);
  return stats;
}

}  // namespace socialrx::gateway::outbox
