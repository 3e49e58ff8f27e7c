#pragma once
// The `outbox` section of the gateway configuration (gateway/config reads it; conf/gateway.jsonc
// documents it): retry schedule, poll interval, request timeout, and per-destination settings.

#include <chrono>
#include <string>
#include <vector>

namespace socialrx::gateway::outbox {

// Settings for the destinations whose URL starts with url_prefix (the longest prefix wins).
struct DestinationOptions {
  std::string url_prefix;        // "https://fhir.example.jp/fhir"
  // Name of the environment variable that holds the bearer token (the token itself never sits in
  // the configuration file). Empty: no Authorization header.
  std::string bearer_token_env;
  std::string ca_file;           // PEM trust anchors for TLS; empty: the system store
};

struct OutboxOptions {
  int max_attempts = 10;                             // then the message is dead
  std::chrono::milliseconds base_delay{1'000};       // backoff ceiling after the first failure
  std::chrono::milliseconds max_delay{300'000};      // the ceiling never exceeds this
  std::chrono::milliseconds poll_interval{1'000};    // longest sleep without notify()
  std::chrono::milliseconds request_timeout{30'000};  // connect + TLS + request + response
  // "mllp": from sending a message to its whole ACK (connecting is bounded by request_timeout).
  std::chrono::milliseconds mllp_ack_timeout{30'000};
  std::vector<DestinationOptions> destinations;
};

}  // namespace socialrx::gateway::outbox
