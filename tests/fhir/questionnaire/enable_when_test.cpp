#include "fhir/questionnaire/enable_when.hpp"

#include <gtest/gtest.h>

#include <string>

#include "fhir/questionnaire/response_tree.hpp"
#include "tests/fhir/questionnaire/test_support.hpp"

namespace socialrx::fhir::questionnaire {
namespace {

using testing::load_file;
using testing::load_text;
using testing::parse_json;

// Enabled state of every occurrence with this linkId, in response order.
std::vector<bool> enabled_states(const QuestionnaireIndex& index, const json::Value& response,
                                 std::string_view link_id) {
  const ResponseTree tree = ResponseTree::build(index, response);
  Enablement enablement(index, tree);
  std::vector<bool> states;
  for (NodeId id = 0; id < tree.size(); ++id) {
    if (tree.node(id).link_id == link_id) states.push_back(enablement.enabled(id));
  }
  return states;
}

// One question `q` of `type` answered with `answers` (JSON answer objects, may be empty) and an
// item `target` enabled when `q <op> <condition>`; whether target is enabled.
bool target_enabled(std::string_view type, std::string_view answers, std::string_view op,
                    std::string_view condition) {
  const std::string questionnaire =
      R"({"resourceType":"Questionnaire","url":"u","version":"1","status":"draft","item":[
      {"linkId":"q","type":")" + std::string(type) + R"(","repeats":true},
      {"linkId":"target","type":"string","enableWhen":[{"question":"q","operator":")" +
      std::string(op) + "\"," + std::string(condition) + "}]}]}";
  LoadResult loaded = load_text(questionnaire);
  EXPECT_FALSE(loaded.issues.has_errors()) << to_operation_outcome_json(loaded.issues);
  if (!loaded.index) return false;
  const std::string response = R"({"resourceType":"QuestionnaireResponse","status":"completed",
      "questionnaire":"u","item":[{"linkId":"q")" +
                               (answers.empty() ? std::string() : ",\"answer\":[" + std::string(answers) + "]") +
                               R"(},{"linkId":"target","answer":[{"valueString":"x"}]}]})";
  json::Document document = parse_json(response);
  const auto states = enabled_states(*loaded.index, document.root(), "target");
  EXPECT_EQ(states.size(), 1u);
  return !states.empty() && states[0];
}

struct OperatorCase {
  const char* type;
  const char* answers;
  const char* op;
  const char* condition;
  bool enabled;
};

class EnableWhenOperators : public ::testing::TestWithParam<OperatorCase> {};

TEST_P(EnableWhenOperators, Evaluates) {
  const OperatorCase& c = GetParam();
  EXPECT_EQ(target_enabled(c.type, c.answers, c.op, c.condition), c.enabled)
      << c.type << " [" << c.answers << "] " << c.op << " " << c.condition;
}

INSTANTIATE_TEST_SUITE_P(
    EnableWhen, EnableWhenOperators,
    ::testing::Values(
        // integer
        OperatorCase{"integer", R"({"valueInteger":5})", "=", R"("answerInteger":5)", true},
        OperatorCase{"integer", R"({"valueInteger":5})", "=", R"("answerInteger":6)", false},
        OperatorCase{"integer", R"({"valueInteger":5})", "!=", R"("answerInteger":5)", false},
        OperatorCase{"integer", R"({"valueInteger":5})", "!=", R"("answerInteger":4)", true},
        OperatorCase{"integer", R"({"valueInteger":5})", ">", R"("answerInteger":4)", true},
        OperatorCase{"integer", R"({"valueInteger":5})", ">", R"("answerInteger":5)", false},
        OperatorCase{"integer", R"({"valueInteger":5})", "<", R"("answerInteger":6)", true},
        OperatorCase{"integer", R"({"valueInteger":5})", "<", R"("answerInteger":5)", false},
        OperatorCase{"integer", R"({"valueInteger":5})", ">=", R"("answerInteger":5)", true},
        OperatorCase{"integer", R"({"valueInteger":5})", ">=", R"("answerInteger":6)", false},
        OperatorCase{"integer", R"({"valueInteger":5})", "<=", R"("answerInteger":5)", true},
        OperatorCase{"integer", R"({"valueInteger":5})", "<=", R"("answerInteger":4)", false},
        OperatorCase{"integer", R"({"valueInteger":5})", ">", R"("answerDecimal":4.5)", true},
        OperatorCase{"integer", R"({"valueInteger":-3})", "<", R"("answerInteger":-2)", true},
        // decimal: numerically, not by text
        OperatorCase{"decimal", R"({"valueDecimal":1.50})", "=", R"("answerDecimal":1.5)", true},
        OperatorCase{"decimal", R"({"valueDecimal":2.0})", "=", R"("answerInteger":2)", true},
        OperatorCase{"decimal", R"({"valueDecimal":10.1})", ">", R"("answerDecimal":9.9)", true},
        OperatorCase{"decimal", R"({"valueDecimal":0.25})", "<=", R"("answerDecimal":0.3)", true},
        OperatorCase{"decimal", R"({"valueDecimal":0.25})", ">=", R"("answerDecimal":0.3)", false},
        OperatorCase{"decimal", R"({"valueDecimal":1.50})", "!=", R"("answerDecimal":1.5)", false},
        // date: partial dates are periods; overlapping ones never compare
        OperatorCase{"date", R"({"valueDate":"2024-03-01"})", "=", R"("answerDate":"2024-03-01")", true},
        OperatorCase{"date", R"({"valueDate":"2024-03-01"})", ">", R"("answerDate":"2024-02-29")", true},
        OperatorCase{"date", R"({"valueDate":"2024-03-01"})", "<", R"("answerDate":"2024-02-29")", false},
        OperatorCase{"date", R"({"valueDate":"2024-03"})", "<", R"("answerDate":"2024-04-01")", true},
        OperatorCase{"date", R"({"valueDate":"2024-03-15"})", "=", R"("answerDate":"2024-03")", false},
        OperatorCase{"date", R"({"valueDate":"2024-03-15"})", ">=", R"("answerDate":"2024")", false},
        OperatorCase{"date", R"({"valueDate":"2024-03-15"})", "!=", R"("answerDate":"2024")", true},
        OperatorCase{"date", R"({"valueDate":"2023"})", "<=", R"("answerDate":"2024-01-01")", true},
        OperatorCase{"date", R"({"valueDate":"2024-01-01"})", "=", R"("answerDateTime":"2024-01-01T10:00:00Z")", false},
        // dateTime: instants compare across time zones
        OperatorCase{"dateTime", R"({"valueDateTime":"2024-03-01T10:00:00+09:00"})", "=",
                     R"("answerDateTime":"2024-03-01T01:00:00Z")", true},
        OperatorCase{"dateTime", R"({"valueDateTime":"2024-03-01T10:00:00+09:00"})", ">",
                     R"("answerDateTime":"2024-03-01T00:59:59Z")", true},
        OperatorCase{"dateTime", R"({"valueDateTime":"2024-03-01T10:00:00Z"})", "<",
                     R"("answerDateTime":"2024-03-01T10:00:01Z")", true},
        OperatorCase{"dateTime", R"({"valueDateTime":"2024-03-01T10:00:00Z"})", ">",
                     R"("answerDate":"2024-02-29")", true},
        OperatorCase{"dateTime", R"({"valueDateTime":"2024-03-01T10:00:00Z"})", "<=",
                     R"("answerDate":"2024-03-01")", false},
        // time
        OperatorCase{"time", R"({"valueTime":"09:30:00"})", ">", R"("answerTime":"09:00:00")", true},
        OperatorCase{"time", R"({"valueTime":"09:30:00"})", "<", R"("answerTime":"09:00:00")", false},
        OperatorCase{"time", R"({"valueTime":"10:00:00.50"})", "=", R"("answerTime":"10:00:00.5")", true},
        OperatorCase{"time", R"({"valueTime":"10:00:00"})", "<=", R"("answerTime":"10:00:00.000")", true},
        // string, text, url: text; ordering by code units
        OperatorCase{"string", R"({"valueString":"はい"})", "=", R"("answerString":"はい")", true},
        OperatorCase{"string", R"({"valueString":"はい"})", "!=", R"("answerString":"いいえ")", true},
        OperatorCase{"string", R"({"valueString":"b"})", ">", R"("answerString":"a")", true},
        OperatorCase{"text", R"({"valueString":"abc"})", "=", R"("answerString":"abd")", false},
        OperatorCase{"url", R"({"valueUri":"http://a"})", "=", R"("answerString":"http://a")", true},
        // boolean
        OperatorCase{"boolean", R"({"valueBoolean":true})", "=", R"("answerBoolean":true)", true},
        OperatorCase{"boolean", R"({"valueBoolean":false})", "=", R"("answerBoolean":true)", false},
        OperatorCase{"boolean", R"({"valueBoolean":false})", "!=", R"("answerBoolean":true)", true},
        // Coding: system and code; a side without system matches on the code
        OperatorCase{"choice", R"({"valueCoding":{"system":"http://s","code":"a"}})", "=",
                     R"("answerCoding":{"system":"http://s","code":"a"})", true},
        OperatorCase{"choice", R"({"valueCoding":{"system":"http://s","code":"a"}})", "=",
                     R"("answerCoding":{"system":"http://other","code":"a"})", false},
        OperatorCase{"choice", R"({"valueCoding":{"system":"http://s","code":"a"}})", "=",
                     R"("answerCoding":{"code":"a"})", true},
        OperatorCase{"choice", R"({"valueCoding":{"system":"http://s","code":"a"}})", "=",
                     R"("answerCoding":{"system":"http://s","code":"b"})", false},
        OperatorCase{"choice", R"({"valueCoding":{"system":"http://s","code":"a"}})", "!=",
                     R"("answerCoding":{"system":"http://s","code":"b"})", true},
        OperatorCase{"choice", R"({"valueCoding":{"system":"http://s","code":"a"}})", "!=",
                     R"("answerCoding":{"code":"a"})", false},
        OperatorCase{"open-choice", R"({"valueString":"other"})", "=", R"("answerString":"other")", true},
        OperatorCase{"open-choice", R"({"valueString":"other"})", "=", R"("answerCoding":{"code":"other"})", false},
        // Quantity: by value when the units agree
        OperatorCase{"quantity", R"({"valueQuantity":{"value":70,"system":"http://unitsofmeasure.org","code":"kg"}})",
                     ">", R"("answerQuantity":{"value":60,"system":"http://unitsofmeasure.org","code":"kg"})", true},
        OperatorCase{"quantity", R"({"valueQuantity":{"value":70,"system":"http://unitsofmeasure.org","code":"kg"}})",
                     ">", R"("answerQuantity":{"value":60,"system":"http://unitsofmeasure.org","code":"[lb_av]"})", false},
        OperatorCase{"quantity", R"({"valueQuantity":{"value":70.0,"unit":"kg"}})", "=",
                     R"("answerQuantity":{"value":70,"unit":"kg"})", true},
        // Reference
        OperatorCase{"reference", R"({"valueReference":{"reference":"Patient/1"}})", "=",
                     R"("answerReference":{"reference":"Patient/1"})", true},
        OperatorCase{"reference", R"({"valueReference":{"reference":"Patient/1"}})", "!=",
                     R"("answerReference":{"reference":"Patient/2"})", true},
        // exists, on any type (attachment too)
        OperatorCase{"attachment", R"({"valueAttachment":{"contentType":"text/plain"}})", "exists",
                     R"("answerBoolean":true)", true},
        OperatorCase{"attachment", "", "exists", R"("answerBoolean":true)", false},
        OperatorCase{"string", "", "exists", R"("answerBoolean":false)", true},
        OperatorCase{"string", R"({"valueString":"x"})", "exists", R"("answerBoolean":false)", false},
        // no answer: only != (no answer equals) and exists=false hold
        OperatorCase{"integer", "", "=", R"("answerInteger":1)", false},
        OperatorCase{"integer", "", "!=", R"("answerInteger":1)", true},
        OperatorCase{"integer", "", ">", R"("answerInteger":1)", false},
        OperatorCase{"integer", "", "<=", R"("answerInteger":1)", false},
        // several answers: = and the orderings need one; != needs none to be equal
        OperatorCase{"integer", R"({"valueInteger":1},{"valueInteger":7})", "=", R"("answerInteger":7)", true},
        OperatorCase{"integer", R"({"valueInteger":1},{"valueInteger":7})", "!=", R"("answerInteger":7)", false},
        OperatorCase{"integer", R"({"valueInteger":1},{"valueInteger":7})", ">", R"("answerInteger":5)", true},
        OperatorCase{"integer", R"({"valueInteger":1},{"valueInteger":7})", "<", R"("answerInteger":1)", false}));

constexpr std::string_view kHouseholdResponse = R"({
  "resourceType": "QuestionnaireResponse", "status": "completed",
  "questionnaire": "https://socialrx.jp/fhir/Questionnaire/test-household",
  "item": [
    {"linkId": "living-alone", "answer": [{"valueBoolean": false}]},
    {"linkId": "household", "item": [
      {"linkId": "adults", "answer": [{"valueInteger": 2}]},
      {"linkId": "child", "item": [
        {"linkId": "child-age", "answer": [{"valueInteger": 4}]},
        {"linkId": "child-school", "answer": [{"valueCoding": {"system": "https://socialrx.jp/fhir/CodeSystem/sdh-answer", "code": "yes"}}]},
        {"linkId": "school-name", "answer": [{"valueString": "さくら保育園"}]}
      ]},
      {"linkId": "child", "item": [
        {"linkId": "child-age", "answer": [{"valueInteger": 10}]},
        {"linkId": "child-school", "answer": [{"valueCoding": {"system": "https://socialrx.jp/fhir/CodeSystem/sdh-answer", "code": "yes"}}]},
        {"linkId": "school-name", "answer": [{"valueString": "第一小学校"}]}
      ]}
    ]},
    {"linkId": "support", "item": [
      {"linkId": "has-helper", "answer": [{"valueBoolean": false}]},
      {"linkId": "helper-kind", "answer": [{"valueString": "neighbour"}]},
      {"linkId": "helper-contact", "answer": [{"valueString": "090-0000-0000"}]}
    ]}
  ]})";

TEST(EnableWhenScope, RepeatingGroupInstancesAreEvaluatedOnTheirOwn) {
  auto index = load_file("household.json");
  ASSERT_TRUE(index);
  json::Document response = parse_json(kHouseholdResponse);
  // The 4-year-old's school question is disabled, the 10-year-old's enabled.
  EXPECT_EQ(enabled_states(*index, response.root(), "child-school"), (std::vector<bool>{false, true}));
  // school-name depends on child-school; in the first instance child-school is disabled, so its
  // "yes" does not count (a chain inside the instance).
  EXPECT_EQ(enabled_states(*index, response.root(), "school-name"), (std::vector<bool>{false, true}));
  EXPECT_EQ(enabled_states(*index, response.root(), "child-age"), (std::vector<bool>{true, true}));
}

TEST(EnableWhenScope, ChainDisablesDownstreamItems) {
  auto index = load_file("household.json");
  ASSERT_TRUE(index);
  json::Document response = parse_json(kHouseholdResponse);
  // has-helper=false disables helper-kind; its answer then does not count, so helper-contact
  // (exists helper-kind) is disabled too.
  EXPECT_EQ(enabled_states(*index, response.root(), "helper-kind"), std::vector<bool>{false});
  EXPECT_EQ(enabled_states(*index, response.root(), "helper-contact"), std::vector<bool>{false});
}

TEST(EnableWhenScope, DisabledGroupDisablesEverythingInIt) {
  auto index = load_file("household.json");
  ASSERT_TRUE(index);
  std::string text(kHouseholdResponse);
  text.replace(text.find(R"("valueBoolean": false)"), 21, R"("valueBoolean": true )");
  json::Document response = parse_json(text);
  EXPECT_EQ(enabled_states(*index, response.root(), "household"), std::vector<bool>{false});
  EXPECT_EQ(enabled_states(*index, response.root(), "adults"), std::vector<bool>{false});
  EXPECT_EQ(enabled_states(*index, response.root(), "child-age"), (std::vector<bool>{false, false}));
}

TEST(EnableWhenScope, WouldBeEnabledForAbsentItems) {
  auto index = load_file("household.json");
  ASSERT_TRUE(index);
  json::Document response = parse_json(R"({"resourceType":"QuestionnaireResponse","status":"completed",
    "item":[{"linkId":"living-alone","answer":[{"valueBoolean":false}]},
            {"linkId":"worry","answer":[{"valueCoding":{"code":"never"}}]}]})");
  const ResponseTree tree = ResponseTree::build(*index, response.root());
  Enablement enablement(*index, tree);
  EXPECT_TRUE(enablement.would_be_enabled(*index->find("household"), no_node));
  // worry-detail is nested under worry's answer: "never" disables it.
  EXPECT_FALSE(enablement.would_be_enabled(*index->find("worry-detail"), 1));
}

TEST(EnableWhenBehavior, AnyNeedsOneAllNeedsEvery) {
  const auto make = [](std::string_view behavior) {
    return load_text(R"({"resourceType":"Questionnaire","url":"u","version":"1","status":"draft","item":[
      {"linkId":"a","type":"boolean"},{"linkId":"b","type":"integer"},
      {"linkId":"t","type":"string","enableBehavior":")" + std::string(behavior) + R"(","enableWhen":[
        {"question":"a","operator":"=","answerBoolean":true},
        {"question":"b","operator":">","answerInteger":3}]}]})");
  };
  const auto any = make("any"), all = make("all");
  ASSERT_TRUE(any.index && all.index);
  const auto response = [](bool a, int b) {
    return parse_json(R"({"resourceType":"QuestionnaireResponse","status":"completed","item":[
      {"linkId":"a","answer":[{"valueBoolean":)" + std::string(a ? "true" : "false") + R"(}]},
      {"linkId":"b","answer":[{"valueInteger":)" + std::to_string(b) + R"(}]},
      {"linkId":"t","answer":[{"valueString":"x"}]}]})");
  };
  const struct { bool a; int b; bool any, all; } cases[] = {
      {true, 5, true, true}, {true, 1, true, false}, {false, 5, true, false}, {false, 1, false, false}};
  for (const auto& c : cases) {
    json::Document doc = response(c.a, c.b);
    EXPECT_EQ(enabled_states(*any.index, doc.root(), "t"), std::vector<bool>{c.any}) << c.a << c.b;
    EXPECT_EQ(enabled_states(*all.index, doc.root(), "t"), std::vector<bool>{c.all}) << c.a << c.b;
  }
}

TEST(EnableWhenChain, ThreeLevelsAcrossGroups) {
  auto loaded = load_text(R"({"resourceType":"Questionnaire","url":"u","version":"1","status":"draft","item":[
    {"linkId":"g1","type":"group","item":[{"linkId":"a","type":"boolean"}]},
    {"linkId":"g2","type":"group","item":[{"linkId":"b","type":"boolean",
      "enableWhen":[{"question":"a","operator":"=","answerBoolean":true}]}]},
    {"linkId":"c","type":"string","enableWhen":[{"question":"b","operator":"exists","answerBoolean":true}]}]})");
  ASSERT_TRUE(loaded.index);
  EXPECT_FALSE(loaded.issues.has_errors());
  const auto response = [](std::string_view a) {
    return parse_json(R"({"resourceType":"QuestionnaireResponse","status":"completed","item":[
      {"linkId":"g1","item":[{"linkId":"a","answer":[{"valueBoolean":)" + std::string(a) + R"(}]}]},
      {"linkId":"g2","item":[{"linkId":"b","answer":[{"valueBoolean":false}]}]},
      {"linkId":"c","answer":[{"valueString":"x"}]}]})");
  };
  json::Document on = response("true"), off = response("false");
  EXPECT_EQ(enabled_states(*loaded.index, on.root(), "c"), std::vector<bool>{true});
  EXPECT_EQ(enabled_states(*loaded.index, off.root(), "b"), std::vector<bool>{false});
  EXPECT_EQ(enabled_states(*loaded.index, off.root(), "c"), std::vector<bool>{false});
}

TEST(EnableWhenChain, NestedRepeatingGroupRefersToEnclosingInstance) {
  // family (repeats) > member (repeats) > note enabled when the family's "support" is true.
  auto loaded = load_text(R"({"resourceType":"Questionnaire","url":"u","version":"1","status":"draft","item":[
    {"linkId":"family","type":"group","repeats":true,"item":[
      {"linkId":"support","type":"boolean"},
      {"linkId":"member","type":"group","repeats":true,"item":[
        {"linkId":"note","type":"string","enableWhen":[{"question":"support","operator":"=","answerBoolean":true}]}]}]}]})");
  ASSERT_TRUE(loaded.index);
  EXPECT_EQ(loaded.index->find("note")->enable_when[0].shared_depth, 1u);
  json::Document response = parse_json(R"({"resourceType":"QuestionnaireResponse","status":"completed","item":[
    {"linkId":"family","item":[{"linkId":"support","answer":[{"valueBoolean":true}]},
      {"linkId":"member","item":[{"linkId":"note","answer":[{"valueString":"a"}]}]},
      {"linkId":"member","item":[{"linkId":"note","answer":[{"valueString":"b"}]}]}]},
    {"linkId":"family","item":[{"linkId":"support","answer":[{"valueBoolean":false}]},
      {"linkId":"member","item":[{"linkId":"note","answer":[{"valueString":"c"}]}]}]}]})");
  EXPECT_EQ(enabled_states(*loaded.index, response.root(), "note"),
            (std::vector<bool>{true, true, false}));
}

TEST(EnableWhenChain, CycleLeavesItemsDisabled) {
  auto loaded = load_text(R"({"resourceType":"Questionnaire","url":"u","version":"1","status":"draft","item":[
    {"linkId":"a","type":"boolean","enableWhen":[{"question":"b","operator":"exists","answerBoolean":true}]},
    {"linkId":"b","type":"boolean","enableWhen":[{"question":"a","operator":"exists","answerBoolean":true}]}]})");
  ASSERT_TRUE(loaded.index);
  json::Document response = parse_json(R"({"resourceType":"QuestionnaireResponse","status":"completed","item":[
    {"linkId":"a","answer":[{"valueBoolean":true}]},{"linkId":"b","answer":[{"valueBoolean":true}]}]})");
  EXPECT_EQ(enabled_states(*loaded.index, response.root(), "a"), std::vector<bool>{false});
}

}  // namespace
}  // namespace socialrx::fhir::questionnaire
