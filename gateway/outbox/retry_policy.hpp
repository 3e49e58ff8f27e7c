#pragma once
// When to try a failed message again: exponential backoff with full jitter
// (delay = uniform(0, min(max_delay, base_delay · 2^(attempts-1)))), so that many messages that
// failed together (a recipient's server was down) do not all come back at the same moment.

#include <chrono>
#include <cstdint>
#include <functional>

#include "gateway/outbox/transport.hpp"

namespace socialrx::gateway::outbox {

// The backoff ceiling after `attempts` failed attempts (1 → base_delay, 2 → 2·base_delay…),
// never more than max_delay.
std::chrono::milliseconds backoff_ceiling(int attempts, std::chrono::milliseconds base_delay,
                                          std::chrono::milliseconds max_delay);

// Full jitter: `uniform01` returns a number in [0, 1]; the delay is that fraction of the ceiling.
std::chrono::milliseconds backoff_delay(int attempts, std::chrono::milliseconds base_delay,
                                        std::chrono::milliseconds max_delay,
                                        const std::function<double()>& uniform01);

// HTTP status → verdict: 2xx delivered; 408, 425, 429 and 5xx retry (the server may get better);
// every other status (other 4xx, and 1xx/3xx, which a push does not expect) reject: a client
// error will not fix itself by waiting, so the message goes dead at once with the status and can
// be retried by hand after the cause is fixed.
DeliveryOutcome::Verdict classify_http_status(unsigned status);

}  // namespace socialrx::gateway::outbox
