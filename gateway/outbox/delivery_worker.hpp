#pragma once
// The DeliveryWorker: one thread that sends due outbox messages through their Transport and
// records each result through the WriteQueue (the single writer):
//   delivered                 → delivered
//   retry (5xx, 408, 429, unreachable, TLS, timeout)
//                             → pending, next attempt after backoff_delay() (full jitter), or
//                               dead once max_attempts attempts have failed
//   reject (other 4xx…)       → dead at once, with the status
// Messages of one ordering key go strictly one after the other (due_messages()).
//
// Delivery is at least once: a message is sent, then its result is committed; a crash between
// the two sends it again after the restart. Receivers see the same Idempotency-Key, and a PUT to
// a fixed id makes the repeat harmless (fhir_rest_transport.hpp).
//
// Messages go one at a time: a destination that answers slowly delays the others by up to
// request_timeout per attempt (parallel delivery per destination is future work).
//
// Lifetime: construct after the database and the WriteQueue, start(), and stop() (or destroy)
// before the WriteQueue and the database go away.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "gateway/outbox/outbox.hpp"
#include "gateway/outbox/outbox_options.hpp"
#include "gateway/outbox/transport.hpp"
#include "gateway/storage/database.hpp"
#include "gateway/storage/write_queue.hpp"

namespace socialrx::gateway::outbox {

using Transports = std::map<std::string, std::unique_ptr<Transport>, std::less<>>;

// The transports this build has: "fhir-rest", "mllp", "file". Throws at start-up as
// FhirRestTransport does.
Transports make_transports(const OutboxOptions& options);

class DeliveryWorker {
 public:
  // `uniform01` draws the jitter fraction in [0, 1] (default: a random generator); tests pass a
  // constant to see the backoff ceilings themselves.
  DeliveryWorker(storage::Database& database, storage::WriteQueue& writes, Transports transports,
                 OutboxOptions options, std::function<double()> uniform01 = {});
  ~DeliveryWorker();  // stop()
  DeliveryWorker(const DeliveryWorker&) = delete;
  DeliveryWorker& operator=(const DeliveryWorker&) = delete;

  // Runs inside the write job that records a message as dead, so that what it writes commits
  // with that record (gateway/subscription sets its Subscription to error). Set before start().
  using DeadLetterHook =
      std::function<void(storage::WriteTransaction&, const OutboxEntry&, const std::string& error)>;
  void set_dead_letter_hook(DeadLetterHook hook);

  void start();
  // Cancels a send in progress (its message stays as it was, due again at the next start), ends
  // the thread and joins it. Idempotent.
  void stop();
  // Something was queued (call it after the commit): look now instead of at the next poll.
  // Cheap and safe from any thread, also before start() and after stop().
  void notify();

  struct Stats {
    std::uint64_t attempts = 0;
    std::uint64_t delivered = 0;
    std::uint64_t retried = 0;  // failed attempts that will be tried again
    std::uint64_t dead = 0;
  };
  Stats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace socialrx::gateway::outbox
