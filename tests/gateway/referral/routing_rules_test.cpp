// Loading conf/routing/routing-rules.jsonc: the shipped file, and every kind of error naming the
// file, the line and the key.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "gateway/directory/code_tables.hpp"
#include "gateway/referral/routing_rules.hpp"
#include "tests/gateway/referral/routing_test_support.hpp"

namespace socialrx::gateway::referral {
namespace {

// The message of the RoutingRulesError that parsing `text` throws, or "" when it loads.
std::string error_of(const std::string& text) {
  try {
    parse_routing_rules(text, "rules.jsonc");
  } catch (const RoutingRulesError& error) {
    return error.what();
  }
  return "";
}

// A valid file with one rule whose body is `rule` (the rule starts on line 3).
std::string with_rule(const std::string& rule) {
  return "{\n"
         "  \"rules\": [\n" +
         rule +
         ",\n"
         "    {\"id\": \"fallback\", \"needs\": [\"*\"], \"recipients\": [\"shakyo\"]}\n"
         "  ]\n"
         "}\n";
}

TEST(RoutingRules, TheShippedFileLoadsAndCoversEveryNeedDomain) {
  const RoutingRules rules = load_routing_rules(testing::shipped_rules_path());
  EXPECT_EQ(rules.source, testing::shipped_rules_path());
  ASSERT_FALSE(rules.rules.empty());
  EXPECT_EQ(rules.rules.back().id, "fallback");
  EXPECT_EQ(rules.capacity_preference,
            (std::vector<std::string>{"capacity", "unknown", "waitlist", "additional-assessment-required"}));
  EXPECT_FALSE(rules.capacity_rank("no-capacity").has_value());
  EXPECT_EQ(rules.capacity_rank(""), 1u);  // unknown

  // Every sdh-domain code is named by some rule other than the "*" fallback.
  std::set<std::string> named;
  for (const RoutingRule& rule : rules.rules) {
    EXPECT_GT(rule.line, 0u) << rule.id;
    for (const std::string& need : rule.needs) {
      if (need != kAnyNeed) named.insert(need);
    }
  }
  for (const directory::Code& code : directory::sdh_domains()) {
    EXPECT_TRUE(named.contains(std::string(code.code))) << code.code;
  }
  // The default path is the shipped file.
  EXPECT_TRUE(std::filesystem::equivalent(default_routing_rules_path(), testing::shipped_rules_path()));
}

TEST(RoutingRules, RulesKeepTheirFieldsAndOrder) {
  const RoutingRules rules = parse_routing_rules(
      "// comment\n"
      "{\"rules\": [\n"
      "  {\"id\": \"a\", \"description\": \"説明\", \"needs\": [\"loneliness\", \"social-support\"],\n"
      "   \"age\": {\"min\": 65, \"max\": 120}, \"municipalities\": [\"992011\"],\n"
      "   \"recipients\": [\"chiiki-houkatsu\", \"shakyo\"], \"ignore_service_age\": true,},\n"
      "  {\"id\": \"b\", \"needs\": [\"*\"], \"recipients\": [\"shakyo\"]},\n"
      "], \"capacity_preference\": [\"waitlist\", \"capacity\"]}\n",
      "x.jsonc");
  ASSERT_EQ(rules.rules.size(), 2u);
  const RoutingRule& a = rules.rules[0];
  EXPECT_EQ(a.id, "a");
  EXPECT_EQ(a.description, "説明");
  EXPECT_EQ(a.needs, (std::vector<std::string>{"loneliness", "social-support"}));
  EXPECT_EQ(a.age.min, 65);
  EXPECT_EQ(a.age.max, 120);
  EXPECT_EQ(a.municipalities, (std::vector<std::string>{"992011"}));
  EXPECT_EQ(a.recipients, (std::vector<std::string>{"chiiki-houkatsu", "shakyo"}));
  EXPECT_TRUE(a.ignore_service_age);
  EXPECT_EQ(a.line, 3u);
  EXPECT_TRUE(a.matches_need("loneliness"));
  EXPECT_FALSE(a.matches_need("food"));
  EXPECT_TRUE(rules.rules[1].matches_need("food"));
  EXPECT_FALSE(rules.rules[1].matches_need(""));
  EXPECT_FALSE(rules.rules[1].age.bounded());
  EXPECT_FALSE(rules.rules[1].ignore_service_age);
  EXPECT_EQ(rules.capacity_rank("capacity"), 1u);
  EXPECT_FALSE(rules.capacity_rank("").has_value());
}

TEST(RoutingRules, AgeBoundsAreInclusiveAndDescribeThemselves) {
  const AgeBounds elderly{65, std::nullopt};
  EXPECT_FALSE(elderly.contains(64));
  EXPECT_TRUE(elderly.contains(65));
  const AgeBounds child{std::nullopt, 17};
  EXPECT_TRUE(child.contains(17));
  EXPECT_FALSE(child.contains(18));
  EXPECT_EQ(elderly.describe(), "65歳以上");
  EXPECT_EQ(child.describe(), "17歳以下");
  EXPECT_EQ((AgeBounds{18, 64}.describe()), "18〜64歳");
}

TEST(RoutingRules, AnUnknownKeyIsNamedWithItsLine) {
  EXPECT_EQ(error_of(with_rule("    {\"id\": \"a\", \"needs\": [\"food\"],\n"
                               "     \"recipient\": [\"shakyo\"]}")),
            "rules.jsonc:4: rules[0].recipient: unknown key");
  EXPECT_EQ(error_of("{\"rules\": [{\"id\": \"a\", \"needs\": [\"food\"], \"recipients\": [\"shakyo\"]}],\n"
                     " \"capacity\": []}"),
            "rules.jsonc:2: capacity: unknown key");
}

TEST(RoutingRules, BadCodesAreNamed) {
  EXPECT_EQ(error_of(with_rule("    {\"id\": \"a\",\n"
                               "     \"needs\": [\"food\", \"lonely\"], \"recipients\": [\"shakyo\"]}")),
            "rules.jsonc:4: rules[0].needs: unknown sdh-domain code \"lonely\" (see "
            "conf/questionnaires/codesystem-sdh-domain.json)");
  EXPECT_EQ(error_of(with_rule("    {\"id\": \"a\", \"needs\": [\"food\"],\n"
                               "     \"recipients\": [\"houkatsu\"]}")),
            "rules.jsonc:4: rules[0].recipients: unknown recipient-kind code \"houkatsu\" (see "
            "conf/questionnaires/codesystem-recipient-kind.json)");
  EXPECT_NE(error_of(with_rule("    {\"id\": \"a\", \"needs\": [\"*\", \"food\"], \"recipients\": [\"shakyo\"]}"))
                .find("rules.jsonc:3: rules[0].needs: \"*\" stands alone"),
            std::string::npos);
  EXPECT_NE(error_of(with_rule("    {\"id\": \"a\", \"needs\": [\"food\"], \"recipients\": [\"shakyo\", \"shakyo\"]}"))
                .find("rules.jsonc:3: rules[0].recipients: \"shakyo\" is listed twice"),
            std::string::npos);
  EXPECT_NE(error_of("{\"rules\": [{\"id\": \"a\", \"needs\": [\"food\"], \"recipients\": [\"shakyo\"]}],\n"
                     " \"capacity_preference\": [\"capacity\", \"full\"]}")
                .find("rules.jsonc:2: capacity_preference: unknown capacity state \"full\""),
            std::string::npos);
  EXPECT_EQ(error_of(with_rule("    {\"id\": \"a\", \"needs\": \"food\", \"recipients\": [\"shakyo\"]}")),
            "rules.jsonc:3: rules[0].needs: must be a non-empty array");
}

TEST(RoutingRules, ADuplicateIdIsNamedAtTheSecondOne) {
  EXPECT_EQ(error_of("{\"rules\": [\n"
                     "  {\"id\": \"a\", \"needs\": [\"food\"], \"recipients\": [\"shakyo\"]},\n"
                     "  {\"needs\": [\"debt\"],\n"
                     "   \"id\": \"a\", \"recipients\": [\"shakyo\"]}\n"
                     "]}"),
            "rules.jsonc:4: rules[1].id: duplicate rule id \"a\"");
}

TEST(RoutingRules, ABadAgeRangeIsNamed) {
  EXPECT_EQ(error_of(with_rule("    {\"id\": \"a\", \"needs\": [\"food\"], \"recipients\": [\"shakyo\"],\n"
                               "     \"age\": {\"min\": 65, \"max\": 64}}")),
            "rules.jsonc:4: rules[0].age: min (65) is greater than max (64)");
  EXPECT_EQ(error_of(with_rule("    {\"id\": \"a\", \"needs\": [\"food\"], \"recipients\": [\"shakyo\"],\n"
                               "     \"age\": {\"min\": 151}}")),
            "rules.jsonc:4: rules[0].age.min: must be a whole number from 0 to 150");
  EXPECT_EQ(error_of(with_rule("    {\"id\": \"a\", \"needs\": [\"food\"], \"recipients\": [\"shakyo\"],\n"
                               "     \"age\": {\"max\": 17.5}}")),
            "rules.jsonc:4: rules[0].age.max: must be a whole number from 0 to 150");
  EXPECT_EQ(error_of(with_rule("    {\"id\": \"a\", \"needs\": [\"food\"], \"recipients\": [\"shakyo\"],\n"
                               "     \"age\": {}}")),
            "rules.jsonc:4: rules[0].age: give min, max or both (leave out \"age\" for any age)");
}

TEST(RoutingRules, AMunicipalityCodeWithABadCheckDigitIsNamed) {
  const std::string error = error_of(with_rule("    {\"id\": \"a\", \"needs\": [\"food\"], \"recipients\": [\"shakyo\"],\n"
                                               "     \"municipalities\": [\"992011\", \"992012\"]}"));
  EXPECT_EQ(error.rfind("rules.jsonc:4: rules[0].municipalities: \"992012\": ", 0), 0u) << error;
  EXPECT_NE(error.find("check digit"), std::string::npos) << error;
  // Full-width digits read as a code elsewhere, but the rules file wants the canonical form.
  EXPECT_NE(error_of(with_rule("    {\"id\": \"a\", \"needs\": [\"food\"], \"recipients\": [\"shakyo\"],\n"
                               "     \"municipalities\": [\"９９２０１１\"]}"))
                .find("rules.jsonc:4: rules[0].municipalities: "),
            std::string::npos);
}

TEST(RoutingRules, MissingPartsAreNamed) {
  EXPECT_EQ(error_of(with_rule("    {\"description\": \"no id\", \"needs\": [\"food\"], \"recipients\": [\"shakyo\"]}")),
            "rules.jsonc:3: rules[0]: a rule needs an \"id\"");
  EXPECT_EQ(error_of(with_rule("    {\"id\": \"a\", \"needs\": [\"food\"]}")),
            "rules.jsonc:3: rules[0] (a): a rule needs \"recipients\"");
  EXPECT_EQ(error_of("{}"), "rules.jsonc: rules: missing: the file needs a \"rules\" array");
  EXPECT_EQ(error_of("{\"rules\": []}"), "rules.jsonc:1: rules: must be a non-empty array of rules");
  EXPECT_EQ(error_of(with_rule("    {\"id\": \"a b\", \"needs\": [\"food\"], \"recipients\": [\"shakyo\"]}")),
            "rules.jsonc:3: rules[0].id: 1 to 64 of A-Z a-z 0-9 - . _");
}

TEST(RoutingRules, SyntaxErrorsAndMissingFilesNameTheFile) {
  const std::string syntax = error_of("{\"rules\": [\n  {\"id\": \"a\",, }\n]}");
  EXPECT_EQ(syntax.rfind("rules.jsonc: ", 0), 0u) << syntax;
  EXPECT_NE(syntax.find("line 2"), std::string::npos) << syntax;
  try {
    load_routing_rules("/nonexistent/routing.jsonc");
    FAIL() << "no error";
  } catch (const RoutingRulesError& error) {
    EXPECT_EQ(std::string(error.what()), "/nonexistent/routing.jsonc: cannot open the routing rules file");
  }
}

}  // namespace
}  // namespace socialrx::gateway::referral
