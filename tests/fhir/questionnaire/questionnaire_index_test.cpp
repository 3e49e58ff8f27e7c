#include "fhir/questionnaire/questionnaire_index.hpp"

#include <gtest/gtest.h>

#include "tests/fhir/questionnaire/test_support.hpp"

namespace socialrx::fhir::questionnaire {
namespace {

using testing::contains;
using testing::listed;
using testing::load_file;
using testing::load_text;
using testing::read_data;

TEST(QuestionnaireIndex, ReadsIdentityAndTree) {
  auto index = load_file("household.json");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->url(), "https://socialrx.jp/fhir/Questionnaire/test-household");
  EXPECT_EQ(index->version(), "1.0.0");
  EXPECT_EQ(index->status(), "active");
  ASSERT_EQ(index->top_level().size(), 5u);
  const Item* child = index->find("child");
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(child->type, ItemType::group);
  EXPECT_TRUE(child->repeats);
  EXPECT_EQ(child->depth, 1u);
  EXPECT_EQ(index->item(child->parent).link_id, "household");
  ASSERT_EQ(child->children.size(), 3u);
  EXPECT_EQ(index->item(child->children[2]).link_id, "school-name");
  EXPECT_EQ(index->item(child->children[2]).sibling_index, 2u);
  EXPECT_EQ(child->path, "Questionnaire.item[2].item[1]");
  EXPECT_EQ(index->find("nope"), nullptr);
  // Pre-order: ids follow the document.
  for (std::size_t i = 0; i < index->items().size(); ++i) EXPECT_EQ(index->items()[i].id, i);
}

TEST(QuestionnaireIndex, ReadsConstraints) {
  auto index = load_file("household.json");
  ASSERT_TRUE(index);
  const Item& age = *index->find("child-age");
  EXPECT_TRUE(age.required);
  EXPECT_FALSE(age.repeats);
  ASSERT_TRUE(age.min_value);
  EXPECT_EQ(age.min_value.type, ValueType::integer);
  EXPECT_EQ(age.min_value.node->text(), "0");
  EXPECT_EQ(age.max_value.node->text(), "17");
  const Item& name = *index->find("school-name");
  ASSERT_TRUE(name.max_length.has_value());
  EXPECT_EQ(*name.max_length, 20u);
  EXPECT_EQ(index->find("intro")->type, ItemType::display);
  EXPECT_EQ(index->find("intro")->text, "はじめに");
}

TEST(QuestionnaireIndex, ReadsAnswerOptionsWithTheirExtensions) {
  auto index = load_file("household.json");
  ASSERT_TRUE(index);
  const Item& kind = *index->find("helper-kind");
  EXPECT_EQ(kind.type, ItemType::open_choice);
  ASSERT_EQ(kind.answer_options.size(), 2u);
  EXPECT_EQ(kind.answer_options[0].value.type, ValueType::coding);
  EXPECT_EQ(coding_of(*kind.answer_options[0].value.node).code, "family");
  const json::Value* ordinal = kind.answer_options[0].extension(extension_url::ordinal_value);
  ASSERT_NE(ordinal, nullptr);
  EXPECT_EQ(ordinal->find("valueDecimal")->text(), "2");
  const json::Value* need = kind.answer_options[1].extension(extension_url::indicates_need);
  ASSERT_NE(need, nullptr);
  EXPECT_FALSE(need->find("valueBoolean")->as_bool());
  EXPECT_EQ(kind.answer_options[1].extension(extension_url::ordinal_value), nullptr);
}

TEST(QuestionnaireIndex, ResolvesContainedValueSet) {
  auto index = load_file("household.json");
  ASSERT_TRUE(index);
  const Item& worry = *index->find("worry");
  EXPECT_EQ(worry.answer_value_set, "#worry-scale");
  ASSERT_NE(worry.value_set, nullptr);
  ASSERT_EQ(worry.value_set->codes.size(), 3u);
  EXPECT_EQ(worry.value_set->codes[2].code, "never");
  EXPECT_EQ(worry.value_set->codes[2].system, "https://socialrx.jp/fhir/CodeSystem/sdh-answer");
}

TEST(QuestionnaireIndex, ReadsComposeConceptsOfContainedValueSet) {
  auto loaded = load_text(R"({"resourceType":"Questionnaire","url":"u","version":"1",
    "status":"draft","contained":[{"resourceType":"ValueSet","id":"vs","status":"active",
    "compose":{"include":[{"system":"http://s","concept":[{"code":"x"},{"code":"y"}]}]}}],
    "item":[{"linkId":"c","type":"choice","answerValueSet":"#vs"}]})");
  ASSERT_TRUE(loaded.index);
  EXPECT_TRUE(loaded.issues.empty());
  const Item& c = *loaded.index->find("c");
  ASSERT_NE(c.value_set, nullptr);
  ASSERT_EQ(c.value_set->codes.size(), 2u);
  EXPECT_EQ(c.value_set->codes[1].system, "http://s");
  EXPECT_EQ(c.value_set->codes[1].code, "y");
}

TEST(QuestionnaireIndex, ResolvesEnableWhenAndSharedDepth) {
  auto index = load_file("household.json");
  ASSERT_TRUE(index);
  const Item& school = *index->find("child-school");
  ASSERT_EQ(school.enable_when.size(), 1u);
  const EnableWhen& condition = school.enable_when[0];
  EXPECT_EQ(condition.question, "child-age");
  EXPECT_EQ(condition.question_item, index->find("child-age")->id);
  EXPECT_EQ(condition.op, EnableOperator::greater_or_equal);
  EXPECT_EQ(condition.answer.type, ValueType::integer);
  EXPECT_EQ(condition.shared_depth, 2u);  // household and child: the same child instance
  EXPECT_EQ(index->find("household")->enable_when[0].shared_depth, 0u);
  EXPECT_EQ(index->find("worry-detail")->enable_when[0].shared_depth, 0u);
  EXPECT_EQ(index->find("helper-contact")->enable_when[0].op, EnableOperator::exists);
}

TEST(QuestionnaireIndex, ExposesItemAndRootExtensionsAndNodes) {
  auto loaded = load_text(R"({"resourceType":"Questionnaire","url":"u","version":"1","status":"draft",
    "extension":[{"url":"https://socialrx.jp/fhir/StructureDefinition/sdh-risk","extension":[]},
                 {"url":"https://socialrx.jp/fhir/StructureDefinition/sdh-risk","extension":[]}],
    "item":[{"linkId":"a","type":"integer","code":[{"system":"http://loinc.org","code":"1-1"}],
      "extension":[{"url":"http://x/e","valueString":"one"},{"url":"http://x/e","valueString":"two"}]}]})");
  ASSERT_TRUE(loaded.index);
  const auto& index = *loaded.index;
  EXPECT_EQ(index.extensions("https://socialrx.jp/fhir/StructureDefinition/sdh-risk").size(), 2u);
  EXPECT_EQ(index.resource().string_at("resourceType"), "Questionnaire");
  const Item& a = *index.find("a");
  ASSERT_NE(a.code, nullptr);
  EXPECT_EQ(a.code->items()[0].string_at("code"), "1-1");
  EXPECT_EQ(a.extension("http://x/e")->string_at("valueString"), "one");
  ASSERT_EQ(a.extensions("http://x/e").size(), 2u);
  EXPECT_EQ(a.extensions("http://x/e")[1]->string_at("valueString"), "two");
  EXPECT_EQ(a.node->string_at("linkId"), "a");
}

TEST(QuestionnaireIndex, ReportsEveryLoadError) {
  auto loaded = load_text(read_data("load-errors.json"));
  ASSERT_TRUE(loaded.index);  // still built, for tools
  const std::vector<std::string> expected = {
      "duplicate Questionnaire.item[1].linkId",
      "invariant Questionnaire.item[2]",
      "structure Questionnaire.item[2].item",
      "value Questionnaire.item[6].answerOption[0].valueString",
      "invalid Questionnaire.item[12].type",
      "not-found Questionnaire.item[13].answerValueSet",
      "invariant Questionnaire.item[15]",
      "invariant Questionnaire.item[16].maxLength",
      "value Questionnaire.item[17].extension",
      "not-found Questionnaire.item[3].enableWhen[0].question",
      "value Questionnaire.item[4].enableWhen[0].answerCoding",
      "value Questionnaire.item[8].enableWhen[0].operator",
      "value Questionnaire.item[9].enableWhen[0].answerInteger",
      "invariant Questionnaire.item[10].enableBehavior",
      "invariant Questionnaire.item[11].enableWhen[0].question",
      "value Questionnaire.item[18].enableWhen[0].question",
  };
  EXPECT_EQ(listed(loaded.issues), expected);
  EXPECT_EQ(listed(loaded.issues, Severity::warning),
            std::vector<std::string>{"not-supported Questionnaire.item[14].answerValueSet"});
}

TEST(QuestionnaireIndex, RefusesWhatIsNotAQuestionnaire) {
  auto loaded = load_text(R"({"resourceType":"Patient"})");
  EXPECT_FALSE(loaded.index);
  EXPECT_TRUE(contains(loaded.issues, "invalid "));
}

TEST(QuestionnaireIndex, ReportsMissingLinkIdTypeAndOperator) {
  auto loaded = load_text(R"({"resourceType":"Questionnaire","status":"draft","item":[
    {"type":"string"},
    {"linkId":"x"},
    {"linkId":"y","type":"string","enableWhen":[{"question":"x","answerString":"a"}]},
    {"linkId":"z","type":"string","enableWhen":[{"question":"y","operator":"~","answerString":"a"}]},
    {"linkId":"w","type":"string","enableWhen":[{"question":"y","operator":"="}]},
    {"linkId":"v","type":"string","enableBehavior":"some","enableWhen":[{"question":"y","operator":"=","answerString":"a"}]}]})");
  const std::vector<std::string> expected = {
      "required Questionnaire.item[0].linkId",
      "required Questionnaire.item[1].type",
      "required Questionnaire.item[2].enableWhen[0].operator",
      "invalid Questionnaire.item[3].enableWhen[0].operator",
      "required Questionnaire.item[4].enableWhen[0]",
      "invalid Questionnaire.item[5].enableBehavior",
  };
  EXPECT_EQ(listed(loaded.issues), expected);
}

TEST(QuestionnaireIndex, DisplayItemCannotBeReadOnly) {
  auto loaded = load_text(R"({"resourceType":"Questionnaire","status":"draft","item":[
    {"linkId":"d","type":"display","readOnly":true}]})");
  EXPECT_EQ(listed(loaded.issues), std::vector<std::string>{"invariant Questionnaire.item[0].readOnly"});
}

TEST(QuestionnaireIndex, DuplicateLinkIdInNestedItems) {
  auto loaded = load_text(R"({"resourceType":"Questionnaire","status":"draft","item":[
    {"linkId":"g","type":"group","item":[{"linkId":"a","type":"string"},
      {"linkId":"g2","type":"group","item":[{"linkId":"a","type":"string"}]}]}]})");
  EXPECT_EQ(listed(loaded.issues),
            std::vector<std::string>{"duplicate Questionnaire.item[0].item[1].item[0].linkId"});
}

TEST(QuestionnaireIndex, TypeNames) {
  EXPECT_EQ(item_type_from_code("open-choice"), ItemType::open_choice);
  EXPECT_EQ(item_type_code(ItemType::open_choice), "open-choice");
  EXPECT_FALSE(item_type_from_code("question").has_value());
  EXPECT_EQ(answer_value_type(ItemType::url), ValueType::uri);
  EXPECT_EQ(answer_value_type(ItemType::text), ValueType::string);
  EXPECT_EQ(enable_operator_from_code("<="), EnableOperator::less_or_equal);
  EXPECT_EQ(enable_operator_code(EnableOperator::not_equal), "!=");
}

}  // namespace
}  // namespace socialrx::fhir::questionnaire
