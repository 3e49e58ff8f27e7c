// The FHIRPath subset: every operator and function, the empty and singleton rules, errors and
// limits. Results are compared through describe(): "[1, 'a', true]".

#include <gtest/gtest.h>

#include "fhir/fhirpath/expression.hpp"

namespace socialrx::fhir::fhirpath {
namespace {

constexpr std::string_view kQuestionnaire = R"({
  "resourceType": "Questionnaire", "status": "active",
  "item": [
    {"linkId": "ucla", "type": "group", "item": [
      {"linkId": "ucla-1", "type": "choice", "answerOption": [
        {"valueCoding": {"system": "urn:s", "code": "never"},
         "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue", "valueDecimal": 1}]},
        {"valueCoding": {"system": "urn:s", "code": "often"},
         "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/itemWeight", "valueDecimal": 2.5}]}
      ]},
      {"linkId": "ucla-2", "type": "choice", "answerOption": [
        {"valueCoding": {"system": "urn:s", "code": "never",
          "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue", "valueDecimal": 3}]}}
      ]}
    ]}
  ]
})";

constexpr std::string_view kResponse = R"({
  "resourceType": "QuestionnaireResponse", "status": "completed",
  "authored": "2024-05-01T10:00:00+09:00",
  "item": [
    {"linkId": "ucla", "item": [
      {"linkId": "ucla-1", "answer": [{"valueCoding": {"system": "urn:s", "code": "often"}}]},
      {"linkId": "ucla-2", "answer": [{"valueCoding": {"system": "urn:s", "code": "never"}}]}
    ]},
    {"linkId": "age", "answer": [{"valueInteger": 72}]},
    {"linkId": "height", "answer": [{"valueDecimal": 1.50}]},
    {"linkId": "groups", "answer": [{"valueString": "a"}, {"valueString": "b"}, {"valueString": "a"}]},
    {"linkId": "born", "answer": [{"valueDate": "1952-03-04"}]},
    {"linkId": "consent", "answer": [{"valueBoolean": false}]}
  ]
})";

class FhirPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto q = json::parse(kQuestionnaire);
    auto r = json::parse(kResponse);
    ASSERT_TRUE(q.document && r.document);
    questionnaire_ = std::move(*q.document);
    response_ = std::move(*r.document);
  }

  // The result as describe() text, or "error: <diagnostics>".
  std::string eval(std::string_view text, std::span<const Variable> variables = {},
                   std::optional<Items> answer = std::nullopt) {
    auto compiled = compile(text);
    if (!compiled.expression) return "compile error: " + compiled.issues.items()[0].diagnostics;
    Environment env;
    env.resource = &response_.root();
    env.questionnaire = &questionnaire_.root();
    env.variables = variables;
    env.answer = answer;
    Issues issues;
    auto result = evaluator_.evaluate(*compiled.expression, env, issues, "here");
    if (!result.ok) {
      EXPECT_FALSE(issues.empty());
      last_issue_ = issues.items().at(0);
      return "error: " + issues.items()[0].diagnostics;
    }
    EXPECT_TRUE(issues.empty());
    return describe(result.items);
  }

  bool is_error(std::string_view text) { return eval(text).starts_with("error"); }
  bool is_compile_error(std::string_view text) {
    return eval(text).starts_with("compile error");
  }

  json::Document questionnaire_;
  json::Document response_;
  Evaluator evaluator_;
  Issue last_issue_;
};

TEST_F(FhirPathTest, Literals) {
  EXPECT_EQ(eval("'a\\'b'"), "['a'b']");
  EXPECT_EQ(eval("'\\u3042'"), "['\xE3\x81\x82']");
  EXPECT_EQ(eval("42"), "[42]");
  EXPECT_EQ(eval("1.50"), "[1.50]");
  EXPECT_EQ(eval("true"), "[true]");
  EXPECT_EQ(eval("false"), "[false]");
  EXPECT_EQ(eval("{}"), "[]");
  EXPECT_EQ(eval("@2024-01-02"), "[@2024-01-02]");
  EXPECT_EQ(eval("@2024-01-02T10:00:00Z"), "[@2024-01-02T10:00:00Z]");
  EXPECT_EQ(eval("@T10:30"), "[@10:30]");
  EXPECT_EQ(eval("// comment\n 1 /* block */ + 1"), "[2]");
}

TEST_F(FhirPathTest, PathsAndChoiceValue) {
  EXPECT_EQ(eval("item.linkId"), "['ucla', 'age', 'height', 'groups', 'born', 'consent']");
  EXPECT_EQ(eval("QuestionnaireResponse.status"), "['completed']");
  EXPECT_EQ(eval("Patient.status"), "[]");
  EXPECT_EQ(eval("%resource.item.where(linkId='age').answer.value"), "[72]");
  EXPECT_EQ(eval("item.where(linkId='height').answer.value"), "[1.50]");
  EXPECT_EQ(eval("item.where(linkId='consent').answer.value"), "[false]");
  EXPECT_EQ(eval("item.where(linkId='ucla').item.answer.value.code"), "['often', 'never']");
  EXPECT_EQ(eval("item.nothing.at.all"), "[]");
  EXPECT_EQ(eval("item.where(linkId='born').answer.value < @2000-01-01"), "[true]");
  EXPECT_EQ(eval("authored > @2024-01-01"), "[true]");
  EXPECT_EQ(eval("`status`"), "['completed']");
}

TEST_F(FhirPathTest, Indexer) {
  EXPECT_EQ(eval("item[1].linkId"), "['age']");
  EXPECT_EQ(eval("item[99].linkId"), "[]");
  EXPECT_EQ(eval("item[-1]"), "[]");
  EXPECT_EQ(eval("item[{}]"), "[]");
  EXPECT_TRUE(is_error("item['a']"));
}

TEST_F(FhirPathTest, EqualityAndEquivalence) {
  EXPECT_EQ(eval("1 = 1"), "[true]");
  EXPECT_EQ(eval("1 = 1.0"), "[true]");
  EXPECT_EQ(eval("1.0 = 1.00"), "[true]");
  EXPECT_EQ(eval("'a' = 'b'"), "[false]");
  EXPECT_EQ(eval("'a' != 'b'"), "[true]");
  EXPECT_EQ(eval("1 = 'a'"), "[false]");
  EXPECT_EQ(eval("{} = 1"), "[]");
  EXPECT_EQ(eval("1 != {}"), "[]");
  EXPECT_EQ(eval("(1 | 2) = (1 | 2)"), "[true]");
  EXPECT_EQ(eval("(1 | 2) = (2 | 1)"), "[false]");
  EXPECT_EQ(eval("(1 | 2) = 1"), "[false]");
  EXPECT_EQ(eval("@2024 = @2024-01-01"), "[]");
  EXPECT_EQ(eval("@2024-01-01 = @2024-01-01"), "[true]");
  EXPECT_EQ(eval("'A  b' ~ 'a b'"), "[true]");
  EXPECT_EQ(eval("1.2 ~ 1.24"), "[true]");
  EXPECT_EQ(eval("{} ~ {}"), "[true]");
  EXPECT_EQ(eval("1 ~ {}"), "[false]");
  EXPECT_EQ(eval("(1 | 2) ~ (2 | 1)"), "[true]");
  EXPECT_EQ(eval("'a' !~ 'A'"), "[false]");
  // Codings compare structurally.
  EXPECT_EQ(eval("item.where(linkId='ucla').item[0].answer.value = "
                 "item.where(linkId='ucla').item[0].answer.value"),
            "[true]");
  EXPECT_EQ(eval("item.where(linkId='ucla').item[0].answer.value = "
                 "item.where(linkId='ucla').item[1].answer.value"),
            "[false]");
}

TEST_F(FhirPathTest, Comparison) {
  EXPECT_EQ(eval("1 < 2"), "[true]");
  EXPECT_EQ(eval("2 <= 2"), "[true]");
  EXPECT_EQ(eval("1.5 > 2"), "[false]");
  EXPECT_EQ(eval("3 >= 2.99"), "[true]");
  EXPECT_EQ(eval("'abc' < 'abd'"), "[true]");
  EXPECT_EQ(eval("{} < 1"), "[]");
  EXPECT_EQ(eval("@2024-01 < @2024-02-01"), "[true]");
  EXPECT_EQ(eval("@2024-01 < @2024-01-15"), "[]");
  EXPECT_EQ(eval("@T10:00 < @T11:00"), "[true]");
  EXPECT_TRUE(is_error("1 < 'a'"));
  EXPECT_TRUE(is_error("(1 | 2) < 3"));
}

TEST_F(FhirPathTest, BooleanLogicThreeValued) {
  EXPECT_EQ(eval("true and true"), "[true]");
  EXPECT_EQ(eval("true and false"), "[false]");
  EXPECT_EQ(eval("true and {}"), "[]");
  EXPECT_EQ(eval("false and {}"), "[false]");
  EXPECT_EQ(eval("{} and false"), "[false]");
  EXPECT_EQ(eval("false or true"), "[true]");
  EXPECT_EQ(eval("false or false"), "[false]");
  EXPECT_EQ(eval("{} or true"), "[true]");
  EXPECT_EQ(eval("{} or false"), "[]");
  EXPECT_EQ(eval("true xor false"), "[true]");
  EXPECT_EQ(eval("true xor true"), "[false]");
  EXPECT_EQ(eval("{} xor true"), "[]");
  EXPECT_EQ(eval("true implies false"), "[false]");
  EXPECT_EQ(eval("false implies {}"), "[true]");
  EXPECT_EQ(eval("{} implies true"), "[true]");
  EXPECT_EQ(eval("{} implies false"), "[]");
  EXPECT_EQ(eval("true implies {}"), "[]");
  // A single non-Boolean item counts as true; several items are an error.
  EXPECT_EQ(eval("'x' and true"), "[true]");
  EXPECT_TRUE(is_error("(1 | 2) and true"));
  // The right side is not evaluated when the left decides.
  EXPECT_EQ(eval("false and (1 | 2)"), "[false]");
}

TEST_F(FhirPathTest, Arithmetic) {
  EXPECT_EQ(eval("1 + 2"), "[3]");
  EXPECT_EQ(eval("0.1 + 0.2"), "[0.3]");
  EXPECT_EQ(eval("0.1 + 0.2 = 0.3"), "[true]");
  EXPECT_EQ(eval("1 + 1.50"), "[2.50]");
  EXPECT_EQ(eval("5 - 7"), "[-2]");
  EXPECT_EQ(eval("2 * 3"), "[6]");
  EXPECT_EQ(eval("1.5 * 2"), "[3.0]");
  EXPECT_EQ(eval("1 / 3"), "[0.33333333]");
  EXPECT_EQ(eval("6 / 2"), "[3]");
  EXPECT_EQ(eval("5 / 2"), "[2.5]");
  EXPECT_EQ(eval("1 / 0"), "[]");
  EXPECT_EQ(eval("7 div 2"), "[3]");
  EXPECT_EQ(eval("-7 div 2"), "[-3]");
  EXPECT_EQ(eval("5.5 div 0.7"), "[7]");
  EXPECT_EQ(eval("7 div 0"), "[]");
  EXPECT_EQ(eval("7 mod 3"), "[1]");
  EXPECT_EQ(eval("-7 mod 3"), "[-1]");
  EXPECT_EQ(eval("5.5 mod 0.7"), "[0.6]");
  EXPECT_EQ(eval("7 mod 0"), "[]");
  EXPECT_EQ(eval("'a' + 'b'"), "['ab']");
  EXPECT_EQ(eval("'a' & {} & 'c'"), "['ac']");
  EXPECT_EQ(eval("{} + 1"), "[]");
  EXPECT_EQ(eval("-(2)"), "[-2]");
  EXPECT_EQ(eval("-1.5"), "[-1.5]");
  EXPECT_EQ(eval("-{}"), "[]");
  EXPECT_EQ(eval("2 + 3 * 4"), "[14]");
  EXPECT_EQ(eval("(2 + 3) * 4"), "[20]");
  EXPECT_EQ(eval("10 - 2 - 3"), "[5]");
  EXPECT_TRUE(is_error("1 + 'a'"));
  EXPECT_TRUE(is_error("-'a'"));
  EXPECT_TRUE(is_error("9223372036854775807 + 1"));
  EXPECT_TRUE(is_error("(1 | 2) + 1"));
}

TEST_F(FhirPathTest, UnionInContains) {
  EXPECT_EQ(eval("1 | 2 | 1"), "[1, 2]");
  EXPECT_EQ(eval("{} | 3"), "[3]");
  EXPECT_EQ(eval("2 in (1 | 2)"), "[true]");
  EXPECT_EQ(eval("3 in (1 | 2)"), "[false]");
  EXPECT_EQ(eval("{} in (1 | 2)"), "[]");
  EXPECT_EQ(eval("1 in {}"), "[false]");
  EXPECT_EQ(eval("(1 | 2) contains 2"), "[true]");
  EXPECT_EQ(eval("(1 | 2) contains {}"), "[]");
  EXPECT_EQ(eval("'a' in item.where(linkId='groups').answer.value"), "[true]");
  EXPECT_TRUE(is_error("(1 | 2) in (1 | 2)"));
  // Precedence: | binds tighter than =, = tighter than and.
  EXPECT_EQ(eval("1 | 2 = 1 | 2 and true"), "[true]");
}

TEST_F(FhirPathTest, FilteringFunctions) {
  EXPECT_EQ(eval("item.where(linkId = 'age' or linkId = 'born').linkId"), "['age', 'born']");
  EXPECT_EQ(eval("item.where(false)"), "[]");
  EXPECT_EQ(eval("item.where({}).linkId"), "[]");
  EXPECT_EQ(eval("(1 | 2 | 3).where($this > 1)"), "[2, 3]");
  EXPECT_EQ(eval("(10 | 20 | 30).where($index = 1)"), "[20]");
  EXPECT_TRUE(is_error("item.where(answer.value)"));  // groups has three answers
  EXPECT_EQ(eval("item.select(linkId).count()"), "[6]");
  EXPECT_EQ(eval("(1 | 2).select($this * 10)"), "[10, 20]");
  EXPECT_EQ(eval("repeat(item).count()"), "[8]");
  EXPECT_EQ(eval("%resource.repeat(item).where(linkId='ucla-2').answer.value.code"), "['never']");
  EXPECT_EQ(eval("(1).repeat($this)"), "[1]");  // stops: nothing new
  EXPECT_EQ(eval("item.ofType(integer)"), "[]");
  EXPECT_EQ(eval("item.answer.value.ofType(integer)"), "[72]");
  EXPECT_EQ(eval("item.answer.value.ofType(Integer)"), "[72]");
  EXPECT_EQ(eval("repeat(item).answer.value.ofType(Coding).code"), "['often', 'never']");
  EXPECT_EQ(eval("item.answer.value.ofType(Coding)"), "[]");
  EXPECT_EQ(eval("item.answer.value.ofType(string)"), "['a', 'b', 'a']");
  EXPECT_EQ(eval("item.answer.value.ofType(date)"), "[@1952-03-04]");
  EXPECT_EQ(eval("(1 | 'a' | 2.5).ofType(System.Decimal)"), "[2.5]");
  EXPECT_EQ(eval("%resource.ofType(QuestionnaireResponse).status"), "['completed']");
}

TEST_F(FhirPathTest, ExistenceFunctions) {
  EXPECT_EQ(eval("item.exists()"), "[true]");
  EXPECT_EQ(eval("{}.exists()"), "[false]");
  EXPECT_EQ(eval("item.exists(linkId = 'age')"), "[true]");
  EXPECT_EQ(eval("item.exists(linkId = 'nope')"), "[false]");
  EXPECT_EQ(eval("{}.empty()"), "[true]");
  EXPECT_EQ(eval("item.empty()"), "[false]");
  EXPECT_EQ(eval("true.not()"), "[false]");
  EXPECT_EQ(eval("false.not()"), "[true]");
  EXPECT_EQ(eval("{}.not()"), "[]");
  EXPECT_TRUE(is_error("(true | false).not()"));
  EXPECT_EQ(eval("item.count()"), "[6]");
  EXPECT_EQ(eval("{}.count()"), "[0]");
  EXPECT_EQ(eval("item.where(linkId='groups').answer.value.distinct()"), "['a', 'b']");
  EXPECT_EQ(eval("item.where(linkId='groups').answer.value.distinct().count()"), "[2]");
  EXPECT_EQ(eval("item.first().linkId"), "['ucla']");
  EXPECT_EQ(eval("item.last().linkId"), "['consent']");
  EXPECT_EQ(eval("{}.first()"), "[]");
}

TEST_F(FhirPathTest, Aggregates) {
  EXPECT_EQ(eval("(1 | 2 | 3).sum()"), "[6]");
  EXPECT_EQ(eval("(1 | 2.5).sum()"), "[3.5]");
  EXPECT_EQ(eval("{}.sum()"), "[]");
  EXPECT_TRUE(is_error("('a' | 'b').sum()"));
  EXPECT_EQ(eval("(3 | 1 | 2).min()"), "[1]");
  EXPECT_EQ(eval("(3 | 1 | 2.5).max()"), "[3]");
  EXPECT_EQ(eval("('b' | 'a').min()"), "['a']");
  EXPECT_EQ(eval("{}.max()"), "[]");
  EXPECT_TRUE(is_error("(1 | 'a').max()"));
}

TEST_F(FhirPathTest, Iif) {
  EXPECT_EQ(eval("iif(true, 'y', 'n')"), "['y']");
  EXPECT_EQ(eval("iif(false, 'y', 'n')"), "['n']");
  EXPECT_EQ(eval("iif({}, 'y', 'n')"), "['n']");
  EXPECT_EQ(eval("iif(false, 'y')"), "[]");
  // Only the chosen branch is evaluated.
  EXPECT_EQ(eval("iif(true, 1, (1 | 2) + 1)"), "[1]");
  EXPECT_EQ(eval("iif(item.where(linkId='age').answer.value >= 65, 'old', 'young')"), "['old']");
  EXPECT_TRUE(is_error("iif((true | false), 1, 2)"));
}

TEST_F(FhirPathTest, Conversions) {
  EXPECT_EQ(eval("'42'.toInteger()"), "[42]");
  EXPECT_EQ(eval("'-7'.toInteger()"), "[-7]");
  EXPECT_EQ(eval("'4.2'.toInteger()"), "[]");
  EXPECT_EQ(eval("true.toInteger()"), "[1]");
  EXPECT_EQ(eval("4.2.toInteger()"), "[]");
  EXPECT_EQ(eval("{}.toInteger()"), "[]");
  EXPECT_TRUE(is_error("(1 | 2).toInteger()"));
  EXPECT_EQ(eval("42.toString()"), "['42']");
  EXPECT_EQ(eval("1.50.toString()"), "['1.50']");
  EXPECT_EQ(eval("true.toString()"), "['true']");
  EXPECT_EQ(eval("@2024-01.toString()"), "['2024-01']");
  EXPECT_EQ(eval("item.first().toString()"), "[]");
  EXPECT_TRUE(is_error("(1 | 2).toString()"));
}

TEST_F(FhirPathTest, WeightFromAnswerOptions) {
  // ordinalValue on the answerOption, itemWeight on another, ordinalValue on the option's Coding.
  EXPECT_EQ(eval("%resource.repeat(item).where(linkId='ucla-1').answer.value.weight()"), "[2.5]");
  EXPECT_EQ(eval("%resource.repeat(item).where(linkId='ucla-2').answer.value.ordinal()"), "[3]");
  EXPECT_EQ(eval("%resource.repeat(item).answer.value.weight().sum()"), "[5.5]");
  // On the answer itself, and on the Questionnaire's options.
  EXPECT_EQ(eval("%resource.repeat(item).where(linkId='ucla-1').answer.weight()"), "[2.5]");
  EXPECT_EQ(eval("%questionnaire.repeat(item).answerOption.weight()"), "[1, 2.5, 3]");
  // Non-coded answers have no weight.
  EXPECT_EQ(eval("%resource.repeat(item).where(linkId='age').answer.value.weight()"), "[]");
  // A sum of integer weights is exact and equals the integer.
  EXPECT_EQ(eval("%questionnaire.repeat(item).answerOption.weight().where($this < 2).sum() = 1"),
            "[true]");
}

class FixedWeights : public WeightSource {
 public:
  std::optional<Decimal> weight(const json::Value& item, const json::Value&) const override {
    if (item.string_at("linkId") == "ucla-1") return Decimal{7, 0};
    return std::nullopt;
  }
};

TEST_F(FhirPathTest, WeightSourceIsUsed) {
  auto compiled = compile("%resource.repeat(item).answer.value.weight()");
  ASSERT_TRUE(compiled.expression);
  FixedWeights weights;
  Environment env;
  env.resource = &response_.root();
  env.weights = &weights;
  Issues issues;
  auto result = evaluator_.evaluate(*compiled.expression, env, issues);
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(describe(result.items), "[7]");
}

// %resource.repeat(item).where(linkId = …) is answered from a per-resource linkId index: the same
// items in the same order (repeat's, level by level) as the plain where(), which a condition that
// is not a linkId disjunction (`or false`) still takes.
TEST_F(FhirPathTest, LinkIdIndexGivesWhatWhereGives) {
  for (std::string_view link_ids : {"linkId='age'", "linkId='ucla-2' or linkId='age'",
                                    "linkId='age' or linkId='ucla-1' or linkId='age'",
                                    "linkId='consent' or linkId='ucla' or linkId='ucla-2'",
                                    "linkId='nope'"}) {
    SCOPED_TRACE(link_ids);
    const std::string fast = "%resource.repeat(item).where(" + std::string(link_ids) + ").linkId";
    const std::string slow = "%resource.repeat(item).where(" + std::string(link_ids) + " or false).linkId";
    const std::string expected = eval(slow);
    EXPECT_EQ(eval(fast), expected);
    EXPECT_EQ(eval(fast), expected);  // a second time, from the cached index
  }
  EXPECT_EQ(eval("%resource.repeat(item).where(linkId='ucla-2' or linkId='age').linkId"),
            "['age', 'ucla-2']");
  // Another resource in the same evaluator is indexed for itself.
  auto other = json::parse(R"({"resourceType":"QuestionnaireResponse","status":"completed",
    "item":[{"linkId":"age","answer":[{"valueInteger":30}]}]})");
  ASSERT_TRUE(other.document);
  auto compiled = compile("%resource.repeat(item).where(linkId='age').answer.value");
  ASSERT_TRUE(compiled.expression);
  Environment env;
  env.resource = &other.document->root();
  Issues issues;
  auto result = evaluator_.evaluate(*compiled.expression, env, issues);
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(describe(result.items), "[30]");
  EXPECT_EQ(eval("%resource.repeat(item).where(linkId='age').answer.value"), "[72]");
}

// %resource.repeat(item) walks the tree directly (Run::item_tree); repeat(item) on the same
// focus takes the general repeat(): the same items, owners (weight()) and order, level by level,
// also with items under answers (not reached), primitives and repeated values in item arrays.
TEST_F(FhirPathTest, ResourceItemTreeGivesWhatRepeatGives) {
  auto nested = json::parse(R"({"resourceType":"QuestionnaireResponse","status":"completed",
    "item":[
      {"linkId":"a","item":[
        {"linkId":"a1","item":[{"linkId":"a1x","answer":[{"valueInteger":1}]}]},
        {"linkId":"a2","answer":[{"valueCoding":{"system":"urn:s","code":"never"},
          "item":[{"linkId":"under-answer"}]}]}]},
      {"linkId":"b","item":["text", 3, "text", null, [1], {"resourceType":"Basic"}]},
      {"linkId":"c","item":{"linkId":"c-single"}},
      {"linkId":"ucla-1","answer":[{"valueCoding":{"system":"urn:s","code":"often"}}]}]})");
  ASSERT_TRUE(nested.document);
  Environment env;
  env.resource = &nested.document->root();
  env.questionnaire = &questionnaire_.root();
  auto run = [&](std::string_view text) {
    auto compiled = compile(text);
    EXPECT_TRUE(compiled.expression) << text;
    if (!compiled.expression) return std::string();
    Issues issues;
    evaluator_.reset();
    auto result = evaluator_.evaluate(*compiled.expression, env, issues);
    return result.ok ? describe(result.items) : "error: " + issues.items()[0].diagnostics;
  };
  for (std::string_view tail : {"", ".linkId", ".answer.value", ".answer.value.weight()",
                                ".where(linkId='a2' or linkId='c-single').linkId", ".count()"}) {
    SCOPED_TRACE(tail);
    EXPECT_EQ(run("%resource.repeat(item)" + std::string(tail)), run("repeat(item)" + std::string(tail)));
  }
  EXPECT_EQ(run("%resource.repeat(item).linkId"), "['a', 'b', 'c', 'ucla-1', 'a1', 'a2', 'c-single', 'a1x']");
}

// A WeightSource may answer %questionnaire.repeat(item).where(linkId = …) from its own index, in
// the order it gives; without one the Questionnaire is walked.
class IndexedQuestionnaire : public WeightSource {
 public:
  std::optional<Decimal> weight(const json::Value&, const json::Value&) const override { return std::nullopt; }
  bool find_questionnaire_item(const json::Value& questionnaire, std::string_view link_id,
                               QuestionnaireItem& found) const override {
    ++calls;
    found = {};
    const json::Value& ucla = questionnaire.find("item")->items()[0];
    if (link_id == "ucla") found = {&ucla, nullptr, 0};
    if (link_id == "ucla-1") found = {&ucla.find("item")->items()[0], &ucla, 1};
    if (link_id == "ucla-2") found = {&ucla.find("item")->items()[1], &ucla, 2};
    return true;
  }
  mutable int calls = 0;
};

TEST_F(FhirPathTest, QuestionnaireItemsFromTheWeightSource) {
  const std::string text = "%questionnaire.repeat(item).where(linkId='ucla-2' or linkId='ucla').linkId";
  const std::string walked = eval(text);
  EXPECT_EQ(walked, "['ucla', 'ucla-2']");
  auto compiled = compile(text);
  ASSERT_TRUE(compiled.expression);
  IndexedQuestionnaire index;
  Environment env;
  env.resource = &response_.root();
  env.questionnaire = &questionnaire_.root();
  env.weights = &index;
  Issues issues;
  auto result = evaluator_.evaluate(*compiled.expression, env, issues);
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(describe(result.items), walked);
  EXPECT_EQ(index.calls, 2);
  // The weight of an option reached so is found through its owner item.
  compiled = compile("%questionnaire.repeat(item).where(linkId='ucla-1').answerOption.weight()");
  ASSERT_TRUE(compiled.expression);
  env.weights = nullptr;
  result = evaluator_.evaluate(*compiled.expression, env, issues);
  ASSERT_TRUE(result.ok);
  const std::string expected = describe(result.items);
  env.weights = &index;
  result = evaluator_.evaluate(*compiled.expression, env, issues);
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(expected, "[1, 2.5]");
  EXPECT_EQ(describe(result.items), expected);
}

TEST_F(FhirPathTest, WeightNeedsQuestionnaire) {
  auto compiled = compile("%resource.repeat(item).answer.value.weight()");
  Environment env;
  env.resource = &response_.root();
  Issues issues;
  EXPECT_FALSE(evaluator_.evaluate(*compiled.expression, env, issues).ok);
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_NE(issues.items()[0].diagnostics.find("%questionnaire"), std::string::npos);
}

TEST_F(FhirPathTest, EnvironmentVariables) {
  Item two = Item::integer(2);
  Item three = Item::integer(3);
  Variable variables[] = {{"score", Items(&two, 1)}, {"score", Items(&three, 1)}};
  EXPECT_EQ(eval("%score + 1", variables), "[4]");  // later shadows earlier
  EXPECT_EQ(eval("%resource.status"), "['completed']");
  EXPECT_EQ(eval("%context.status"), "['completed']");
  EXPECT_EQ(eval("%questionnaire.status"), "['active']");
  EXPECT_EQ(eval("%ucum"), "['http://unitsofmeasure.org']");
  EXPECT_EQ(eval("%answer >= 10", {}, Items(&three, 1)), "[false]");
  EXPECT_EQ(eval("%answer.exists()", {}, Items()), "[false]");
  EXPECT_TRUE(is_error("%answer"));  // not defined outside indicates-need-when
  EXPECT_TRUE(is_error("%nope"));
  EXPECT_EQ(last_issue_.code, IssueType::not_found);
  EXPECT_EQ(last_issue_.expression, "here");
  EXPECT_EQ(eval("$this.status"), "['completed']");
}

TEST_F(FhirPathTest, CompileReportsVariables) {
  auto compiled = compile("%b + %a + %resource.count() + %b");
  ASSERT_TRUE(compiled.expression);
  EXPECT_EQ(compiled.expression->variables(), (std::vector<std::string>{"a", "b"}));
}

TEST_F(FhirPathTest, CompileErrorsNamePosition) {
  auto compiled = compile("item.where(linkId = )", "Questionnaire.extension[0]");
  ASSERT_FALSE(compiled.expression);
  ASSERT_EQ(compiled.issues.size(), 1u);
  const Issue& issue = compiled.issues.items()[0];
  EXPECT_EQ(issue.code, IssueType::invalid);
  EXPECT_EQ(issue.expression, "Questionnaire.extension[0]");
  EXPECT_NE(issue.diagnostics.find("at 21"), std::string::npos) << issue.diagnostics;

  EXPECT_TRUE(is_compile_error("item.children()"));   // outside the subset
  EXPECT_TRUE(is_compile_error("value is Coding"));    // type operators are outside
  EXPECT_TRUE(is_compile_error("value as Coding"));
  EXPECT_TRUE(is_compile_error("5 'mg'"));             // quantities are outside
  EXPECT_TRUE(is_compile_error("where()"));            // arity
  EXPECT_TRUE(is_compile_error("iif(true)"));
  EXPECT_TRUE(is_compile_error("count(1)"));
  EXPECT_TRUE(is_compile_error("ofType(nonsense.x.y)"));
  EXPECT_TRUE(is_compile_error("'unterminated"));
  EXPECT_TRUE(is_compile_error("1 +"));
  EXPECT_TRUE(is_compile_error("(1"));
  EXPECT_TRUE(is_compile_error("1 2"));
  EXPECT_TRUE(is_compile_error("@2024-13x"));
  EXPECT_TRUE(is_compile_error("$foo"));
  EXPECT_TRUE(is_compile_error("#"));
  EXPECT_TRUE(is_compile_error("99999999999999999999"));
  EXPECT_TRUE(is_compile_error(""));
}

TEST_F(FhirPathTest, CompileLimits) {
  std::string deep(200, '(');
  deep += "1" + std::string(200, ')');
  auto compiled = compile(deep);
  ASSERT_FALSE(compiled.expression);
  EXPECT_EQ(compiled.issues.items()[0].code, IssueType::too_costly);
  auto long_text = compile(std::string(10000, ' ') + "1");
  ASSERT_FALSE(long_text.expression);
  EXPECT_EQ(long_text.issues.items()[0].code, IssueType::too_costly);
}

TEST_F(FhirPathTest, StepLimitStopsRunawayEvaluation) {
  Limits limits;
  limits.max_steps = 50;
  Evaluator small(limits);
  auto compiled = compile("(1|2|3|4|5|6|7|8|9|10).select((1|2|3|4|5|6|7|8|9|10)).count()");
  ASSERT_TRUE(compiled.expression);
  Environment env;
  env.resource = &response_.root();
  Issues issues;
  EXPECT_FALSE(small.evaluate(*compiled.expression, env, issues).ok);
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues.items()[0].code, IssueType::too_costly);
}

TEST_F(FhirPathTest, ItemLimit) {
  Limits limits;
  limits.max_items = 5;
  Evaluator small(limits);
  auto compiled = compile("(1|2|3|4|5|6|7)");
  Environment env;
  env.resource = &response_.root();
  Issues issues;
  EXPECT_FALSE(small.evaluate(*compiled.expression, env, issues).ok);
  EXPECT_EQ(issues.items()[0].code, IssueType::too_costly);
}

TEST_F(FhirPathTest, ResultsSurviveUntilReset) {
  auto compiled = compile("'a' + 'b'");
  Environment env;
  env.resource = &response_.root();
  Issues issues;
  auto first = evaluator_.evaluate(*compiled.expression, env, issues);
  auto second = evaluator_.evaluate(*compiled.expression, env, issues);
  EXPECT_EQ(describe(first.items), "['ab']");
  EXPECT_EQ(describe(second.items), "['ab']");
  Items kept = evaluator_.keep(first.items);
  EXPECT_EQ(describe(kept), "['ab']");
  evaluator_.reset();
  EXPECT_EQ(eval("1"), "[1]");
}

TEST(FhirPathDecimal, ParseAndText) {
  EXPECT_EQ(to_text(*parse_decimal("1.50")), "1.50");
  EXPECT_EQ(to_text(*parse_decimal("-0.05")), "-0.05");
  EXPECT_EQ(to_text(*parse_decimal("1e2")), "100");
  EXPECT_EQ(to_text(*parse_decimal("1.5e-2")), "0.015");
  EXPECT_EQ(to_text(*parse_decimal("12.5E1")), "125");
  EXPECT_FALSE(parse_decimal("1234567890123456789012"));
  EXPECT_FALSE(parse_decimal("abc"));
  EXPECT_FALSE(parse_decimal("1e"));
  EXPECT_EQ(compare(*parse_decimal("1.0"), *parse_decimal("1")), 0);
  EXPECT_EQ(to_text(*divide(*parse_decimal("2"), *parse_decimal("3"))), "0.66666667");
  EXPECT_FALSE(divide(*parse_decimal("1"), *parse_decimal("0")));
  EXPECT_FALSE(multiply(*parse_decimal("999999999999999999"), *parse_decimal("999999999999999999")));
}

}  // namespace
}  // namespace socialrx::fhir::fhirpath
