#include "gateway/outbox/retry_policy.hpp"

#include <algorithm>
#include <cmath>

namespace socialrx::gateway::outbox {

std::chrono::milliseconds backoff_ceiling(int attempts, std::chrono::milliseconds base_delay,
                                          std::chrono::milliseconds max_delay) {
  const std::int64_t base = std::max<std::int64_t>(base_delay.count(), 0);
  const std::int64_t cap = std::max<std::int64_t>(max_delay.count(), 0);
  std::int64_t ceiling = base;
  // Doubling stops at the cap, so no overflow however many attempts there were.
  for (int i = 1; i < attempts && ceiling < cap; ++i) ceiling *= 2;
  return std::chrono::milliseconds(std::min(ceiling, cap));
}

std::chrono::milliseconds backoff_delay(int attempts, std::chrono::milliseconds base_delay,
                                        std::chrono::milliseconds max_delay,
                                        const std::function<double()>& uniform01) {
  const auto ceiling = backoff_ceiling(attempts, base_delay, max_delay);
  double fraction = uniform01 ? uniform01() : 1.0;
  if (!(fraction >= 0.0)) fraction = 0.0;  // also NaN
  fraction = std::min(fraction, 1.0);
  return std::chrono::milliseconds(
      static_cast<std::int64_t>(std::llround(fraction * static_cast<double>(ceiling.count()))));
}

DeliveryOutcome::Verdict classify_http_status(unsigned status) {
  using Verdict = DeliveryOutcome::Verdict;
  if (status >= 200 && status < 300) return Verdict::delivered;
  if (status == 408 || status == 425 || status == 429 || (status >= 500 && status < 600)) {
    return Verdict::retry;
  }
  return Verdict::reject;
}

}  // namespace socialrx::gateway::outbox
