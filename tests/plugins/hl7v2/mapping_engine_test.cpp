// The mapping engine apart from the shipped file: load-time validation (every error names file,
// line and key path) and the behaviour of each construct on small mappings and messages.

#include <gtest/gtest.h>

#include <string>

#include "fhir/json.hpp"
#include "plugins/hl7v2/mapping.hpp"
#include "plugins/hl7v2/parser.hpp"

namespace socialrx::plugins::hl7v2 {
namespace {

// A minimal valid mapping with `elements` for a Patient (lines 1–6 are fixed, so errors inside
// `elements` start at line 7).
std::string patient_mapping(const std::string& elements, const std::string& extra = "") {
  return "{\n"
         "  \"format\": \"socialrx-hl7v2-mapping/1\",\n" +
         extra +
         "  \"messages\": { \"ADT^A08\": { \"resources\": [ {\n"
         "    \"resourceType\": \"Patient\",\n"
         "    \"request\": { \"method\": \"PUT\", \"url\": \"Patient?identifier={identifier[0].value}\" },\n"
         "    \"elements\": {\n" +
         elements +
         "    } } ] } }\n"
         "}\n";
}

std::string load_error(const std::string& text) {
  MappingOrError loaded = load_mapping_text(text, "test.jsonc");
  EXPECT_EQ(loaded.mapping == nullptr, !loaded.error.empty());
  return loaded.error;
}

TEST(MappingLoader, UnknownTransformNamesFileLineAndKey) {
  const std::string error = load_error(patient_mapping(
      "      \"identifier\": [{ \"value\": { \"$from\": \"PID-3\" } }],\n"
      "      \"birthDate\": { \"$from\": \"PID-7\", \"$transform\": \"dat\" },\n"));
  EXPECT_EQ(error.rfind("test.jsonc:8: messages.ADT^A08.resources[0].elements.birthDate: unknown transform 'dat'", 0),
            0u)
      << error;
}

TEST(MappingLoader, EachProblemIsFoundAtItsKey) {
  struct Case {
    std::string elements;
    std::string extra;
    std::string expected_start;
  };
  const Case cases[] = {
      {"      \"gender\": { \"$from\": \"PID8\" },\n", "",
       "test.jsonc:7: messages.ADT^A08.resources[0].elements.gender.$from: 'PID8' is not an HL7 position"},
      {"      \"gender\": { \"$from\": \"PID-8\", \"$map\": \"sex\" },\n", "",
       "test.jsonc:7: messages.ADT^A08.resources[0].elements.gender: no code map named 'sex'"},
      {"      \"gender\": { \"$form\": \"PID-8\" },\n", "",
       "test.jsonc:7: messages.ADT^A08.resources[0].elements.gender.$form: unknown key"},
      {"      \"name\": { \"$from\": \"PID-5.1\", \"$transform\": \"xpn-jp\" },\n", "",
       "test.jsonc:7: messages.ADT^A08.resources[0].elements.name: transform 'xpn-jp' reads a whole field"},
      {"      \"x\": { \"$from\": \"PID-3\", \"$const\": \"a\" },\n", "",
       "test.jsonc:7: messages.ADT^A08.resources[0].elements.x: give exactly one of"},
      {"      \"subject\": { \"reference\": { \"$entry\": \"patient\" } },\n", "",
       "test.jsonc:7: messages.ADT^A08.resources[0].elements.subject.reference: $entry 'patient' is not a resource "
       "built before this one"},
      {"      \"gender\": { \"$from\": \"PID-8\", \"$unmapped\": \"omit\" },\n", "",
       "test.jsonc:7: messages.ADT^A08.resources[0].elements.gender: $unmapped only with $map"},
      {"      \"gender\": null,\n", "",
       "test.jsonc:7: messages.ADT^A08.resources[0].elements.gender: null is not a value"},
      {"      \"gender\": \"x\",\n", "  \"timezone\": \"JST\",\n", "test.jsonc:3: timezone: must be an offset"},
      {"      \"gender\": \"x\",\n", "  \"code_maps\": { \"g\": {} },\n",
       "test.jsonc:3: code_maps.g: must be a non-empty object"},
      {"      \"gender\": \"x\",\n", "  \"colour\": 1,\n", "test.jsonc:3: colour: unknown key"},
  };
  for (const Case& c : cases) {
    const std::string error = load_error(patient_mapping(c.elements, c.extra));
    EXPECT_EQ(error.rfind(c.expected_start, 0), 0u) << "got: " << error;
  }
}

TEST(MappingLoader, RequestsMustBeConditional) {
  const std::string text =
      "{ \"format\": \"socialrx-hl7v2-mapping/1\",\n"
      "  \"messages\": { \"ADT^A08\": { \"resources\": [ {\n"
      "    \"resourceType\": \"Patient\",\n"
      "    \"request\": { \"method\": \"PUT\", \"url\": \"Patient\" },\n"
      "    \"elements\": { \"gender\": \"male\" } } ] } } }\n";
  EXPECT_EQ(load_error(text).rfind("test.jsonc:4: messages.ADT^A08.resources[0].request.url: must be a conditional URL", 0),
            0u)
      << load_error(text);
  std::string without = text;
  without.replace(without.find("    \"request\""), without.find("    \"elements\"") - without.find("    \"request\""), "");
  EXPECT_NE(load_error(without).find("request is missing"), std::string::npos) << load_error(without);
}

TEST(MappingLoader, MessageTypesAndFormat) {
  EXPECT_EQ(load_error("{ \"format\": \"other\", \"messages\": {} }").rfind("test.jsonc:1: format: must be", 0), 0u);
  EXPECT_NE(load_error("{ \"format\": \"socialrx-hl7v2-mapping/1\",\n \"messages\": { \"ADT-A08\": {} } }")
                .find("test.jsonc:2: messages.ADT-A08: a message type is written CODE^EVENT"),
            std::string::npos);
  EXPECT_NE(load_error("{ \"format\": ").find("test.jsonc: "), std::string::npos);
  EXPECT_NE(load_mapping_file("/nonexistent/x.jsonc").error.find("cannot be read"), std::string::npos);
}

// --- applying ---------------------------------------------------------------------------------

const char* kHeader = "MSH|^~\\&|HIS|0910112341|GW|RCV|20240401093000||ADT^A08^ADT_A01|1|P|2.5||||||UNICODE UTF-8\r";

DecodeResult decode(const std::string& mapping_text, const std::string& segments) {
  MappingOrError loaded = load_mapping_text(mapping_text, "test.jsonc");
  EXPECT_NE(loaded.mapping, nullptr) << loaded.error;
  if (!loaded.mapping) return {};
  ParseResult parsed = parse(std::string(kHeader) + segments);
  EXPECT_TRUE(parsed.message.has_value());
  if (!parsed.message) return {};
  return apply_mapping(*loaded.mapping, *parsed.message);
}

fhir::json::Value first_resource(const DecodeResult& result, fhir::json::Document& keep) {
  fhir::json::ParseResult parsed = fhir::json::parse(result.bundle);
  EXPECT_TRUE(parsed.document.has_value()) << result.bundle;
  keep = std::move(*parsed.document);
  return *keep.root().find("entry")->items()[0].find("resource");
}

const std::string kIdentifier = "      \"identifier\": [{ \"value\": { \"$from\": \"PID-3\", \"$required\": true } }],\n";

TEST(MappingEngine, UnmappedCodeIsADataErrorAtItsPosition) {
  DecodeResult result = decode(
      patient_mapping(kIdentifier + "      \"gender\": { \"$from\": \"PID-8\", \"$map\": \"g\" },\n",
                      "  \"code_maps\": { \"g\": { \"M\": \"male\" } },\n"),
      "PID|1||42||||19620315|X\r");
  ASSERT_EQ(result.disposition, Disposition::data_error);
  ASSERT_EQ(result.issues.size(), 1u);
  EXPECT_EQ(result.issues[0].code, "code-invalid");
  EXPECT_EQ(result.issues[0].location, "PID-8");
  EXPECT_EQ(result.issues[0].diagnostics.find('X'), std::string::npos) << "no field values in issues";
}

TEST(MappingEngine, ImpossibleDateIsADataError) {
  DecodeResult result = decode(
      patient_mapping(kIdentifier + "      \"birthDate\": { \"$from\": \"PID-7\", \"$transform\": \"date\" },\n"),
      "PID|1||42||||19620230|F\r");
  ASSERT_EQ(result.disposition, Disposition::data_error);
  EXPECT_EQ(result.issues.at(0).code, "value");
  EXPECT_EQ(result.issues.at(0).location, "PID-7");
}

TEST(MappingEngine, OtherVersionsAreRejected) {
  DecodeResult result = decode(patient_mapping(kIdentifier, "  \"versions\": [\"2.3\"],\n"), "PID|1||42\r");
  ASSERT_EQ(result.disposition, Disposition::rejected);
  EXPECT_EQ(result.issues.at(0).location, "MSH-12");
}

TEST(MappingEngine, FirstWhenConcatDefaultAndDroppedObjects) {
  DecodeResult result = decode(
      patient_mapping(kIdentifier +
                      "      \"gender\": { \"$first\": [ { \"$from\": \"PID-8\", \"$map\": \"g\", \"$unmapped\": \"omit\" },"
                      " { \"$const\": \"other\", \"$when\": \"PID-7\" }, \"unknown\" ] },\n"
                      "      \"birthDate\": { \"$from\": \"PID-7\", \"$transform\": \"date\", \"$default\": \"1900\" },\n"
                      "      \"telecom\": [ { \"system\": \"email\", \"value\": { \"$from\": \"PID-13.4\" } },\n"
                      "                   { \"system\": \"url\", \"value\": { \"$concat\": [\"https://x/\", { \"$from\": \"PID-3\" }] } } ],\n",
                      "  \"code_maps\": { \"g\": { \"M\": \"male\" } },\n"),
      "PID|1||42||||19620315|Q\r");
  ASSERT_EQ(result.disposition, Disposition::accepted) << (result.issues.empty() ? "" : result.issues[0].diagnostics);
  fhir::json::Document keep;
  const fhir::json::Value patient = first_resource(result, keep);
  EXPECT_EQ(patient.string_at("gender"), "other");       // Q unmapped → omitted; PID-7 present → "other"
  EXPECT_EQ(patient.string_at("birthDate"), "1962-03-15");
  // The e-mail template had no value and vanished; the url one was built from its parts.
  ASSERT_EQ(patient.find("telecom")->size(), 1u);
  EXPECT_EQ(patient.find("telecom")->items()[0].string_at("value"), "https://x/42");
}

TEST(MappingEngine, EveryRepetitionAndForEachSegment) {
  DecodeResult result = decode(
      patient_mapping(kIdentifier +
                      "      \"name\": { \"$from\": \"PID-5[*]\", \"$transform\": \"xpn-jp\" },\n"
                      "      \"contact\": { \"$for_each\": \"NK1\", \"$template\": { \"name\": { \"$from\": \"NK1-2\", "
                      "\"$transform\": \"xpn-jp\" } } },\n"),
      "PID|1||42||山田^太郎^^^^^L^I~ﾔﾏﾀﾞ^ﾀﾛｳ^^^^^L^P\rNK1|1|山田^花子\rNK1|2|山田^一郎\r");
  ASSERT_EQ(result.disposition, Disposition::accepted);
  fhir::json::Document keep;
  const fhir::json::Value patient = first_resource(result, keep);
  ASSERT_EQ(patient.find("name")->size(), 2u);
  EXPECT_EQ(patient.find("name")->items()[1].string_at("text"), "ヤマダ タロウ");  // half-width kana → full-width
  ASSERT_EQ(patient.find("contact")->size(), 2u);
  EXPECT_EQ(patient.find("contact")->items()[1].find("name")->string_at("text"), "山田 一郎");
}

// Names take JP Core's form: half-width kana widened, white space inside (U+3000, tabs, several
// spaces) one ASCII space; names already in that form come through unchanged.
TEST(MappingEngine, NamesTakeJpCoresForm) {
  DecodeResult result = decode(
      patient_mapping(kIdentifier + "      \"name\": { \"$from\": \"PID-5[*]\", \"$transform\": \"xpn-jp\" },\n"),
      "PID|1||42||山\xE3\x80\x80田^太\t \t郎~ｳﾂﾉﾐﾔ^ﾊﾅｺ~宇都宮^花子\r");
  ASSERT_EQ(result.disposition, Disposition::accepted);
  fhir::json::Document keep;
  const fhir::json::Value patient = first_resource(result, keep);
  ASSERT_EQ(patient.find("name")->size(), 3u);
  EXPECT_EQ(patient.find("name")->items()[0].string_at("family"), "山 田");
  EXPECT_EQ(patient.find("name")->items()[0].string_at("text"), "山 田 太 郎");
  EXPECT_EQ(patient.find("name")->items()[1].string_at("text"), "ウツノミヤ ハナコ");
  EXPECT_EQ(patient.find("name")->items()[2].string_at("text"), "宇都宮 花子");
}

TEST(MappingEngine, DateTimesGetTheMappingsZoneUnlessTheyCarryOne) {
  DecodeResult result = decode(
      patient_mapping(kIdentifier +
                      "      \"deceasedDateTime\": { \"$from\": \"PID-29\", \"$transform\": \"datetime\" },\n",
                      "  \"timezone\": \"+09:00\",\n"),
      "PID|1||42||||||||||||||||||||||||||202401051030\r");
  ASSERT_EQ(result.disposition, Disposition::accepted);
  fhir::json::Document keep;
  EXPECT_EQ(first_resource(result, keep).string_at("deceasedDateTime"), "2024-01-05T10:30:00+09:00");
  DecodeResult with_zone = decode(
      patient_mapping(kIdentifier +
                      "      \"deceasedDateTime\": { \"$from\": \"PID-29\", \"$transform\": \"datetime\" },\n"),
      "PID|1||42||||||||||||||||||||||||||20240105103015.25-0500\r");
  fhir::json::Document keep2;
  EXPECT_EQ(first_resource(with_zone, keep2).string_at("deceasedDateTime"), "2024-01-05T10:30:15.25-05:00");
}

}  // namespace
}  // namespace socialrx::plugins::hl7v2
