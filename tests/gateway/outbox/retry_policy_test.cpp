// The backoff schedule and how HTTP statuses are judged.

#include "gateway/outbox/retry_policy.hpp"

#include <gtest/gtest.h>

#include "gateway/outbox/fhir_rest_transport.hpp"

namespace socialrx::gateway::outbox {
namespace {

using std::chrono::milliseconds;
using Verdict = DeliveryOutcome::Verdict;

TEST(RetryPolicy, CeilingDoublesUpToTheCap) {
  const milliseconds base{1'000}, cap{300'000};
  EXPECT_EQ(backoff_ceiling(1, base, cap), milliseconds(1'000));
  EXPECT_EQ(backoff_ceiling(2, base, cap), milliseconds(2'000));
  EXPECT_EQ(backoff_ceiling(5, base, cap), milliseconds(16'000));
  EXPECT_EQ(backoff_ceiling(9, base, cap), milliseconds(256'000));
  EXPECT_EQ(backoff_ceiling(10, base, cap), cap);
  EXPECT_EQ(backoff_ceiling(1'000'000, base, cap), cap);  // no overflow
}

TEST(RetryPolicy, FullJitterStaysBetweenZeroAndTheCeiling) {
  const milliseconds base{100}, cap{10'000};
  EXPECT_EQ(backoff_delay(3, base, cap, [] { return 1.0; }), milliseconds(400));
  EXPECT_EQ(backoff_delay(3, base, cap, [] { return 0.0; }), milliseconds(0));
  EXPECT_EQ(backoff_delay(3, base, cap, [] { return 0.5; }), milliseconds(200));
  EXPECT_EQ(backoff_delay(3, base, cap, [] { return 7.0; }), milliseconds(400));  // clamped
  EXPECT_EQ(backoff_delay(3, base, cap, [] { return -1.0; }), milliseconds(0));
}

TEST(RetryPolicy, StatusesThatMayPassAreRetriedOtherClientErrorsAreFinal) {
  for (unsigned status : {200u, 201u, 204u}) EXPECT_EQ(classify_http_status(status), Verdict::delivered);
  for (unsigned status : {408u, 425u, 429u, 500u, 502u, 503u, 504u}) {
    EXPECT_EQ(classify_http_status(status), Verdict::retry) << status;
  }
  for (unsigned status : {400u, 401u, 403u, 404u, 409u, 412u, 422u, 301u, 100u}) {
    EXPECT_EQ(classify_http_status(status), Verdict::reject) << status;
  }
}

TEST(RetryPolicy, JoinUrl) {
  EXPECT_EQ(join_url("https://x.jp/fhir", "Task/1"), "https://x.jp/fhir/Task/1");
  EXPECT_EQ(join_url("https://x.jp/fhir/", "/Task/1"), "https://x.jp/fhir/Task/1");
  EXPECT_EQ(join_url("https://x.jp/fhir", ""), "https://x.jp/fhir");
}

}  // namespace
}  // namespace socialrx::gateway::outbox
