// The directory as routing candidates: read_candidate on the resources the directory code builds
// for the demo town (and on odd variations of them), and load_candidates inside a real write job
// after importing the demo directory, on SQLite and PostgreSQL.

#include <gtest/gtest.h>

#include <sstream>

#include "gateway/directory/directory_import.hpp"
#include "gateway/referral/directory_candidates.hpp"
#include "gateway/referral/router.hpp"
#include "gateway/search/index_extractor.hpp"
#include "gateway/search/search_executor.hpp"
#include "gateway/search/search_request.hpp"
#include "gateway/storage/write_queue.hpp"
#include "tests/gateway/referral/routing_test_support.hpp"
#include "tests/gateway/storage/storage_test_support.hpp"

namespace socialrx::gateway::referral {
namespace {

using testing::DemoDirectory;

ServiceCandidate read(const DemoDirectory& demo, const std::string& service_id) {
  auto candidate = read_candidate(demo.service(service_id), demo.lookup());
  EXPECT_TRUE(candidate.has_value()) << service_id;
  return candidate.value_or(ServiceCandidate{});
}

TEST(DirectoryCandidates, AFullRecipientInOneArea) {
  const DemoDirectory demo;
  const ServiceCandidate kita = read(demo, "houkatsu-kita-sodan");
  EXPECT_EQ(kita.service, "HealthcareService/houkatsu-kita-sodan");
  EXPECT_EQ(kita.service_identifier, "houkatsu-kita-sodan");
  EXPECT_EQ(kita.organization, "Organization/midori-houkatsu-kita");
  EXPECT_EQ(kita.organization_name, "みどり市北部地域包括支援センター");
  EXPECT_EQ(kita.name, "総合相談(北部圏域)");
  EXPECT_EQ(kita.label(), "みどり市北部地域包括支援センター「総合相談(北部圏域)」");
  EXPECT_EQ(kita.recipient_kind, "chiiki-houkatsu");
  EXPECT_EQ(kita.need_domains,
            (std::vector<std::string>{"care-burden", "social-support", "loneliness", "social-participation"}));
  EXPECT_EQ(kita.age_min, 65);
  EXPECT_EQ(kita.age_max, std::nullopt);
  EXPECT_EQ(kita.capacity, "capacity");
  EXPECT_EQ(kita.capacity_notes, "");
  EXPECT_TRUE(kita.full_recipient);
  EXPECT_EQ(kita.endpoint_address, "https://houkatsu-kita.midori.example/fhir");
  EXPECT_TRUE(kita.active);
  EXPECT_EQ(kita.problem, "");
  ASSERT_EQ(kita.areas.size(), 1u);
  const CoverageArea& area = kita.areas[0];
  EXPECT_EQ(area.reference, "Location/992011-kita");
  EXPECT_EQ(area.municipality_code, "992011");
  EXPECT_FALSE(area.whole_municipality);
  EXPECT_EQ(area.postal_codes, (std::vector<std::string>{"999-0101", "999-0102"}));
  EXPECT_EQ(area.towns, (std::vector<std::string>{"みどり町一丁目", "みどり町二丁目", "北山"}));
  EXPECT_EQ(area.name, "北部圏域");
}

TEST(DirectoryCandidates, ALightRecipientForTheWholeMunicipalityWithAnUpperAgeAndNotes) {
  const DemoDirectory demo;
  const ServiceCandidate kodomo = read(demo, "kodomo-katei-sodan");
  EXPECT_EQ(kodomo.recipient_kind, "kodomo-katei");
  EXPECT_EQ(kodomo.age_min, std::nullopt);
  EXPECT_EQ(kodomo.age_max, 17);
  EXPECT_FALSE(kodomo.full_recipient);
  EXPECT_EQ(kodomo.endpoint_address, "");
  ASSERT_EQ(kodomo.areas.size(), 1u);
  EXPECT_TRUE(kodomo.areas[0].whole_municipality);
  EXPECT_EQ(kodomo.areas[0].name, "みどり市");
  EXPECT_EQ(kodomo.problem, "");

  const ServiceCandidate chuo = read(demo, "houkatsu-chuo-sodan");
  EXPECT_EQ(chuo.capacity, "waitlist");
  EXPECT_EQ(chuo.capacity_notes, "訪問による初回相談は約2週間待ち。電話相談は随時受付");
  // No capacity published: unknown.
  EXPECT_EQ(read(demo, "kaigo-nintei").capacity, "");
}

TEST(DirectoryCandidates, OddDataBecomesAProblemNotAnException) {
  DemoDirectory demo;
  const std::string body = fhir::json::serialize(demo.service("houkatsu-kita-sodan"));
  auto variant = [&](const std::string& from, const std::string& to) {
    std::string changed = body;
    const auto at = changed.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) changed.replace(at, from.size(), to);
    demo.add("HealthcareService", "variant", changed);
    return read_candidate(demo.service("variant"), demo.lookup()).value_or(ServiceCandidate{});
  };
  EXPECT_EQ(variant("Location/992011-kita", "Location/missing").problem, "対象区域 Location/missing が見つからない");
  EXPECT_EQ(variant("\"value\":65", "\"value\":64.5").problem, "年齢条件を読めない (eligibility-age-range)");
  EXPECT_EQ(variant("\"value\":65", "\"value\":65.0").age_min, 65);
  EXPECT_EQ(variant("Endpoint/midori-houkatsu-kita", "Endpoint/missing").problem,
            "full 受け手なのに有効な Endpoint がない");
  EXPECT_EQ(variant("https://socialrx.jp/fhir/CodeSystem/recipient-kind", "urn:other").problem,
            "受け手の種類 (category, recipient-kind) がない");
  EXPECT_FALSE(variant("\"active\":true", "\"active\":false").active);
  EXPECT_EQ(variant("\"code\":\"capacity\"", "\"code\":\"no-capacity-has-waitlist\"").capacity, "waitlist");
  // Not a HealthcareService, or without an id: no candidate at all.
  EXPECT_FALSE(read_candidate(*demo.find("Location/992011-kita"), demo.lookup()).has_value());
  auto no_id = fhir::json::parse(R"({"resourceType":"HealthcareService"})");
  EXPECT_FALSE(read_candidate(no_id.document->root(), demo.lookup()).has_value());
  // Nothing resolves: still a candidate, with the problem.
  const auto alone = read_candidate(demo.service("houkatsu-kita-sodan"), [](std::string_view) { return nullptr; });
  ASSERT_TRUE(alone.has_value());
  EXPECT_NE(alone->problem, "");
}

// load_candidates inside a write job, on a store the demo directory was imported into.
class DirectoryCandidatesStore : public storage::testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    writes_ = std::make_unique<storage::WriteQueue>(*database_);
    std::ostringstream report;
    const auto summary = directory::import_directory(directory::testing::demo_directory_text(), "demo.csv", *writes_,
                                                     report);
    ASSERT_TRUE(summary.clean()) << report.str();
  }
  void TearDown() override {
    writes_.reset();
    BackendTest::TearDown();
  }

  std::vector<ServiceCandidate> load(const std::string& need) {
    std::vector<ServiceCandidate> candidates;
    writes_->run([&](storage::WriteTransaction& transaction) { candidates = load_candidates(transaction, need); });
    return candidates;
  }

  static std::vector<std::string> identifiers(const std::vector<ServiceCandidate>& candidates) {
    std::vector<std::string> out;
    for (const ServiceCandidate& candidate : candidates) out.push_back(candidate.service_identifier);
    return out;
  }

  std::unique_ptr<storage::WriteQueue> writes_;
};

TEST_P(DirectoryCandidatesStore, LoadsTheServicesOfANeedInsideAWriteJob) {
  const auto lonely = load("loneliness");
  EXPECT_EQ(identifiers(lonely),
            (std::vector<std::string>{"houkatsu-chuo-sodan", "houkatsu-kita-sodan", "houkatsu-minami-sodan",
                                      "kayoi-kitayama-taiso", "kayoi-minamidai-salon", "kodomo-shokudo",
                                      "shakyo-chiiki-fukushi"}));
  for (const ServiceCandidate& candidate : lonely) {
    EXPECT_EQ(candidate.problem, "") << candidate.service;
    EXPECT_FALSE(candidate.areas.empty()) << candidate.service;
    EXPECT_FALSE(candidate.areas[0].municipality_code.empty()) << candidate.service;
  }
  const auto kita = std::find_if(lonely.begin(), lonely.end(),
                                 [](const ServiceCandidate& c) { return c.service_identifier == "houkatsu-kita-sodan"; });
  ASSERT_NE(kita, lonely.end());
  EXPECT_EQ(kita->endpoint_address, "https://houkatsu-kita.midori.example/fhir");
  EXPECT_EQ(kita->areas[0].postal_codes, (std::vector<std::string>{"999-0101", "999-0102"}));
  EXPECT_EQ(identifiers(load("debt")), (std::vector<std::string>{"jiritsu-sodan"}));
  EXPECT_EQ(load("").size(), 11u);
  EXPECT_TRUE(load("nonsense").empty());
}

TEST_P(DirectoryCandidatesStore, RoutesInTheSameTransactionThatChangesTheDirectory) {
  const RoutingRules rules = load_routing_rules(testing::shipped_rules_path());
  RoutingInput input;
  input.need_domain = "loneliness";
  input.age_years = 70;
  input.municipality_code = "992011";
  input.postal_code = "999-0101";
  std::string before;
  std::string after;
  writes_->run([&](storage::WriteTransaction& transaction) {
    before = route(rules, input, load_candidates(transaction, input.need_domain)).chosen->service_identifier;
    // The 北部 centre becomes full inside this very transaction; routing sees it at once.
    const auto id = search::find_matching_ids(
        transaction.connection(),
        search::parse_search_request("HealthcareService",
                                     {rest::QueryParam{"identifier", "", "https://socialrx.jp/fhir/sid/directory-service|houkatsu-kita-sodan"}}),
        2);
    ASSERT_EQ(id.size(), 1u);
    auto stored = transaction.current("HealthcareService", id[0]);
    ASSERT_TRUE(stored.has_value());
    std::string body = stored->body;
    const std::string from = "\"code\":\"capacity\"";
    ASSERT_NE(body.find(from), std::string::npos);
    body.replace(body.find(from), from.size(), "\"code\":\"no-capacity\"");
    transaction.write_version("HealthcareService", id[0], false, [&](const storage::VersionStamp&) { return body; },
                              stored->version);
    after = route(rules, input, load_candidates(transaction, input.need_domain)).chosen->service_identifier;
  });
  EXPECT_EQ(before, "houkatsu-kita-sodan");
  EXPECT_EQ(after, "kodomo-shokudo");
}

TEST_P(DirectoryCandidatesStore, InactiveServicesAreNotLoaded) {
  writes_->run([&](storage::WriteTransaction& transaction) {
    const auto ids = search::find_matching_ids(
        transaction.connection(),
        search::parse_search_request("HealthcareService",
                                     {rest::QueryParam{"identifier", "", "https://socialrx.jp/fhir/sid/directory-service|jiritsu-sodan"}}),
        2);
    ASSERT_EQ(ids.size(), 1u);
    auto stored = transaction.current("HealthcareService", ids[0]);
    std::string body = stored->body;
    body.replace(body.find("\"active\":true"), 13, "\"active\":false");
    auto parsed = fhir::json::parse(body);
    transaction.write_version("HealthcareService", ids[0], false, [&](const storage::VersionStamp&) { return body; },
                              stored->version);
    transaction.replace_index("HealthcareService", ids[0],
                              search::extract_index_rows("HealthcareService", parsed.document->root()));
  });
  EXPECT_TRUE(load("debt").empty());
}

SOCIALRX_INSTANTIATE_BACKENDS(DirectoryCandidatesStore);

}  // namespace
}  // namespace socialrx::gateway::referral
