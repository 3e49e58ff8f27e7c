// Extraction: the transaction Bundle of conditional updates, every resource valid, Observations
// per answer (repeating answers, asked-but-unanswered, amended), Conditions and proposed
// ServiceRequests per at-risk domain; and the shipped sdh-screening responses end to end
// (scoring and risks as tests/fhir/questionnaire/shipped/expected_risks.tsv says).

#include "fhir/questionnaire/extraction.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "fhir/primitives.hpp"
#include "fhir/questionnaire/response_validator.hpp"
#include "fhir/validator.hpp"
#include "test_support.hpp"

namespace socialrx::fhir::questionnaire {
namespace {

using testing::listed;
using testing::load_file;
using testing::parse_json;

std::string read_path(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::string kConf = std::string(SOCIALRX_TEST_DATA_DIR) + "/../../conf/questionnaires/";
const std::string kShipped = std::string(SOCIALRX_TEST_DATA_DIR) + "/questionnaire/shipped/";

constexpr std::string_view kAnswers = "https://socialrx.jp/fhir/CodeSystem/sdh-answer";

std::string coded(std::string_view link_id, std::string_view code) {
  return R"({"linkId":")" + std::string(link_id) + R"(","answer":[{"valueCoding":{"system":")" +
         std::string(kAnswers) + R"(","code":")" + std::string(code) + R"("}}]})";
}

std::string response(std::string_view items, std::string_view status = "completed",
                     std::string_view id = "qr1") {
  std::string id_member = id.empty() ? "" : R"("id":")" + std::string(id) + R"(",)";
  return R"({"resourceType":"QuestionnaireResponse",)" + id_member + R"("status":")" +
         std::string(status) +
         R"(","questionnaire":"https://socialrx.jp/fhir/Questionnaire/scoring-test|1.0.0",)"
         R"("subject":{"reference":"Patient/p1"},"authored":"2024-05-01T10:00:00+09:00",)"
         R"("author":{"reference":"Practitioner/d1"},"item":[)" +
         std::string(items) + "]}";
}

// A lonely 72-year-old who goes to no group weekly, confides in family and nobody else, did
// not answer the helper question, and asked not to be contacted.
std::string full_items() {
  return R"({"linkId":"age","answer":[{"valueInteger":72}]},)"
         R"({"linkId":"ucla","item":[)" + coded("ucla-1", "always") + "," + coded("ucla-2", "sometimes") +
         "," + coded("ucla-3", "rarely") + R"(]},)"
         R"({"linkId":"participation","item":[)" + coded("sp-a", "monthly") + "," + coded("sp-b", "never") +
         R"(]},)"
         R"({"linkId":"support","item":[{"linkId":"confidant","answer":[)"
         R"({"valueCoding":{"system":"https://socialrx.jp/fhir/CodeSystem/sdh-answer","code":"family"}},)"
         R"({"valueCoding":{"system":"https://socialrx.jp/fhir/CodeSystem/sdh-answer","code":"nobody"}}]},)"
         R"({"linkId":"note","answer":[{"valueString":"free text"}]}]},)"
         R"({"linkId":"consent","item":[{"linkId":"no-contact","answer":[{"valueBoolean":true}]}]})";
}

struct Extracted {
  ScoreResult score;
  ExtractionResult extraction;
  json::Document bundle;
};

class ExtractionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    index_ = load_file("scoring_questionnaire.json");
    ASSERT_TRUE(index_);
    ScoringLoad load = ScoringPlan::compile(index_);
    ASSERT_TRUE(load.plan) << to_operation_outcome_json(load.issues);
    domains_ = parse_json(read_path(kConf + "codesystem-sdh-domain.json"));
    plan_ = ExtractionPlan::build(load.plan, &domains_.root());
  }

  Extracted run(const std::string& text) {
    Extracted out;
    document_ = parse_json(text);
    Issues validation = validate_response(*index_, document_.root());
    EXPECT_FALSE(validation.has_errors()) << to_operation_outcome_json(validation);
    out.score = score_response(plan_->scoring(), document_.root(), evaluator_);
    EXPECT_FALSE(out.score.issues.has_errors()) << to_operation_outcome_json(out.score.issues);
    out.extraction = extract(*plan_, out.score.response(document_.root()), out.score, evaluator_);
    if (!out.extraction.bundle_json.empty()) out.bundle = parse_json(out.extraction.bundle_json);
    return out;
  }

  // Every entry's resource is valid FHIR, every fullUrl unique, every urn:uuid reference
  // resolves inside the Bundle.
  void expect_valid_bundle(const json::Value& bundle) {
    EXPECT_TRUE(validate_resource(bundle).empty()) << to_operation_outcome_json(validate_resource(bundle));
    std::set<std::string_view> full_urls;
    for (const json::Value& entry : bundle.find("entry")->items()) {
      EXPECT_TRUE(full_urls.insert(entry.string_at("fullUrl")).second);
      Issues issues = validate_resource(*entry.find("resource"));
      EXPECT_TRUE(issues.empty()) << to_operation_outcome_json(issues);
    }
    std::string text = json::serialize(bundle);
    for (std::size_t at = text.find("\"reference\":\"urn:uuid:"); at != std::string::npos;
         at = text.find("\"reference\":\"urn:uuid:", at + 1)) {
      std::string_view reference(text.data() + at + 13, 45);
      EXPECT_TRUE(full_urls.count(reference)) << reference;
    }
  }

  std::vector<const json::Value*> resources(const json::Value& bundle, std::string_view type) {
    std::vector<const json::Value*> found;
    for (const json::Value& entry : bundle.find("entry")->items()) {
      const json::Value* resource = entry.find("resource");
      if (resource->string_at("resourceType") == type) found.push_back(resource);
    }
    return found;
  }

  const json::Value* by_identifier(const json::Value& bundle, std::string_view value) {
    for (const json::Value& entry : bundle.find("entry")->items()) {
      const json::Value* resource = entry.find("resource");
      if (resource->find("identifier")->items()[0].string_at("value") == value) return resource;
    }
    return nullptr;
  }

  std::shared_ptr<const QuestionnaireIndex> index_;
  json::Document domains_;
  std::shared_ptr<const ExtractionPlan> plan_;
  json::Document document_;
  fhirpath::Evaluator evaluator_;
};

TEST_F(ExtractionTest, TransactionOfConditionalUpdates) {
  Extracted out = run(response(full_items()));
  ASSERT_TRUE(out.extraction.issues.empty()) << to_operation_outcome_json(out.extraction.issues);
  const json::Value& bundle = out.bundle.root();
  EXPECT_EQ(bundle.string_at("type"), "transaction");
  expect_valid_bundle(bundle);

  // age, ucla-1..3, ucla-total, ucla-band, sp-a, sp-b, sp-c (asked, unanswered),
  // sp-weekly-count, confidant ×2, helper (asked, unanswered), answered-ucla. Not: note (no
  // code), no-contact (observationExtract false).
  EXPECT_EQ(out.extraction.observations, 14u);
  EXPECT_EQ(out.extraction.conditions, 3u);  // loneliness, social-participation, social-support
  EXPECT_EQ(out.extraction.service_requests, 3u);

  const json::Value& first = bundle.find("entry")->items()[0];
  EXPECT_EQ(first.find("request")->string_at("method"), "PUT");
  EXPECT_EQ(first.find("request")->string_at("url"),
            "Observation?identifier=https://socialrx.jp/fhir/sid/extracted|qr1/age/0");
  EXPECT_TRUE(first.string_at("fullUrl").starts_with("urn:uuid:"));
  EXPECT_EQ(first.string_at("fullUrl"), stable_uuid("qr1/age/0"));
}

TEST_F(ExtractionTest, ObservationContent) {
  Extracted out = run(response(full_items()));
  const json::Value& bundle = out.bundle.root();

  const json::Value* total = by_identifier(bundle, "qr1/ucla-total/0");
  ASSERT_NE(total, nullptr);
  EXPECT_EQ(total->string_at("status"), "final");
  EXPECT_EQ(json::serialize(*total->find("valueInteger")), "9");  // 4 + 3 + 2
  EXPECT_EQ(total->find("interpretation")->items()[0].find("coding")->items()[0].string_at("code"), "POS");
  EXPECT_EQ(total->string_at("effectiveDateTime"), "2024-05-01T10:00:00+09:00");
  EXPECT_EQ(total->string_at("issued"), "2024-05-01T10:00:00+09:00");
  EXPECT_EQ(total->find("subject")->string_at("reference"), "Patient/p1");
  EXPECT_EQ(total->find("performer")->items()[0].string_at("reference"), "Practitioner/d1");
  EXPECT_EQ(total->find("derivedFrom")->items()[0].string_at("reference"), "QuestionnaireResponse/qr1");
  std::string categories = json::serialize(*total->find("category"));
  for (std::string_view expected :
       {"\"code\":\"social-history\"", "\"code\":\"survey\"",
        "\"system\":\"http://hl7.org/fhir/us/core/CodeSystem/us-core-category\",\"code\":\"sdoh\"",
        "SDOHCC-CodeSystemTemporaryCodes\",\"code\":\"social-connection\"",
        "sdh-domain\",\"code\":\"loneliness\""}) {
    EXPECT_NE(categories.find(expected), std::string::npos) << expected << " in " << categories;
  }

  // Coded answers: a CodeableConcept; the 'always' option indicates a need, 'rarely' does not.
  const json::Value* always = by_identifier(bundle, "qr1/ucla-1/0");
  EXPECT_EQ(always->find("valueCodeableConcept")->find("coding")->items()[0].string_at("code"), "always");
  EXPECT_NE(always->find("interpretation"), nullptr);
  EXPECT_EQ(by_identifier(bundle, "qr1/ucla-3/0")->find("interpretation"), nullptr);
  // The item code travels as the Observation code.
  EXPECT_EQ(always->find("code")->find("coding")->items()[0].string_at("code"), "ucla-1");

  // Repeating answers: one Observation each.
  EXPECT_EQ(by_identifier(bundle, "qr1/confidant/0")->find("valueCodeableConcept")->find("coding")
                ->items()[0].string_at("code"),
            "family");
  const json::Value* nobody = by_identifier(bundle, "qr1/confidant/1");
  EXPECT_NE(nobody->find("interpretation"), nullptr);

  // Asked but unanswered (enabled by the confidant answer).
  const json::Value* helper = by_identifier(bundle, "qr1/helper/0");
  ASSERT_NE(helper, nullptr);
  EXPECT_EQ(helper->find("dataAbsentReason")->find("coding")->items()[0].string_at("code"), "asked-unknown");
  EXPECT_EQ(helper->find("valueBoolean"), nullptr);
  EXPECT_NE(by_identifier(bundle, "qr1/sp-c/0")->find("dataAbsentReason"), nullptr);

  EXPECT_EQ(by_identifier(bundle, "qr1/note/0"), nullptr);
  EXPECT_EQ(by_identifier(bundle, "qr1/no-contact/0"), nullptr);
}

TEST_F(ExtractionTest, ConditionsAndProposedServiceRequests) {
  Extracted out = run(response(full_items()));
  const json::Value& bundle = out.bundle.root();
  const json::Value* condition = nullptr;
  for (const json::Value* candidate : resources(bundle, "Condition")) {
    if (candidate->find("identifier")->items()[0].string_at("value") == "qr1/risk/loneliness") condition = candidate;
  }
  ASSERT_NE(condition, nullptr);
  EXPECT_EQ(condition->find("verificationStatus")->find("coding")->items()[0].string_at("code"), "unconfirmed");
  EXPECT_EQ(condition->find("clinicalStatus")->find("coding")->items()[0].string_at("code"), "active");
  std::string condition_text = json::serialize(*condition);
  EXPECT_NE(condition_text.find("\"code\":\"health-concern\""), std::string::npos);
  // Evidence: the loneliness Observations that indicate a need (ucla-1 'always', the total).
  const auto& details = condition->find("evidence")->items()[0].find("detail")->items();
  ASSERT_EQ(details.size(), 2u);
  EXPECT_EQ(details[0].string_at("reference"), stable_uuid("qr1/ucla-1/0"));
  EXPECT_EQ(details[1].string_at("reference"), stable_uuid("qr1/ucla-total/0"));

  const json::Value* request = by_identifier(bundle, "qr1/risk/loneliness");  // the Condition comes first
  ASSERT_NE(request, nullptr);
  const json::Value* service_request = nullptr;
  for (const json::Value* candidate : resources(bundle, "ServiceRequest")) {
    if (candidate->find("identifier")->items()[0].string_at("value") == "qr1/risk/loneliness") {
      service_request = candidate;
    }
  }
  ASSERT_NE(service_request, nullptr);
  EXPECT_EQ(service_request->string_at("status"), "draft");
  EXPECT_EQ(service_request->string_at("intent"), "proposal");
  EXPECT_EQ(service_request->find("performerType")->find("coding")->items()[0].string_at("code"),
            "chiiki-houkatsu");
  EXPECT_EQ(service_request->find("category")->items()[0].find("coding")->items()[0].string_at("code"),
            "410606002");
  EXPECT_EQ(service_request->find("reasonReference")->items()[0].string_at("reference"),
            stable_uuid("Condition qr1/risk/loneliness"));
  EXPECT_EQ(service_request->find("supportingInfo")->items()[0].string_at("reference"),
            "QuestionnaireResponse/qr1");
  // no-contact = true → do not contact.
  EXPECT_EQ(service_request->find("orderDetail")->items()[0].find("coding")->items()[0].string_at("code"),
            "contacting-subject-prohibited");
}

TEST_F(ExtractionTest, AmendedResponseKeepsIdentifiers) {
  Extracted completed = run(response(full_items()));
  Extracted amended = run(response(full_items(), "amended"));
  auto urls = [](const json::Value& bundle) {
    std::vector<std::string> list;
    for (const json::Value& entry : bundle.find("entry")->items()) {
      list.emplace_back(entry.find("request")->string_at("url"));
      list.emplace_back(entry.string_at("fullUrl"));
    }
    return list;
  };
  EXPECT_EQ(urls(completed.bundle.root()), urls(amended.bundle.root()));
  for (const json::Value* observation : resources(amended.bundle.root(), "Observation")) {
    EXPECT_EQ(observation->string_at("status"), "amended");
  }
  expect_valid_bundle(amended.bundle.root());
}

TEST_F(ExtractionTest, DisabledItemsAreNotExtracted) {
  // Without a confidant answer the helper question is not asked.
  Extracted out = run(response(R"({"linkId":"age","answer":[{"valueInteger":40}]})"));
  EXPECT_EQ(by_identifier(out.bundle.root(), "qr1/helper/0"), nullptr);
  // Asked but unanswered: the enabled items with codes that are not calculated.
  EXPECT_NE(by_identifier(out.bundle.root(), "qr1/ucla-1/0"), nullptr);
  EXPECT_EQ(by_identifier(out.bundle.root(), "qr1/ucla-total/0"), nullptr);
  EXPECT_EQ(out.extraction.conditions, 0u);
  expect_valid_bundle(out.bundle.root());
}

TEST_F(ExtractionTest, RefusedResponses) {
  document_ = parse_json(response(full_items(), "completed", ""));
  ScoreResult score = score_response(plan_->scoring(), document_.root(), evaluator_);
  ExtractionResult no_id = extract(*plan_, document_.root(), score, evaluator_);
  EXPECT_TRUE(no_id.bundle_json.empty());
  EXPECT_EQ(listed(no_id.issues), std::vector<std::string>{"required QuestionnaireResponse.id"});

  document_ = parse_json(response(full_items(), "in-progress"));
  ExtractionResult in_progress = extract(*plan_, document_.root(), score, evaluator_);
  EXPECT_EQ(listed(in_progress.issues), std::vector<std::string>{"business-rule QuestionnaireResponse.status"});
}

TEST(StableUuidTest, WellFormedAndStable) {
  std::string uuid = stable_uuid("qr1/age/0");
  EXPECT_EQ(uuid, stable_uuid("qr1/age/0"));
  EXPECT_NE(uuid, stable_uuid("qr1/age/1"));
  ASSERT_EQ(uuid.size(), 45u);
  EXPECT_TRUE(check_primitive(Primitive::uuid, uuid).empty()) << uuid;
}

// --- the shipped sdh-screening Questionnaire, end to end ------------------------------------

class ShippedScreeningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LoadResult loaded = QuestionnaireIndex::load(parse_json(read_path(kConf + "sdh-screening.json")));
    ASSERT_FALSE(loaded.issues.has_errors()) << to_operation_outcome_json(loaded.issues);
    index_ = loaded.index;
    ScoringLoad load = ScoringPlan::compile(index_);
    ASSERT_TRUE(load.plan) << to_operation_outcome_json(load.issues);
    domains_ = parse_json(read_path(kConf + "codesystem-sdh-domain.json"));
    plan_ = ExtractionPlan::build(load.plan, &domains_.root());
  }
  std::shared_ptr<const QuestionnaireIndex> index_;
  json::Document domains_;
  std::shared_ptr<const ExtractionPlan> plan_;
  fhirpath::Evaluator evaluator_;
};

TEST_F(ShippedScreeningTest, ValidResponsesScoreAndExtractAsExpected) {
  // expected_risks.tsv: file → domain → recipient kind, and do-not-contact.
  std::map<std::string, std::map<std::string, std::string>> expected;
  std::istringstream lines(read_path(kShipped + "expected_risks.tsv"));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string file, domain, value;
    std::getline(fields, file, '\t');
    std::getline(fields, domain, '\t');
    std::getline(fields, value, '\t');
    expected[file][domain] = value;
  }
  ASSERT_FALSE(expected.empty());
  for (const auto& [file, wanted] : expected) {
    SCOPED_TRACE(file);
    json::Document document = parse_json(read_path(kShipped + "valid/" + file));
    ScoreResult score = score_response(plan_->scoring(), document.root(), evaluator_);
    EXPECT_TRUE(score.issues.empty()) << to_operation_outcome_json(score.issues);
    std::map<std::string, std::string> got;
    for (const RiskResult& risk : score.risks) {
      if (!risk.at_risk) continue;
      got[std::string(risk.domain_code)] =
          risk.recipient != nullptr ? std::string(risk.recipient->string_at("code")) : "";
    }
    got["do-not-contact"] = score.do_not_contact ? "true" : "false";
    EXPECT_EQ(got, wanted);

    const json::Value& scored = score.response(document.root());
    Issues validation = validate_response(*index_, scored);
    EXPECT_FALSE(validation.has_errors()) << to_operation_outcome_json(validation);
    ExtractionResult extraction = extract(*plan_, scored, score, evaluator_);
    EXPECT_FALSE(extraction.issues.has_errors()) << to_operation_outcome_json(extraction.issues);
    {
      // One tree shared by validation, scoring and extraction gives the same.
      const ResponseTree tree = ResponseTree::build(*index_, document.root());
      fhirpath::Evaluator other;
      EXPECT_EQ(listed(validate_response(*index_, document.root(), tree)),
                listed(validate_response(*index_, document.root())));
      ScoreResult shared = score_response(plan_->scoring(), document.root(), other, tree);
      EXPECT_EQ(shared.do_not_contact, score.do_not_contact);
      if (!shared.filled_document) {
        EXPECT_EQ(extract(*plan_, document.root(), shared, other, tree).bundle_json, extraction.bundle_json);
      }
    }
    json::Document bundle = parse_json(extraction.bundle_json);
    EXPECT_TRUE(validate_resource(bundle.root()).empty());
    for (const json::Value& entry : bundle.root().find("entry")->items()) {
      Issues issues = validate_resource(*entry.find("resource"));
      EXPECT_TRUE(issues.empty()) << to_operation_outcome_json(issues);
    }
    EXPECT_EQ(extraction.service_requests, wanted.size() - 1);
  }
}

TEST_F(ShippedScreeningTest, WrongCalculatedAnswersAreRefused) {
  std::istringstream lines(read_path(kShipped + "cases.tsv"));
  int checked = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string file, code, expression;
    std::getline(fields, file, '\t');
    std::getline(fields, code, '\t');
    std::getline(fields, expression, '\t');
    if (file != "09-wrong-ucla-total.json" && file != "16-wrong-participation-count.json" &&
        file != "17-wrong-ucla-band.json") {
      continue;
    }
    SCOPED_TRACE(file);
    json::Document document = parse_json(read_path(kShipped + "invalid/" + file));
    ScoreResult score = score_response(plan_->scoring(), document.root(), evaluator_);
    EXPECT_EQ(listed(score.issues), std::vector<std::string>{code + " " + expression});
    ++checked;
  }
  EXPECT_EQ(checked, 3);
}

}  // namespace
}  // namespace socialrx::fhir::questionnaire
