// Conditional create under race: 100 rounds of 32 concurrent If-None-Exist creates for the same
// identifier leave exactly one resource per round (the database constraint decides, not a
// search-then-insert), on SQLite and on PostgreSQL.

#include <barrier>
#include <thread>

#include "tests/gateway/rest/rest_test_support.hpp"

namespace socialrx::testing {
namespace {

using ConditionalCreateRace = RestTest;

TEST_P(ConditionalCreateRace, OneResourcePerRoundOf32ConcurrentCreates) {
  constexpr int kRounds = 100;
  constexpr int kClients = 32;
  // [round][client] → (status, id)
  std::vector<std::vector<std::pair<unsigned, std::string>>> results(
      kRounds, std::vector<std::pair<unsigned, std::string>>(kClients));
  std::barrier start_round(kClients);
  std::vector<std::thread> threads;
  for (int client_index = 0; client_index < kClients; ++client_index) {
    threads.emplace_back([&, client_index] {
      FhirClient client(gateway(), kAdminToken, nullptr);
      for (int round = 0; round < kRounds; ++round) {
        const std::string value = "race-" + std::to_string(round);
        const std::string body = R"({"resourceType":"Patient","identifier":[{"system":"urn:socialrx:race","value":")" +
                                 value + R"("}]})";
        start_round.arrive_and_wait();
        try {
          HttpResponse response =
              client.post("/Patient", body, {{"If-None-Exist", "identifier=urn:socialrx:race|" + value}});
          auto parsed = fhir::json::parse(response.body);
          results[round][client_index] = {
              response.status, parsed.document ? std::string(parsed.document->root().string_at("id")) : ""};
        } catch (const std::exception& error) {
          results[round][client_index] = {0, error.what()};
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();

  auto client = admin();
  for (int round = 0; round < kRounds; ++round) {
    int created = 0;
    std::set<std::string> ids;
    for (const auto& [status, id] : results[round]) {
      EXPECT_TRUE(status == 201 || status == 200) << "round " << round << ": " << status << " " << id;
      if (status == 201) ++created;
      ids.insert(id);
    }
    EXPECT_EQ(created, 1) << "round " << round;
    EXPECT_EQ(ids.size(), 1u) << "round " << round << ": every client must get the same resource";
    HttpResponse count =
        client.get("/Patient?identifier=urn:socialrx:race|race-" + std::to_string(round) + "&_summary=count");
    EXPECT_EQ(json_of(count).root().find("total")->text(), "1") << "round " << round;
  }
}

SOCIALRX_REST_BACKENDS(ConditionalCreateRace);

}  // namespace
}  // namespace socialrx::testing
