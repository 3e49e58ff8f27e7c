#pragma once
// How a message leaves: one Transport per kind ("fhir-rest", "mllp", "file"), chosen
// by the message's `transport` column. The DeliveryWorker calls send() on its own thread, one
// message at a time, and records what it returns.

#include <cstdint>
#include <string>

namespace socialrx::gateway::outbox {

// What the transport sees of a queued message.
struct Delivery {
  std::int64_t id = 0;
  std::string destination;
  std::string method;
  std::string path;
  std::string body;
  std::string content_type;
  std::string idempotency_key;
  int attempt = 1;  // 1 for the first try
};

struct DeliveryOutcome {
  enum class Verdict {
    delivered,  // the destination accepted it
    retry,      // a failure that may pass (unreachable, timeout, 5xx…): try again later
    reject,     // the destination refused it for good (e.g. 4xx): dead at once
    aborted,    // not really tried (the worker is stopping): nothing is recorded
  };
  Verdict verdict = Verdict::retry;
  int status = 0;      // the destination's status (HTTP status; 0 when there was none)
  std::string reason;  // short and free of personal data: "connect: Connection refused"
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Must not throw for anything the destination or the message can do (the worker treats an
  // exception as a retry, but a transport should say what happened).
  virtual DeliveryOutcome send(const Delivery& delivery) = 0;
  // From another thread: makes a send() in progress return soon (aborted) and every later one
  // return aborted at once. Used by DeliveryWorker::stop().
  virtual void cancel() {}
};

}  // namespace socialrx::gateway::outbox
