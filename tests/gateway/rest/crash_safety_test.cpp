// Crash safety: the server is killed with SIGKILL while clients create resources and post
// transactions, then restarted on the same data. Every create that got a 201 is there, and every
// transaction is either wholly there (always, if it got a 200) or not at all.

#include <atomic>
#include <mutex>
#include <thread>

#include "tests/gateway/rest/rest_test_support.hpp"

namespace socialrx::testing {
namespace {

using CrashSafety = RestTest;

struct Acknowledged {
  std::mutex mutex;
  std::vector<std::string> created;              // Observation ids that got 201
  std::vector<std::string> transactions_acked;   // markers of transactions that got 200
  std::vector<std::string> transactions_tried;   // every marker sent
};

std::string observation(const std::string& marker) {
  return R"({"resourceType":"Observation","status":"final","code":{"text":"crash test"},
    "identifier":[{"system":"urn:socialrx:crash","value":")" + marker + R"("}]})";
}

std::string transaction(const std::string& marker) {
  std::string entries;
  for (int i = 0; i < 3; ++i) {
    if (!entries.empty()) entries += ",";
    entries += R"({"resource":)" + observation(marker) + R"(,"request":{"method":"POST","url":"Observation"}})";
  }
  return R"({"resourceType":"Bundle","type":"transaction","entry":[)" + entries + "]}";
}

void write_until_killed(GatewayProcess& gateway, int worker, std::atomic<bool>& stop, Acknowledged& acked) {
  FhirClient client(gateway, kAdminToken, nullptr);
  for (int n = 0; !stop; ++n) {
    const std::string marker = "w" + std::to_string(worker) + "-" + std::to_string(n);
    try {
      if (n % 2 == 0) {
        HttpResponse response = client.post("/Observation", observation(marker));
        if (response.status == 201) {
          auto parsed = fhir::json::parse(response.body);
          std::lock_guard lock(acked.mutex);
          acked.created.emplace_back(parsed.document->root().string_at("id"));
        }
      } else {
        {
          std::lock_guard lock(acked.mutex);
          acked.transactions_tried.push_back(marker);
        }
        HttpResponse response = client.post("", transaction(marker));
        if (response.status == 200) {
          std::lock_guard lock(acked.mutex);
          acked.transactions_acked.push_back(marker);
        }
      }
    } catch (const std::exception&) {
      return;  // the server is gone
    }
  }
}

TEST_P(CrashSafety, AcknowledgedWritesSurviveSigkill) {
  Acknowledged acked;
  for (int cycle = 0; cycle < 3; ++cycle) {
    std::atomic<bool> stop{false};
    std::vector<std::thread> workers;
    for (int worker = 0; worker < 8; ++worker) {
      workers.emplace_back(write_until_killed, std::ref(gateway()), cycle * 100 + worker,
                           std::ref(stop), std::ref(acked));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(700 + 300 * cycle));
    gateway().kill();  // SIGKILL mid-write
    stop = true;
    for (auto& thread : workers) thread.join();
    gateway().start();
  }
  ASSERT_GT(acked.created.size(), 50u) << "the load did not get going";
  ASSERT_GT(acked.transactions_acked.size(), 20u);

  auto client = admin();
  for (const std::string& id : acked.created) {
    EXPECT_EQ(client.get("/Observation/" + id).status, 200u) << "acknowledged create lost: " << id;
  }
  std::set<std::string> acknowledged(acked.transactions_acked.begin(), acked.transactions_acked.end());
  for (const std::string& marker : acked.transactions_tried) {
    HttpResponse count = client.get("/Observation?identifier=urn:socialrx:crash|" + marker + "&_summary=count");
    const std::string total(json_of(count).root().find("total")->text());
    if (acknowledged.count(marker) != 0) {
      EXPECT_EQ(total, "3") << "acknowledged transaction " << marker << " is not wholly there";
    } else {
      EXPECT_TRUE(total == "0" || total == "3") << "transaction " << marker << " half applied: " << total;
    }
  }
}

SOCIALRX_REST_BACKENDS(CrashSafety);

}  // namespace
}  // namespace socialrx::testing
