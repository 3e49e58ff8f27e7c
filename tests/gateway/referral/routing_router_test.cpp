// The router: the shipped rules on the demo directory (age boundaries, 圏域 by postal code and by
// 町字, full-width input, whole-municipality fallback, capacity, exclusions, the kind chain, no
// match), and targeted cases on hand-made candidates (ordering, odd data, bounds of the
// explanation). Also the address normalisation the coverage matching relies on.

#include <gtest/gtest.h>

#include "fhir/text_normalize.hpp"
#include "gateway/referral/coverage_match.hpp"
#include "gateway/referral/router.hpp"
#include "tests/gateway/referral/routing_test_support.hpp"

namespace socialrx::gateway::referral {
namespace {

constexpr const char* kMidori = "992011";

class RoutingRouter : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rules_ = new RoutingRules(load_routing_rules(testing::shipped_rules_path()));
    demo_ = new std::vector<ServiceCandidate>(testing::DemoDirectory().candidates());
  }
  static void TearDownTestSuite() {
    delete rules_;
    delete demo_;
  }

  static RoutingDecision route_demo(const RoutingInput& input) { return route(*rules_, input, *demo_); }

  static RoutingInput patient(std::string need, std::optional<int> age, std::string postal = "",
                              std::string line = "", std::string municipality = kMidori) {
    RoutingInput input;
    input.need_domain = std::move(need);
    input.age_years = age;
    input.municipality_code = std::move(municipality);
    input.postal_code = std::move(postal);
    input.address_line = std::move(line);
    return input;
  }

  static std::string chosen_service(const RoutingDecision& decision) {
    return decision.chosen ? decision.chosen->service : "(none)";
  }

  static const CandidateVerdict* verdict_for(const RoutingDecision& decision, const std::string& rule,
                                             const std::string& service) {
    for (const CandidateVerdict& verdict : decision.considered) {
      if (verdict.rule_id == rule && verdict.service == service) return &verdict;
    }
    return nullptr;
  }

  static RoutingRules* rules_;
  static std::vector<ServiceCandidate>* demo_;
};

RoutingRules* RoutingRouter::rules_ = nullptr;
std::vector<ServiceCandidate>* RoutingRouter::demo_ = nullptr;

TEST_F(RoutingRouter, TheDemoDirectoryReadsAsElevenUsableCandidates) {
  ASSERT_EQ(demo_->size(), 11u);
  for (const ServiceCandidate& candidate : *demo_) EXPECT_EQ(candidate.problem, "") << candidate.service;
}

TEST_F(RoutingRouter, AgeBoundary64And65) {
  const RoutingDecision at65 = route_demo(patient("loneliness", 65, "999-0101"));
  EXPECT_EQ(at65.rule_id, "elderly-isolation");
  EXPECT_EQ(chosen_service(at65), "HealthcareService/houkatsu-kita-sodan");

  const RoutingDecision at64 = route_demo(patient("loneliness", 64, "999-0101"));
  EXPECT_EQ(at64.rule_id, "isolation");
  EXPECT_EQ(chosen_service(at64), "HealthcareService/shakyo-chiiki-fukushi");
  ASSERT_FALSE(at64.matched_rules.empty());
  EXPECT_EQ(at64.matched_rules.front().id, "isolation");  // elderly-isolation did not fit
}

TEST_F(RoutingRouter, AreaByPostalCodeIncludingFullWidthAndWithoutHyphen) {
  for (const std::string postal : {"999-0121", "9990121", "９９９−０１２１", "９９９－０１２１", " 999-0121 "}) {
    const RoutingDecision decision = route_demo(patient("loneliness", 70, postal));
    EXPECT_EQ(chosen_service(decision), "HealthcareService/houkatsu-minami-sodan") << postal;
    EXPECT_NE(decision.ranked.front().detail.find("南部圏域（郵便番号一致）"), std::string::npos)
        << decision.ranked.front().detail;
  }
}

TEST_F(RoutingRouter, AreaByTownWhenThePostalCodeIsUnknownOrElsewhere) {
  const RoutingDecision kita = route_demo(patient("care-burden", 80, "", "みどり町二丁目3-4"));
  EXPECT_EQ(chosen_service(kita), "HealthcareService/houkatsu-kita-sodan");
  EXPECT_NE(kita.ranked.front().detail.find("北部圏域（町字一致）"), std::string::npos);
  // Full-width digits, a minus sign and padding in the line; the town still begins it.
  const RoutingDecision chuo = route_demo(patient("care-burden", 80, "", "　駅前３−４−５"));
  EXPECT_EQ(chosen_service(chuo), "HealthcareService/houkatsu-chuo-sodan");
  // An area's postal code that does not match does not hide a matching town.
  const RoutingDecision minami = route_demo(patient("care-burden", 80, "999-0199", "若葉2丁目"));
  EXPECT_EQ(chosen_service(minami), "HealthcareService/houkatsu-minami-sodan");
  // A town that only appears later in the line does not count.
  const RoutingDecision none = route_demo(patient("care-burden", 80, "", "東町 北山荘"));
  EXPECT_NE(chosen_service(none), "HealthcareService/houkatsu-kita-sodan");
}

TEST_F(RoutingRouter, WholeMunicipalityServiceWhenNoAreaCoversThePatient) {
  // No 地域包括支援センター covers 999-0199; of the 通いの場, only the こども食堂 serves the whole town.
  const RoutingDecision decision = route_demo(patient("loneliness", 70, "999-0199"));
  EXPECT_EQ(decision.rule_id, "elderly-isolation");
  EXPECT_EQ(chosen_service(decision), "HealthcareService/kodomo-shokudo");
  EXPECT_NE(decision.ranked.front().detail.find("みどり市（市区町村全域）"), std::string::npos);
  const CandidateVerdict* kita = verdict_for(decision, "elderly-isolation", "HealthcareService/houkatsu-kita-sodan");
  ASSERT_NE(kita, nullptr);
  EXPECT_EQ(kita->verdict, Verdict::outside_area);
}

TEST_F(RoutingRouter, NoCapacityIsSkippedAndAnExcludedOrganizationGivesTheNextCandidate) {
  RoutingInput input = patient("loneliness", 70, "999-0102");
  const RoutingDecision first = route_demo(input);
  EXPECT_EQ(chosen_service(first), "HealthcareService/houkatsu-kita-sodan");
  const CandidateVerdict* taiso = verdict_for(first, "elderly-isolation", "HealthcareService/kayoi-kitayama-taiso");
  ASSERT_NE(taiso, nullptr);
  EXPECT_EQ(taiso->verdict, Verdict::capacity_not_accepted);
  EXPECT_EQ(taiso->detail, "受入不可 (no-capacity)");
  ASSERT_GE(first.alternatives().size(), 2u);
  EXPECT_EQ(first.alternatives()[0].candidate.service, "HealthcareService/kodomo-shokudo");
  EXPECT_EQ(first.alternatives()[1].candidate.service, "HealthcareService/shakyo-chiiki-fukushi");

  // The 北部 centre rejected: routing again excludes it and yields the first alternative.
  input.excluded_organizations = {first.chosen->organization};
  EXPECT_EQ(first.chosen->organization, "Organization/midori-houkatsu-kita");
  const RoutingDecision second = route_demo(input);
  EXPECT_EQ(chosen_service(second), first.alternatives()[0].candidate.service);
  const CandidateVerdict* kita = verdict_for(second, "elderly-isolation", "HealthcareService/houkatsu-kita-sodan");
  ASSERT_NE(kita, nullptr);
  EXPECT_EQ(kita->verdict, Verdict::excluded);
}

TEST_F(RoutingRouter, TheKindChainFallsBackToTheNextKind) {
  // A child's food need: the 子ども家庭センター does not serve food, the こども食堂 (通いの場) does.
  const RoutingDecision child = route_demo(patient("food", 10, "999-0111"));
  EXPECT_EQ(child.rule_id, "child-food-economic");
  EXPECT_EQ(chosen_service(child), "HealthcareService/kodomo-shokudo");

  // Working-age economic hardship: 自立相談支援機関 first, the 社協 food bank when it is excluded.
  RoutingInput adult = patient("economic", 40, "999-0101");
  const RoutingDecision first = route_demo(adult);
  EXPECT_EQ(first.rule_id, "livelihood");
  EXPECT_EQ(chosen_service(first), "HealthcareService/jiritsu-sodan");
  adult.excluded_organizations = {"Organization/midori-kurashi-support"};
  const RoutingDecision second = route_demo(adult);
  EXPECT_EQ(second.rule_id, "livelihood");
  EXPECT_EQ(chosen_service(second), "HealthcareService/shakyo-food-bank");
}

TEST_F(RoutingRouter, ServiceAgesAreIgnoredOnlyWhereTheRuleSaysSo) {
  // A child and a parent with child-rearing needs both reach the 子ども家庭センター (under 18);
  // for the parent the centre's age limit is the child's.
  EXPECT_EQ(route_demo(patient("child-rearing", 10)).rule_id, "child-safety");
  const RoutingDecision parent = route_demo(patient("child-rearing", 35));
  EXPECT_EQ(parent.rule_id, "parenting");
  EXPECT_EQ(chosen_service(parent), "HealthcareService/kodomo-katei-sodan");
  // A working-age carer reaches the 地域包括支援センター of the area.
  const RoutingDecision carer = route_demo(patient("care-burden", 50, "999-0111"));
  EXPECT_EQ(carer.rule_id, "carer");
  EXPECT_EQ(chosen_service(carer), "HealthcareService/houkatsu-chuo-sodan");
  // elderly-care does not ignore ages: at 50 the rule does not fit at all.
  EXPECT_EQ(carer.matched_rules.front().id, "carer");
}

TEST_F(RoutingRouter, AnUnknownAgeFitsOnlyRulesWithoutAgeAndServicesWithoutAgeLimits) {
  const RoutingDecision lonely = route_demo(patient("loneliness", std::nullopt, "999-0121"));
  EXPECT_EQ(lonely.rule_id, "isolation");
  EXPECT_EQ(chosen_service(lonely), "HealthcareService/shakyo-chiiki-fukushi");
  // The 南台 salon (60+) covers 999-0121 but cannot take a patient of unknown age.
  const CandidateVerdict* salon = verdict_for(lonely, "isolation", "HealthcareService/kayoi-minamidai-salon");
  ASSERT_NE(salon, nullptr);
  EXPECT_EQ(salon->verdict, Verdict::age_not_eligible);
  EXPECT_EQ(salon->detail, "年齢不明（対象 60歳以上）");
}

TEST_F(RoutingRouter, NoMatchExplainsWhichRulesWereTriedAndWhy) {
  // No service in the demo town takes violence for adults.
  const RoutingDecision decision = route_demo(patient("violence", 40, "999-0101"));
  EXPECT_FALSE(decision.chosen.has_value());
  EXPECT_EQ(decision.rule_id, "");
  EXPECT_TRUE(decision.ranked.empty());
  ASSERT_EQ(decision.matched_rules.size(), 2u);
  EXPECT_EQ(decision.matched_rules[0].id, "violence-adult");
  EXPECT_EQ(decision.matched_rules[1].id, "fallback");
  const std::string text = decision.explanation();
  EXPECT_NE(text.find("該当する紹介先なし"), std::string::npos) << text;
  EXPECT_NE(text.find("violence-adult（候補 3 件）、fallback（候補 2 件）"), std::string::npos) << text;
  EXPECT_NE(text.find("ニーズ対象外 3 件"), std::string::npos) << text;
  EXPECT_NE(text.find("地方公共団体コード 992011"), std::string::npos) << text;
}

TEST_F(RoutingRouter, APatientInAnotherMunicipalityMatchesNothing) {
  const RoutingDecision decision = route_demo(patient("loneliness", 70, "100-0001", "千代田1-1", "131016"));
  EXPECT_FALSE(decision.chosen.has_value());
  for (const CandidateVerdict& verdict : decision.considered) {
    EXPECT_TRUE(verdict.verdict == Verdict::outside_area || verdict.verdict == Verdict::need_not_served)
        << verdict.service;
  }
  const std::string text = decision.explanation();
  EXPECT_NE(text.find("区域外"), std::string::npos) << text;
  // Without a municipality code nothing is covered either.
  EXPECT_FALSE(route_demo(patient("loneliness", 70, "999-0101", "北山1", "")).chosen.has_value());
  // The 5-digit code (without check digit) is the same municipality.
  EXPECT_EQ(chosen_service(route_demo(patient("loneliness", 70, "999-0101", "", "99201"))),
            "HealthcareService/houkatsu-kita-sodan");
}

TEST_F(RoutingRouter, TheExplanationOfAChoiceNamesRuleChoiceAlternativesAndSkips) {
  const std::string text = route_demo(patient("loneliness", 70, "999-0101")).explanation();
  EXPECT_EQ(text.rfind("紹介先の選定（ニーズ loneliness、地方公共団体コード 992011）: ルール elderly-isolation（", 0), 0u)
      << text;
  EXPECT_NE(text.find("みどり市北部地域包括支援センター「総合相談(北部圏域)」 を選択（北部圏域（郵便番号一致）・受入可）"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("次点: NPO法人こども食堂みどりの家「こども食堂(月2回)」"), std::string::npos) << text;
  EXPECT_NE(text.find("NPO法人みどり元気クラブ「いきいき百歳体操(北山会場)」 受入不可 (no-capacity)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("区域外 3 件"), std::string::npos) << text;
  // No personal data beyond need and municipality.
  EXPECT_EQ(text.find("999-0101"), std::string::npos) << text;
  EXPECT_EQ(text.find("70"), std::string::npos) << text;
}

// --- Hand-made candidates ------------------------------------------------------------------------

ServiceCandidate candidate(std::string id, std::string kind, std::string capacity, bool whole = true) {
  ServiceCandidate c;
  c.service = "HealthcareService/" + id;
  c.organization = "Organization/org-" + id;
  c.organization_name = "組織 " + id;
  c.name = "サービス " + id;
  c.recipient_kind = std::move(kind);
  c.need_domains = {"loneliness"};
  CoverageArea area;
  area.reference = "Location/area-" + id;
  area.municipality_code = kMidori;
  area.whole_municipality = whole;
  area.name = whole ? "みどり市" : "北部圏域";
  if (!whole) area.postal_codes = {"999-0101"};
  c.areas = {area};
  c.capacity = std::move(capacity);
  c.active = true;
  c.service_identifier = std::move(id);
  return c;
}

RoutingRules one_rule(std::vector<std::string> recipients) {
  RoutingRules rules;
  rules.capacity_preference = default_capacity_preference();
  RoutingRule rule;
  rule.id = "r";
  rule.needs = {"loneliness"};
  rule.recipients = std::move(recipients);
  rules.rules.push_back(rule);
  return rules;
}

RoutingInput kita_patient() {
  RoutingInput input;
  input.need_domain = "loneliness";
  input.age_years = 70;
  input.municipality_code = kMidori;
  input.postal_code = "999-0101";
  return input;
}

std::vector<std::string> ranked_services(const RoutingDecision& decision) {
  std::vector<std::string> out;
  for (const RankedCandidate& ranked : decision.ranked) out.push_back(ranked.candidate.service_identifier);
  return out;
}

TEST(RoutingRouterOrder, AreaBeforeWholeMunicipalityThenCapacityThenIdentifier) {
  const std::vector<ServiceCandidate> candidates = {
      candidate("e-whole-capacity", "shakyo", "capacity"),
      candidate("d-area-waitlist", "shakyo", "waitlist", false),
      candidate("c-whole-unknown", "shakyo", ""),
      candidate("b-whole-capacity", "shakyo", "capacity"),
      candidate("a-whole-waitlist", "shakyo", "waitlist"),
      candidate("f-whole-none", "shakyo", "no-capacity"),
      candidate("g-whole-assessment", "shakyo", "additional-assessment-required"),
  };
  const RoutingDecision decision = route(one_rule({"shakyo"}), kita_patient(), candidates);
  EXPECT_EQ(ranked_services(decision),
            (std::vector<std::string>{"d-area-waitlist", "b-whole-capacity", "e-whole-capacity", "c-whole-unknown",
                                      "a-whole-waitlist", "g-whole-assessment"}));
  EXPECT_EQ(decision.considered.size(), candidates.size());
  // A preference that lists no-capacity last makes it a last resort.
  RoutingRules anything = one_rule({"shakyo"});
  anything.capacity_preference.push_back("no-capacity");
  EXPECT_EQ(ranked_services(route(anything, kita_patient(), candidates)).back(), "f-whole-none");
}

TEST(RoutingRouterOrder, EveryServiceOfTheFirstKindComesBeforeTheSecondKind) {
  const std::vector<ServiceCandidate> candidates = {
      candidate("a-kayoi-area", "kayoi-no-ba", "capacity", false),
      candidate("b-shakyo-waitlist", "shakyo", "waitlist"),
      candidate("c-houkatsu", "chiiki-houkatsu", "capacity"),  // not in the chain: not considered
  };
  const RoutingDecision decision = route(one_rule({"shakyo", "kayoi-no-ba"}), kita_patient(), candidates);
  EXPECT_EQ(ranked_services(decision), (std::vector<std::string>{"b-shakyo-waitlist", "a-kayoi-area"}));
  EXPECT_EQ(decision.considered.size(), 2u);
  EXPECT_EQ(decision.considered[0].verdict, Verdict::chosen);
  EXPECT_EQ(decision.considered[1].verdict, Verdict::alternative);
}

TEST(RoutingRouterOrder, OddCandidatesAreSkippedWithAReasonNeverThrown) {
  ServiceCandidate broken = candidate("a-broken", "shakyo", "capacity");
  broken.problem = "対象区域 Location/x が見つからない";
  ServiceCandidate inactive = candidate("b-inactive", "shakyo", "capacity");
  inactive.active = false;
  ServiceCandidate other_need = candidate("c-food", "shakyo", "capacity");
  other_need.need_domains = {"food"};
  ServiceCandidate no_areas = candidate("d-nowhere", "shakyo", "capacity");
  no_areas.areas.clear();
  ServiceCandidate strange_capacity = candidate("e-strange", "shakyo", "full-up");
  ServiceCandidate empty_area = candidate("f-empty-area", "shakyo", "capacity", false);
  empty_area.areas[0].postal_codes.clear();
  empty_area.areas[0].municipality_code = "not a code";
  const RoutingDecision decision = route(one_rule({"shakyo"}), kita_patient(),
                                         {broken, inactive, other_need, no_areas, strange_capacity, empty_area});
  EXPECT_FALSE(decision.chosen.has_value());
  ASSERT_EQ(decision.considered.size(), 6u);
  EXPECT_EQ(decision.considered[0].verdict, Verdict::unusable_data);
  EXPECT_EQ(decision.considered[0].detail, "データ不備: 対象区域 Location/x が見つからない");
  EXPECT_EQ(decision.considered[1].verdict, Verdict::inactive);
  EXPECT_EQ(decision.considered[2].verdict, Verdict::need_not_served);
  EXPECT_EQ(decision.considered[3].verdict, Verdict::outside_area);
  EXPECT_EQ(decision.considered[4].verdict, Verdict::capacity_not_accepted);
  EXPECT_EQ(decision.considered[4].detail, "受入状況 full-up");
  EXPECT_EQ(decision.considered[5].verdict, Verdict::outside_area);
  const std::string text = decision.explanation();
  EXPECT_NE(text.find("データ不備"), std::string::npos) << text;
  EXPECT_NE(text.find("休止中"), std::string::npos) << text;
}

TEST(RoutingRouterOrder, RuleMunicipalitiesAndAgeBoundsRestrictTheRule) {
  RoutingRules rules = one_rule({"shakyo"});
  rules.rules[0].municipalities = {"131016"};
  const std::vector<ServiceCandidate> candidates = {candidate("a", "shakyo", "capacity")};
  EXPECT_TRUE(route(rules, kita_patient(), candidates).matched_rules.empty());
  rules.rules[0].municipalities = {"131016", kMidori};
  EXPECT_EQ(route(rules, kita_patient(), candidates).rule_id, "r");
  rules.rules[0].age = AgeBounds{std::nullopt, 69};
  EXPECT_TRUE(route(rules, kita_patient(), candidates).matched_rules.empty());
  RoutingInput unknown_age = kita_patient();
  unknown_age.age_years.reset();
  EXPECT_TRUE(route(rules, unknown_age, candidates).matched_rules.empty());
  RoutingInput no_need = kita_patient();
  no_need.need_domain.clear();
  rules.rules[0].age = {};
  rules.rules[0].needs = {std::string(kAnyNeed)};
  EXPECT_FALSE(route(rules, no_need, candidates).chosen.has_value());
}

TEST(RoutingRouterOrder, AServiceRankedByAnEarlierRuleIsRankedOnce) {
  RoutingRules rules = one_rule({"shakyo"});
  RoutingRule second = rules.rules[0];
  second.id = "r2";
  second.recipients = {"shakyo", "kayoi-no-ba"};
  rules.rules.push_back(second);
  const std::vector<ServiceCandidate> candidates = {candidate("a", "shakyo", "capacity"),
                                                    candidate("b", "kayoi-no-ba", "capacity")};
  const RoutingDecision decision = route(rules, kita_patient(), candidates);
  EXPECT_EQ(ranked_services(decision), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(decision.ranked[0].rule_id, "r");
  EXPECT_EQ(decision.ranked[1].rule_id, "r2");
  EXPECT_EQ(decision.alternatives().size(), 1u);
}

TEST(RoutingRouterOrder, TheExplanationStaysBoundedAndWellFormed) {
  std::vector<ServiceCandidate> candidates;
  for (int i = 0; i < 400; ++i) {
    ServiceCandidate c = candidate("svc-" + std::to_string(1000 + i), "shakyo", i % 2 == 0 ? "no-capacity" : "capacity");
    c.organization_name = "とても長い名前の社会福祉法人ふれあい支え合いネットワーク第" + std::to_string(i) + "支部";
    if (i % 3 == 0) c.areas[0].municipality_code = "131016";
    candidates.push_back(std::move(c));
  }
  RoutingRules rules = one_rule({"shakyo"});
  rules.rules[0].description = std::string(3000, 'x');
  const RoutingDecision decision = route(rules, kita_patient(), candidates);
  ASSERT_TRUE(decision.chosen.has_value());
  const std::string text = decision.explanation();
  EXPECT_LE(text.size(), kMaxExplanationBytes);
  EXPECT_TRUE(fhir::jp::is_valid_utf8(text));
  EXPECT_TRUE(text.ends_with("…"));

  rules.rules[0].description = "短い説明";
  const std::string shorter = route(rules, kita_patient(), candidates).explanation();
  EXPECT_LE(shorter.size(), kMaxExplanationBytes);
  EXPECT_NE(shorter.find("ほか"), std::string::npos) << shorter;
  EXPECT_NE(shorter.find("区域外 134 件"), std::string::npos) << shorter;
}

TEST(RoutingCoverage, AddressesAndCodesAreNormalisedForMatching) {
  EXPECT_EQ(normalise_address("北山１−２−３"), "北山1-2-3");
  EXPECT_EQ(normalise_address("北山1ー2ー3"), "北山1-2-3");
  EXPECT_EQ(normalise_address(" みどり町　二丁目 ４番"), "みどり町二丁目4番");
  EXPECT_EQ(normalise_address("ﾐﾄﾞﾘ町"), "ミドリ町");
  EXPECT_EQ(municipality_key("992011"), "99201");
  EXPECT_EQ(municipality_key("９９２０１１"), "99201");
  EXPECT_EQ(municipality_key("99201"), "99201");
  EXPECT_EQ(municipality_key("9920"), "");
  EXPECT_EQ(municipality_key("99201x"), "");

  CoverageArea area;
  area.reference = "Location/a";
  area.municipality_code = kMidori;
  area.name = "北部圏域";
  area.postal_codes = {"9990101"};
  area.towns = {"みどり町 一丁目"};
  EXPECT_EQ(coverage_of(area, make_patient_address(kMidori, "999-0101", "")).kind, CoverageKind::postal_code);
  EXPECT_EQ(coverage_of(area, make_patient_address(kMidori, "", "みどり町一丁目5")).kind, CoverageKind::town);
  EXPECT_EQ(coverage_of(area, make_patient_address(kMidori, "not a postal code", "")).kind, CoverageKind::none);
  EXPECT_EQ(coverage_of(area, make_patient_address("131016", "999-0101", "")).kind, CoverageKind::none);
  area.whole_municipality = true;
  EXPECT_EQ(coverage_of(area, make_patient_address(kMidori, "", "")).kind, CoverageKind::whole_municipality);
}

}  // namespace
}  // namespace socialrx::gateway::referral
