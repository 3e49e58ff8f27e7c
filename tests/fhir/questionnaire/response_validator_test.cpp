#include "fhir/questionnaire/response_validator.hpp"

#include <gtest/gtest.h>

#include <string>

#include "tests/fhir/questionnaire/test_support.hpp"

namespace socialrx::fhir::questionnaire {
namespace {

using testing::listed;
using testing::load_file;
using testing::parse_json;

using Lines = std::vector<std::string>;

Issues validate(const QuestionnaireIndex& index, std::string_view response) {
  json::Document document = parse_json(response);
  return validate_response(index, document.root());
}

// A response to test-household; `items` is the JSON of the top-level item array's content.
std::string household(std::string_view items, std::string_view status = "completed") {
  return R"({"resourceType":"QuestionnaireResponse","status":")" + std::string(status) +
         R"(","questionnaire":"https://socialrx.jp/fhir/Questionnaire/test-household|1.0.0","item":[)" +
         std::string(items) + "]}";
}

constexpr const char* kSdh = "https://socialrx.jp/fhir/CodeSystem/sdh-answer";
std::string coding(std::string_view code) {
  return R"({"valueCoding":{"system":")" + std::string(kSdh) + R"(","code":")" + std::string(code) + R"("}})";
}

// Pieces of a complete, valid household response.
const std::string kAlone = R"({"linkId":"living-alone","text":"一人暮らしですか","answer":[{"valueBoolean":false}]})";
const std::string kChildFour = R"({"linkId":"child","item":[{"linkId":"child-age","answer":[{"valueInteger":4}]}]})";
const std::string kChildTen = R"({"linkId":"child","item":[{"linkId":"child-age","answer":[{"valueInteger":10}]},
    {"linkId":"child-school","answer":[)" + coding("yes") + R"(]},
    {"linkId":"school-name","answer":[{"valueString":"第一小学校"}]}]})";
const std::string kHousehold = R"({"linkId":"household","item":[{"linkId":"adults","answer":[{"valueInteger":2}]},)" +
                               kChildFour + "," + kChildTen + "]}";
const std::string kWorry = R"({"linkId":"worry","answer":[)" + coding("often").substr(0, coding("often").size() - 1) +
                           R"(,"item":[{"linkId":"worry-detail","answer":[{"valueString":"家賃"}]}]}]})";
const std::string kSupport = R"({"linkId":"support","item":[{"linkId":"has-helper","answer":[{"valueBoolean":true}]},
    {"linkId":"helper-kind","answer":[)" + coding("family") + R"(,{"valueString":"近所の人"}]},
    {"linkId":"helper-contact","answer":[{"valueString":"090-0000-0000"}]}]})";

std::string valid_household() {
  return household(R"({"linkId":"intro"},)" + kAlone + "," + kHousehold + "," + kWorry + "," + kSupport);
}

const std::string kHouse = "QuestionnaireResponse.item.where(linkId='household')";

class ResponseValidatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    household_ = load_file("household.json");
    types_ = load_file("types.json");
    ASSERT_TRUE(household_ && types_);
  }
  Lines errors(const std::string& response) const { return listed(validate(*household_, response)); }
  std::shared_ptr<const QuestionnaireIndex> household_, types_;
};

TEST_F(ResponseValidatorTest, ValidResponseHasNoIssues) {
  const Issues issues = validate(*household_, valid_household());
  EXPECT_TRUE(issues.empty()) << to_operation_outcome_json(issues);
}

TEST_F(ResponseValidatorTest, PathNamesTheRepeatingGroupInstance) {
  std::string child = kChildTen;
  child.replace(child.find("10"), 2, "18");
  const std::string response = household(kAlone + R"(,{"linkId":"household","item":[{"linkId":"adults","answer":[{"valueInteger":2}]},)" +
                                         kChildFour + "," + child + "]}," + kWorry);
  EXPECT_EQ(errors(response),
            Lines{"value " + kHouse +
                  ".item.where(linkId='child')[1].item.where(linkId='child-age').answer[0].valueInteger"});
}

TEST_F(ResponseValidatorTest, AnswerOnDisabledItemIsABusinessRuleError) {
  // The 4-year-old's school question is not enabled (child-age >= 6).
  const std::string four = R"({"linkId":"child","item":[{"linkId":"child-age","answer":[{"valueInteger":4}]},
      {"linkId":"child-school","answer":[)" + coding("no") + "]}]}";
  const std::string response = household(kAlone + R"(,{"linkId":"household","item":[{"linkId":"adults","answer":[{"valueInteger":1}]},)" +
                                         four + "," + kChildTen + "]}," + kWorry);
  EXPECT_EQ(errors(response),
            Lines{"business-rule " + kHouse +
                  ".item.where(linkId='child')[0].item.where(linkId='child-school').answer[0]"});
}

TEST_F(ResponseValidatorTest, RequiredOnlyWhereEnabled) {
  // Second child (10) lacks child-school, which is enabled there; the first (4) needs none.
  const std::string ten = R"({"linkId":"child","item":[{"linkId":"child-age","answer":[{"valueInteger":10}]}]})";
  const std::string response = household(kAlone + R"(,{"linkId":"household","item":[{"linkId":"adults","answer":[{"valueInteger":1}]},)" +
                                         kChildFour + "," + ten + "]}," + kWorry);
  EXPECT_EQ(errors(response),
            Lines{"required " + kHouse + ".item.where(linkId='child')[1].item.where(linkId='child-school')"});
}

TEST_F(ResponseValidatorTest, DisabledRequiredItemsAreNotDemanded) {
  // Living alone: the household group (with its required adults) is disabled.
  const std::string response =
      household(R"({"linkId":"living-alone","answer":[{"valueBoolean":true}]},)" + kWorry);
  EXPECT_EQ(errors(response), Lines{});
}

TEST_F(ResponseValidatorTest, RequiredTopLevelAndNestedMissing) {
  const std::string response = household(R"({"linkId":"household","item":[]})");
  // living-alone and worry are missing; household is present but disabled (living-alone is not
  // answered false), so adults is not demanded, and the group's presence is not an answer.
  EXPECT_EQ(errors(response), (Lines{"required QuestionnaireResponse.item.where(linkId='living-alone')",
                                     "required QuestionnaireResponse.item.where(linkId='worry')"}));
}

TEST_F(ResponseValidatorTest, RequiredGroupContentWhenEnabled) {
  const std::string response = household(kAlone + R"(,{"linkId":"household","item":[]},)" + kWorry);
  EXPECT_EQ(errors(response), Lines{"required " + kHouse + ".item.where(linkId='adults')"});
}

TEST_F(ResponseValidatorTest, InProgressMayBePartial) {
  EXPECT_EQ(errors(household(R"({"linkId":"intro"})", "in-progress")), Lines{});
  EXPECT_EQ(errors(household(R"({"linkId":"intro"})", "amended")).size(), 2u);
}

TEST_F(ResponseValidatorTest, ChainOfEnableWhenDecidesWhatIsRequired) {
  // has-helper true and a helper kind given: helper-contact is enabled and required.
  const std::string with_kind = household(kAlone + R"(,{"linkId":"household","item":[{"linkId":"adults","answer":[{"valueInteger":1}]}]},)" + kWorry +
      R"(,{"linkId":"support","item":[{"linkId":"has-helper","answer":[{"valueBoolean":true}]},
         {"linkId":"helper-kind","answer":[{"valueString":"近所の人"}]}]})");
  EXPECT_EQ(errors(with_kind),
            Lines{"required QuestionnaireResponse.item.where(linkId='support').item.where(linkId='helper-contact')"});
  // has-helper false: helper-kind is disabled, so helper-contact is neither enabled nor demanded.
  const std::string without = household(kAlone + R"(,{"linkId":"household","item":[{"linkId":"adults","answer":[{"valueInteger":1}]}]},)" + kWorry +
      R"(,{"linkId":"support","item":[{"linkId":"has-helper","answer":[{"valueBoolean":false}]}]})");
  EXPECT_EQ(errors(without), Lines{});
}

TEST_F(ResponseValidatorTest, ItemsNestedUnderAnswers) {
  const std::string worry_without_detail = R"({"linkId":"worry","answer":[)" + coding("sometimes") + "]}";
  const std::string base = kAlone + R"(,{"linkId":"household","item":[{"linkId":"adults","answer":[{"valueInteger":1}]}]},)";
  EXPECT_EQ(errors(household(base + worry_without_detail)),
            Lines{"required QuestionnaireResponse.item.where(linkId='worry').answer[0].item.where(linkId='worry-detail')"});
  // "never" disables the detail.
  EXPECT_EQ(errors(household(base + R"({"linkId":"worry","answer":[)" + coding("never") + "]}")), Lines{});
  // A question's child belongs in answer.item, not in item.
  const std::string misplaced = R"({"linkId":"worry","answer":[)" + coding("never") +
                                R"(],"item":[{"linkId":"worry-detail","answer":[{"valueString":"x"}]}]})";
  EXPECT_EQ(errors(household(base + misplaced)),
            Lines{"structure QuestionnaireResponse.item.where(linkId='worry').item.where(linkId='worry-detail')"});
}

TEST_F(ResponseValidatorTest, ChoiceMustComeFromTheContainedValueSet) {
  const std::string base = kAlone + R"(,{"linkId":"household","item":[{"linkId":"adults","answer":[{"valueInteger":1}]}]},)";
  // "rarely" is not "never", so the detail is enabled (and required) all the same.
  EXPECT_EQ(errors(household(base + R"({"linkId":"worry","answer":[)" + coding("rarely") + "]}")),
            (Lines{"code-invalid QuestionnaireResponse.item.where(linkId='worry').answer[0].valueCoding",
                   "required QuestionnaireResponse.item.where(linkId='worry').answer[0].item.where(linkId='worry-detail')"}));
}

TEST_F(ResponseValidatorTest, StructureProblems) {
  const std::string adults = R"({"linkId":"adults","answer":[{"valueInteger":1}]})";
  const std::string base = kAlone + R"(,{"linkId":"household","item":[)" + adults + "]}";
  // unknown linkId
  EXPECT_EQ(errors(household(base + "," + kWorry + R"(,{"linkId":"nope","answer":[{"valueString":"x"}]})")),
            Lines{"structure QuestionnaireResponse.item.where(linkId='nope')"});
  // an item under the wrong parent
  EXPECT_EQ(errors(household(base + "," + kWorry + "," + adults)),
            Lines{"structure QuestionnaireResponse.item.where(linkId='adults')"});
  // out of order: the items after worry come before it in the Questionnaire
  EXPECT_EQ(errors(household(kWorry + "," + base)),
            (Lines{"structure QuestionnaireResponse.item.where(linkId='living-alone')",
                   "structure " + kHouse}));
  // a group that does not repeat, twice (the second occurrence is still checked)
  EXPECT_EQ(errors(household(base + "," + R"({"linkId":"household","item":[]},)" + kWorry)),
            (Lines{"structure " + kHouse + "[1]",
                   "required " + kHouse + "[1].item.where(linkId='adults')"}));
  // a question twice, and a non-repeating question with two answers
  EXPECT_EQ(errors(household(kAlone + "," + kAlone + R"(,{"linkId":"household","item":[{"linkId":"adults","answer":[{"valueInteger":1},{"valueInteger":2}]}]},)" + kWorry)),
            (Lines{"structure QuestionnaireResponse.item.where(linkId='living-alone')[1]",
                   "structure " + kHouse + ".item.where(linkId='adults').answer[1]"}));
}

TEST_F(ResponseValidatorTest, DisplayAndGroupItemsCarryNoAnswers) {
  const std::string response = household(R"({"linkId":"intro","answer":[{"valueString":"x"}]},)" + kAlone +
      R"(,{"linkId":"household","answer":[{"valueString":"x"}],"item":[{"linkId":"adults","answer":[{"valueInteger":1}]}]},)" + kWorry);
  EXPECT_EQ(errors(response), (Lines{"structure QuestionnaireResponse.item.where(linkId='intro').answer[0]",
                                     "structure " + kHouse + ".answer[0]"}));
}

TEST_F(ResponseValidatorTest, DifferentItemTextIsAWarning) {
  std::string response = valid_household();
  response.replace(response.find("一人暮らしですか"), std::string("一人暮らしですか").size(), "同居者はいますか");
  const Issues issues = validate(*household_, response);
  EXPECT_EQ(listed(issues), Lines{});
  EXPECT_EQ(listed(issues, Severity::warning),
            Lines{"value QuestionnaireResponse.item.where(linkId='living-alone').text"});
}

TEST_F(ResponseValidatorTest, QuestionnaireReference) {
  std::string response = valid_household();
  response.replace(response.find("|1.0.0"), 6, "|2.0.0");
  EXPECT_EQ(errors(response), Lines{"processing QuestionnaireResponse.questionnaire"});
  EXPECT_EQ(errors(R"({"resourceType":"QuestionnaireResponse","status":"in-progress"})"),
            Lines{"required QuestionnaireResponse.questionnaire"});
  const Issue missing = questionnaire_not_found("https://socialrx.jp/fhir/Questionnaire/x|9");
  EXPECT_EQ(missing.code, IssueType::not_found);
  EXPECT_EQ(missing.expression, "QuestionnaireResponse.questionnaire");
  EXPECT_NE(missing.diagnostics.find("https://socialrx.jp/fhir/Questionnaire/x|9"), std::string::npos);
}

TEST_F(ResponseValidatorTest, ReportsEveryProblemNotOnlyTheFirst) {
  const std::string response = household(R"({"linkId":"intro","answer":[{"valueString":"x"}]},)"
      R"({"linkId":"living-alone","answer":[{"valueString":"no"}]},{"linkId":"nope"},)" +
      std::string(R"({"linkId":"worry","answer":[)") + coding("rarely") + "]}");
  const Issues issues = validate(*household_, response);
  EXPECT_EQ(listed(issues), (Lines{"structure QuestionnaireResponse.item.where(linkId='intro').answer[0]",
                                   "value QuestionnaireResponse.item.where(linkId='living-alone').answer[0].valueString",
                                   "structure QuestionnaireResponse.item.where(linkId='nope')",
                                   "code-invalid QuestionnaireResponse.item.where(linkId='worry').answer[0].valueCoding",
                                   "required QuestionnaireResponse.item.where(linkId='worry').answer[0].item.where(linkId='worry-detail')"}));
  for (const Issue& issue : issues) EXPECT_FALSE(issue.diagnostics.empty());
}

// --- each answer type (types.json) ---

std::string typed(std::string_view link_id, std::string_view answer) {
  return R"({"resourceType":"QuestionnaireResponse","status":"completed",
    "questionnaire":"https://socialrx.jp/fhir/Questionnaire/test-types","item":[{"linkId":")" +
         std::string(link_id) + R"(","answer":[)" + std::string(answer) + "]}]}";
}

struct TypeCase {
  const char* link_id;
  const char* answer;
  const char* expected;  // "" when valid, else "code element" (the path is derived)
};

class ResponseAnswerTypes : public ::testing::TestWithParam<TypeCase> {};

TEST_P(ResponseAnswerTypes, Checks) {
  static const auto index = load_file("types.json");
  ASSERT_TRUE(index);
  const TypeCase& c = GetParam();
  const Issues issues = validate(*index, typed(c.link_id, c.answer));
  Lines expected;
  if (*c.expected != '\0') {
    const std::string text = c.expected;
    const std::size_t space = text.find(' ');
    expected.push_back(text.substr(0, space) + " QuestionnaireResponse.item.where(linkId='" + c.link_id +
                       "').answer[0]." + text.substr(space + 1));
  }
  EXPECT_EQ(listed(issues), expected) << c.link_id << " " << c.answer;
}

INSTANTIATE_TEST_SUITE_P(
    Response, ResponseAnswerTypes,
    ::testing::Values(
        TypeCase{"b", R"({"valueBoolean":true})", ""},
        TypeCase{"b", R"({"valueString":"true"})", "value valueString"},
        TypeCase{"d", R"({"valueDecimal":12.50})", ""},
        TypeCase{"d", R"({"valueInteger":12})", "value valueInteger"},
        TypeCase{"d", R"({"valueDecimal":0.49})", "value valueDecimal"},
        TypeCase{"d", R"({"valueDecimal":0.5})", ""},
        TypeCase{"d", R"({"valueDecimal":99.51})", "value valueDecimal"},
        TypeCase{"i", R"({"valueInteger":-5})", ""},
        TypeCase{"i", R"({"valueInteger":-6})", "value valueInteger"},
        TypeCase{"i", R"({"valueInteger":501})", "value valueInteger"},
        TypeCase{"short-int", R"({"valueInteger":-9})", ""},
        TypeCase{"short-int", R"({"valueInteger":100})", "too-long valueInteger"},
        TypeCase{"i", R"({"valueDecimal":1.0})", "value valueDecimal"},
        TypeCase{"day", R"({"valueDate":"2024-02-29"})", ""},
        TypeCase{"day", R"({"valueDate":"1999-12-31"})", "value valueDate"},
        TypeCase{"day", R"({"valueDate":"2031-01-01"})", "value valueDate"},
        TypeCase{"day", R"({"valueDateTime":"2024-02-29T10:00:00Z"})", "value valueDateTime"},
        TypeCase{"moment", R"({"valueDateTime":"2029-12-31T23:59:59Z"})", ""},
        TypeCase{"moment", R"({"valueDateTime":"2030-01-01T08:59:59+09:00"})", ""},
        TypeCase{"moment", R"({"valueDateTime":"2030-01-01T00:00:01Z"})", "value valueDateTime"},
        TypeCase{"moment", R"({"valueDate":"2024-01-01"})", "value valueDate"},
        TypeCase{"slot", R"({"valueTime":"13:30:00"})", ""},
        TypeCase{"slot", R"({"valueTime":"14:00:00"})", "value valueTime"},
        TypeCase{"s", R"({"valueString":"あいうえお"})", ""},
        TypeCase{"s", R"({"valueString":"あいうえおか"})", "too-long valueString"},
        TypeCase{"s", R"({"valueInteger":1})", "value valueInteger"},
        TypeCase{"tx", R"({"valueString":"abcd"})", ""},
        TypeCase{"tx", R"({"valueString":"abcde"})", "too-long valueString"},
        TypeCase{"u", R"({"valueUri":"https://example.org"})", ""},
        TypeCase{"u", R"({"valueString":"https://example.org"})", "value valueString"},
        TypeCase{"c", R"({"valueCoding":{"system":"http://example.org/cs","code":"a"}})", ""},
        TypeCase{"c", R"({"valueCoding":{"code":"a"}})", ""},
        TypeCase{"c", R"({"valueCoding":{"system":"http://example.org/cs","code":"b"}})", ""},
        TypeCase{"c", R"({"valueCoding":{"system":"http://other.org","code":"a"}})", "code-invalid valueCoding"},
        TypeCase{"c", R"({"valueCoding":{"system":"http://example.org/cs","code":"z"}})", "code-invalid valueCoding"},
        TypeCase{"c", R"({"valueString":"a"})", "value valueString"},
        TypeCase{"oc", R"({"valueString":"自由記述"})", ""},
        TypeCase{"oc", R"({"valueCoding":{"system":"http://example.org/cs","code":"a"}})", ""},
        TypeCase{"oc", R"({"valueCoding":{"system":"http://example.org/cs","code":"q"}})", "code-invalid valueCoding"},
        TypeCase{"oc", R"({"valueInteger":3})", "value valueInteger"},
        TypeCase{"att", R"({"valueAttachment":{"contentType":"image/png","url":"http://x/y.png"}})", ""},
        TypeCase{"att", R"({"valueString":"y.png"})", "value valueString"},
        TypeCase{"ref", R"({"valueReference":{"reference":"Patient/1"}})", ""},
        TypeCase{"ref", R"({"valueString":"Patient/1"})", "value valueString"},
        TypeCase{"qty", R"({"valueQuantity":{"value":80,"system":"http://unitsofmeasure.org","code":"kg","unit":"kg"}})", ""},
        TypeCase{"qty", R"({"valueQuantity":{"value":200.5,"system":"http://unitsofmeasure.org","code":"kg"}})", "value valueQuantity"},
        TypeCase{"qty", R"({"valueDecimal":80})", "value valueDecimal"},
        TypeCase{"pick", R"({"valueInteger":2})", ""},
        TypeCase{"pick", R"({"valueInteger":3})", "value valueInteger"},
        TypeCase{"word", R"({"valueString":"いいえ"})", ""},
        TypeCase{"word", R"({"valueString":"たぶん"})", "value valueString"},
        TypeCase{"many", R"({"valueString":"a"},{"valueString":"b"},{"valueString":"c"})", ""}));

}  // namespace
}  // namespace socialrx::fhir::questionnaire
