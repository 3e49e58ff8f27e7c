#pragma once
// One outgoing message as a write job puts it into the outbox (see outbox.hpp for enqueue()).

#include <string>

namespace socialrx::gateway::outbox {

struct OutgoingMessage {
  // Where: for "fhir-rest" the FHIR base URL of the recipient ("https://fhir.example.jp/fhir").
  std::string destination;
  std::string transport = "fhir-rest";   // which Transport delivers it (transport.hpp)
  std::string method = "PUT";            // fhir-rest: PUT (to a fixed id: idempotent), POST…
  std::string path;                      // relative to destination: "Task/abc"
  std::string body;                      // the payload (a FHIR resource as JSON); may be empty
  std::string content_type = "application/fhir+json";
  // Unique across the outbox: enqueueing the same key again is a no-op, and fhir-rest sends it as
  // the Idempotency-Key header. Derive it from what the message is about, e.g.
  // "task-push:<Task id>:<version>", so that a replayed job cannot queue a second copy.
  std::string idempotency_key;
  // Messages with the same non-empty key are delivered strictly in the order they were queued:
  // a message waits while an older one of its key is pending or dead. Empty: no ordering.
  // E.g. "Task/abc@https://fhir.example.jp/fhir" so that a Task's versions arrive in order.
  std::string ordering_key;
};

}  // namespace socialrx::gateway::outbox
