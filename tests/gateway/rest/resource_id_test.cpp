// Server-assigned ids: UUID version 7, so that ids assigned one after the other sort together
// (what keeps the id-keyed b-trees' inserts on their last page), and still never repeat.

#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <set>
#include <string>
#include <thread>

#include "fhir/primitives.hpp"
#include "gateway/rest/resource_stamp.hpp"

namespace socialrx::gateway::rest {
namespace {

TEST(NewResourceId, IsALowercaseUuidVersion7) {
  const std::regex shape("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  for (int i = 0; i < 100; ++i) {
    const std::string id = new_resource_id();
    EXPECT_TRUE(std::regex_match(id, shape)) << id;
    EXPECT_TRUE(fhir::check_primitive(fhir::Primitive::id, id).empty()) << id;
  }
}

TEST(NewResourceId, CarriesTheMillisecondsItWasMadeAt) {
  const auto before = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const std::string id = new_resource_id();
  const auto after = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  const long long stamped = std::stoll(id.substr(0, 8) + id.substr(9, 4), nullptr, 16);
  EXPECT_GE(stamped, before);
  EXPECT_LE(stamped, after);
}

TEST(NewResourceId, LaterIdsSortAfterEarlierOnes) {
  const std::string first = new_resource_id();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const std::string second = new_resource_id();
  EXPECT_LT(first, second);
}

TEST(NewResourceId, NeverRepeatsWithinTheSameMillisecond) {
  std::set<std::string> ids;
  for (int i = 0; i < 20'000; ++i) ids.insert(new_resource_id());
  EXPECT_EQ(ids.size(), 20'000u);
}

}  // namespace
}  // namespace socialrx::gateway::rest
