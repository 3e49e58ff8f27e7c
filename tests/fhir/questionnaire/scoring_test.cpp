// Scoring: variables, calculated items (filled in or checked), indicates-need, sdh-risk with the
// recipient chosen by the age answer, do-not-contact, and load-time errors.

#include "fhir/questionnaire/scoring.hpp"

#include <gtest/gtest.h>

#include "fhir/questionnaire/response_validator.hpp"
#include "fhir/validator.hpp"
#include "test_support.hpp"

namespace socialrx::fhir::questionnaire {
namespace {

using testing::listed;
using testing::load_file;
using testing::parse_json;

constexpr std::string_view kAnswers = "https://socialrx.jp/fhir/CodeSystem/sdh-answer";

std::string coded(std::string_view link_id, std::string_view code) {
  return R"({"linkId":")" + std::string(link_id) + R"(","answer":[{"valueCoding":{"system":")" +
         std::string(kAnswers) + R"(","code":")" + std::string(code) + R"("}}]})";
}

std::string response(std::string_view items, std::string_view status = "completed") {
  return R"({"resourceType":"QuestionnaireResponse","id":"qr1","status":")" + std::string(status) +
         R"(","questionnaire":"https://socialrx.jp/fhir/Questionnaire/scoring-test|1.0.0",)"
         R"("subject":{"reference":"Patient/p1"},"authored":"2024-05-01T10:00:00+09:00",)"
         R"("author":{"reference":"Practitioner/d1"},"item":[)" +
         std::string(items) + "]}";
}

std::string ucla(std::string_view a, std::string_view b, std::string_view c,
                 std::string_view extra = "") {
  return R"({"linkId":"ucla","item":[)" + coded("ucla-1", a) + "," + coded("ucla-2", b) + "," +
         coded("ucla-3", c) + (extra.empty() ? "" : ",") + std::string(extra) + "]}";
}

std::string age(int years) {
  return R"({"linkId":"age","answer":[{"valueInteger":)" + std::to_string(years) + "}]}";
}

class ScoringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    index_ = load_file("scoring_questionnaire.json");
    ASSERT_TRUE(index_);
    ScoringLoad load = ScoringPlan::compile(index_);
    ASSERT_FALSE(load.issues.has_errors()) << to_operation_outcome_json(load.issues);
    plan_ = load.plan;
  }

  ScoreResult score(const std::string& text) {
    document_ = parse_json(text);
    return score_response(*plan_, document_.root(), evaluator_);
  }

  const CalculatedAnswers* calculated(const ScoreResult& result, std::string_view link_id) {
    for (const CalculatedAnswers& answers : result.calculated) {
      if (index_->item(answers.item).link_id == link_id) return &answers;
    }
    return nullptr;
  }

  const RiskResult* risk(const ScoreResult& result, std::string_view domain) {
    for (const RiskResult& candidate : result.risks) {
      if (candidate.domain_code == domain) return &candidate;
    }
    return nullptr;
  }

  std::shared_ptr<const QuestionnaireIndex> index_;
  std::shared_ptr<const ScoringPlan> plan_;
  json::Document document_;
  fhirpath::Evaluator evaluator_;
};

TEST_F(ScoringTest, PlanCompilesEveryExpressionOnce) {
  EXPECT_EQ(plan_->variables().size(), 5u);
  EXPECT_EQ(plan_->calculations().size(), 4u);
  EXPECT_EQ(plan_->risks().size(), 3u);
  EXPECT_TRUE(plan_->do_not_contact().has_value());
  EXPECT_NE(plan_->need_expression(index_->find("ucla-total")->id), nullptr);
  EXPECT_TRUE(plan_->is_calculated(index_->find("ucla-band")->id));
  EXPECT_FALSE(plan_->is_calculated(index_->find("ucla-1")->id));
}

TEST_F(ScoringTest, UclaTotalFromOrdinalValuesIsFilledInWithItsBand) {
  ScoreResult result = score(response(age(72) + "," + ucla("sometimes", "sometimes", "rarely")));
  EXPECT_TRUE(result.issues.empty()) << to_operation_outcome_json(result.issues);
  ASSERT_NE(calculated(result, "ucla-total"), nullptr);
  EXPECT_EQ(calculated(result, "ucla-total")->answers_json, R"([{"valueInteger":8}])");
  EXPECT_TRUE(calculated(result, "ucla-total")->filled);
  EXPECT_EQ(calculated(result, "ucla-band")->answers_json,
            R"([{"valueCoding":{"system":"https://socialrx.jp/fhir/CodeSystem/sdh-answer","code":"band-mid"}}])");
  EXPECT_EQ(calculated(result, "answered-ucla")->answers_json, R"([{"valueInteger":3}])");
  // No participation answers: no count, nothing filled for it.
  EXPECT_EQ(calculated(result, "sp-weekly-count")->answers_json, "[]");
  EXPECT_FALSE(calculated(result, "sp-weekly-count")->filled);

  // The filled response: the calculated items in Questionnaire order, the missing summary group
  // created; still a valid resource and a valid response to the Questionnaire.
  ASSERT_TRUE(result.filled_json && result.filled_document);
  const std::string& filled = *result.filled_json;
  EXPECT_NE(filled.find(R"({"linkId":"ucla-total","answer":[{"valueInteger":8}]},{"linkId":"ucla-band")"),
            std::string::npos)
      << filled;
  EXPECT_NE(filled.find(R"({"linkId":"summary","item":[{"linkId":"answered-ucla","answer":[{"valueInteger":3}]}]})"),
            std::string::npos)
      << filled;
  EXPECT_TRUE(validate_resource(result.filled_document->root()).empty());
  Issues validation = validate_response(*index_, result.filled_document->root());
  EXPECT_FALSE(validation.has_errors()) << to_operation_outcome_json(validation);

  // Scoring the filled response again: nothing to fill, nothing wrong.
  ScoreResult again = score(filled);
  EXPECT_TRUE(again.issues.empty()) << to_operation_outcome_json(again.issues);
  EXPECT_FALSE(again.filled_json.has_value());
}

TEST_F(ScoringTest, BandsAtTheirBoundaries) {
  auto band = [&](std::string_view a, std::string_view b, std::string_view c) {
    ScoreResult result = score(response(ucla(a, b, c)));
    return calculated(result, "ucla-band")->answers_json;
  };
  EXPECT_NE(band("never", "never", "never").find("band-low"), std::string::npos);      // 3
  EXPECT_NE(band("always", "never", "rarely").find("band-mid"), std::string::npos);    // 7
  EXPECT_NE(band("always", "always", "rarely").find("band-high"), std::string::npos);  // 10
  // Two of three answered: no total, no band.
  ScoreResult partial = score(response(
      R"({"linkId":"ucla","item":[)" + coded("ucla-1", "always") + "," + coded("ucla-2", "always") + "]}"));
  EXPECT_EQ(calculated(partial, "ucla-total")->answers_json, "[]");
  EXPECT_EQ(calculated(partial, "ucla-band")->answers_json, "[]");
  EXPECT_EQ(calculated(partial, "answered-ucla")->answers_json, R"([{"valueInteger":2}])");
}

TEST_F(ScoringTest, CorrectCalculatedAnswersAreAccepted) {
  std::string given = coded("ucla-band", "band-mid");
  ScoreResult result = score(response(
      ucla("sometimes", "sometimes", "rarely",
           R"({"linkId":"ucla-total","answer":[{"valueInteger":8}]},)" + given) +
      R"(,{"linkId":"summary","item":[{"linkId":"answered-ucla","answer":[{"valueDecimal":3.0}]}]})"));
  // valueDecimal 3.0 for an integer item is the validator's business; scoring compares the
  // element too, so it is reported.
  EXPECT_EQ(listed(result.issues),
            std::vector<std::string>{"business-rule QuestionnaireResponse.item.where(linkId='summary')"
                                     ".item.where(linkId='answered-ucla').answer[0].valueDecimal"});
  EXPECT_FALSE(result.filled_json.has_value());
}

TEST_F(ScoringTest, WrongCalculatedAnswerIsRefusedWithItsPath) {
  ScoreResult result = score(response(
      ucla("sometimes", "sometimes", "rarely", R"({"linkId":"ucla-total","answer":[{"valueInteger":9}]})")));
  ASSERT_EQ(listed(result.issues),
            std::vector<std::string>{"business-rule QuestionnaireResponse.item.where(linkId='ucla')"
                                     ".item.where(linkId='ucla-total').answer[0].valueInteger"});
  EXPECT_NE(result.issues.items()[0].diagnostics.find("expected [8]"), std::string::npos)
      << result.issues.items()[0].diagnostics;

  // An answer where the calculation gives none.
  ScoreResult extra = score(response(
      R"({"linkId":"participation","item":[{"linkId":"sp-weekly-count","answer":[{"valueInteger":0}]}]})"));
  EXPECT_EQ(listed(extra.issues),
            std::vector<std::string>{"business-rule QuestionnaireResponse.item.where(linkId='participation')"
                                     ".item.where(linkId='sp-weekly-count').answer[0].valueInteger"});
}

TEST_F(ScoringTest, CountOfWeeklyGroups) {
  ScoreResult result = score(response(
      R"({"linkId":"participation","item":[)" + coded("sp-a", "weekly") + "," + coded("sp-b", "monthly") +
      "," + coded("sp-c", "weekly") + "]}"));
  EXPECT_EQ(calculated(result, "sp-weekly-count")->answers_json, R"([{"valueInteger":2}])");
  EXPECT_FALSE(risk(result, "social-participation")->at_risk);

  ScoreResult none = score(response(age(70) + R"(,{"linkId":"participation","item":[)" +
                                    coded("sp-a", "never") + "]}"));
  EXPECT_EQ(calculated(none, "sp-weekly-count")->answers_json, R"([{"valueInteger":0}])");
  const RiskResult* participation = risk(none, "social-participation");
  ASSERT_TRUE(participation->at_risk);
  ASSERT_NE(participation->recipient, nullptr);
  EXPECT_EQ(participation->recipient->string_at("code"), "kayoi-no-ba");

  // Under 65 no recipient rule fits: at risk, no recipient kind.
  ScoreResult young = score(response(age(40) + R"(,{"linkId":"participation","item":[)" +
                                     coded("sp-a", "never") + "]}"));
  EXPECT_TRUE(risk(young, "social-participation")->at_risk);
  EXPECT_EQ(risk(young, "social-participation")->recipient, nullptr);
}

TEST_F(ScoringTest, RecipientChosenByAge) {
  ScoreResult older = score(response(age(72) + "," + ucla("always", "always", "never")));
  const RiskResult* loneliness = risk(older, "loneliness");
  ASSERT_TRUE(loneliness && loneliness->at_risk);
  EXPECT_EQ(loneliness->recipient->string_at("code"), "chiiki-houkatsu");

  ScoreResult younger = score(response(age(30) + "," + ucla("always", "always", "never")));
  EXPECT_EQ(risk(younger, "loneliness")->recipient->string_at("code"), "shakyo");

  ScoreResult unknown_age = score(response(ucla("always", "always", "never")));
  EXPECT_EQ(risk(unknown_age, "loneliness")->recipient->string_at("code"), "shakyo");

  ScoreResult fine = score(response(age(72) + "," + ucla("never", "rarely", "never")));
  EXPECT_FALSE(risk(fine, "loneliness")->at_risk);
  EXPECT_EQ(risk(fine, "loneliness")->recipient, nullptr);
  EXPECT_TRUE(fine.issues.empty());
}

TEST_F(ScoringTest, DoNotContact) {
  EXPECT_FALSE(score(response(age(50))).do_not_contact);
  EXPECT_TRUE(score(response(
      R"({"linkId":"consent","item":[{"linkId":"no-contact","answer":[{"valueBoolean":true}]}]})"))
                  .do_not_contact);
  EXPECT_FALSE(score(response(
      R"({"linkId":"consent","item":[{"linkId":"no-contact","answer":[{"valueBoolean":false}]}]})"))
                   .do_not_contact);
}

TEST_F(ScoringTest, IndicatesNeedFromOptionsAndExpressions) {
  document_ = parse_json(response(ucla("always", "never", "never",
                                       R"({"linkId":"ucla-total","answer":[{"valueInteger":7}]})")));
  const json::Value& root = document_.root();
  const json::Value& group = root.find("item")->items()[0];
  const json::Value& always_item = group.find("item")->items()[0];
  const json::Value& never_item = group.find("item")->items()[1];
  const json::Value& total_item = group.find("item")->items()[3];
  Issues issues;
  EXPECT_TRUE(answer_indicates_need(*plan_, *index_->find("ucla-1"),
                                    always_item.find("answer")->items()[0], always_item, root,
                                    evaluator_, issues));
  EXPECT_FALSE(answer_indicates_need(*plan_, *index_->find("ucla-2"),
                                     never_item.find("answer")->items()[0], never_item, root,
                                     evaluator_, issues));
  EXPECT_TRUE(answer_indicates_need(*plan_, *index_->find("ucla-total"),
                                    total_item.find("answer")->items()[0], total_item, root,
                                    evaluator_, issues));
  auto six = parse_json(R"({"valueInteger":6})");
  EXPECT_FALSE(answer_indicates_need(*plan_, *index_->find("ucla-total"), six.root(), total_item,
                                     root, evaluator_, issues));
  EXPECT_TRUE(issues.empty());
}

// The plan answers %questionnaire.repeat(item).where(linkId = …) from the index: the same items, in
// the order walking the Questionnaire gives (level by level, not pre-order).
TEST_F(ScoringTest, PlanIndexesQuestionnaireItemsInRepeatOrder) {
  std::vector<std::string> link_ids;
  for (const Item& item : index_->items()) link_ids.emplace_back(item.link_id);
  ASSERT_GE(link_ids.size(), 3u);
  std::vector<std::string> conditions;
  // Every linkId alone, a deep one before a shallow one, and all of them.
  for (const std::string& link_id : link_ids) conditions.push_back("linkId='" + link_id + "'");
  conditions.push_back("linkId='" + link_ids.back() + "' or linkId='" + link_ids.front() + "'");
  std::string all;
  for (auto it = link_ids.rbegin(); it != link_ids.rend(); ++it) {
    all += (all.empty() ? "" : " or ") + ("linkId='" + *it + "'");
  }
  conditions.push_back(all);
  conditions.push_back("linkId='no-such-item'");
  json::Document response = parse_json(R"({"resourceType":"QuestionnaireResponse","status":"completed"})");
  for (const std::string& condition : conditions) {
    SCOPED_TRACE(condition);
    std::string results[2];
    for (int indexed = 0; indexed < 2; ++indexed) {
      auto compiled = fhirpath::compile("%questionnaire.repeat(item).where(" + condition + ")");
      ASSERT_TRUE(compiled.expression);
      fhirpath::Environment env;
      env.resource = &response.root();
      env.questionnaire = &index_->resource();
      env.weights = indexed ? plan_.get() : nullptr;
      Issues issues;
      evaluator_.reset();
      auto result = evaluator_.evaluate(*compiled.expression, env, issues);
      ASSERT_TRUE(result.ok) << to_operation_outcome_json(issues);
      for (const fhirpath::Item& item : result.items) {
        results[indexed] += std::string(item.json().string_at("linkId")) + "/" +
                            (item.owner() ? std::string(item.owner()->string_at("linkId")) : "-") + " ";
      }
    }
    EXPECT_EQ(results[1], results[0]);
  }
}

TEST(ScoringLoadTest, ExpressionErrorsAreReportedWithTheirPath) {
  auto loaded = testing::load_text(R"json({
    "resourceType": "Questionnaire", "status": "active",
    "extension": [
      {"url": "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-variable",
       "valueExpression": {"name": "a", "language": "text/fhirpath", "expression": "%b + 1"}},
      {"url": "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-variable",
       "valueExpression": {"name": "b", "language": "text/cql", "expression": "1"}},
      {"url": "https://socialrx.jp/fhir/StructureDefinition/sdh-risk", "extension": [
        {"url": "expression", "valueExpression": {"language": "text/fhirpath", "expression": "true"}}]}
    ],
    "item": [
      {"linkId": "g", "type": "group", "repeats": true, "item": [
        {"linkId": "x", "type": "integer", "extension": [
          {"url": "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression",
           "valueExpression": {"language": "text/fhirpath", "expression": "1"}}]}]},
      {"linkId": "y", "type": "integer", "extension": [
        {"url": "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression",
         "valueExpression": {"language": "text/fhirpath", "expression": "1 +"}},
        {"url": "https://socialrx.jp/fhir/StructureDefinition/indicates-need-when",
         "valueExpression": {"language": "text/fhirpath", "expression": "%answer.children()"}}]}
    ]})json");
  ASSERT_TRUE(loaded.index);
  ScoringLoad load = ScoringPlan::compile(loaded.index);
  EXPECT_FALSE(load.plan);
  EXPECT_EQ(listed(load.issues),
            (std::vector<std::string>{
                "not-found Questionnaire.extension[0].valueExpression.expression",
                "not-supported Questionnaire.extension[1].valueExpression.language",
                "not-supported Questionnaire.item[0].item[0].extension[0]",
                "invalid Questionnaire.item[1].extension[0].valueExpression.expression",
                "invalid Questionnaire.item[1].extension[1].valueExpression.expression",
                "required Questionnaire.extension[2]",
            }));
}

TEST_F(ScoringTest, RuntimeErrorsBecomeIssuesNotCrashes) {
  // A variable that is a collection where a single value is needed: the answer repeats.
  auto loaded = testing::load_text(R"json({
    "resourceType": "Questionnaire", "status": "active",
    "item": [
      {"linkId": "n", "type": "integer", "repeats": true},
      {"linkId": "t", "type": "integer", "extension": [
        {"url": "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression",
         "valueExpression": {"language": "text/fhirpath",
                             "expression": "%resource.item.where(linkId='n').answer.value + 1"}}]},
      {"linkId": "s", "type": "integer", "extension": [
        {"url": "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression",
         "valueExpression": {"language": "text/fhirpath", "expression": "1.5"}}]}
    ]})json");
  ScoringLoad load = ScoringPlan::compile(loaded.index);
  ASSERT_TRUE(load.plan) << to_operation_outcome_json(load.issues);
  auto doc = parse_json(R"({"resourceType":"QuestionnaireResponse","status":"completed","item":[
      {"linkId":"n","answer":[{"valueInteger":1},{"valueInteger":2}]}]})");
  ScoreResult result = score_response(*load.plan, doc.root(), evaluator_);
  EXPECT_EQ(listed(result.issues),
            (std::vector<std::string>{"processing Questionnaire.item[1].extension[0]",
                                      "processing Questionnaire.item[2].extension[0]"}));
}

}  // namespace
}  // namespace socialrx::fhir::questionnaire
