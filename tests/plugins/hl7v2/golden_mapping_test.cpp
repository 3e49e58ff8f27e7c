// Golden tests of the shipped SS-MIX2 mapping (mappings/hl7v2/ssmix2.jsonc), data-driven like
// DuckDB's test files: every folder under tests/mappings/hl7v2/ is one case.
//
//   input.hl7     the message's bytes as a sender sends them (segments end in CR), or
//   input.txt     the message as UTF-8 text, one segment per line, and optionally
//   charset       the encoding to send it in ("ISO-2022-JP" or "CP932"), done here with ICU
//                 directly (not with the plugin's own encoder) so that the decoder is checked
//                 against an independent encoding;
//   expected.json what decoding gives: the transaction Bundle when accepted, otherwise an
//                 OperationOutcome whose issues carry the HL7 locations and whose extension
//                 says the disposition (data_error or rejected).
//
// The comparison is exact after canonical formatting (member order matters). Every Bundle is
// also checked with fhir/'s validator; tests/mappings/hl7v2/ is run through HL7's R4 JSON schema
// by the mapping_golden_r4_schema ctest. After an intended mapping change, regenerate with
//   SOCIALRX_UPDATE_GOLDEN=1 build/tests/socialrx_plugin_tests --gtest_filter='Golden*'
// and review the diff of the expected.json files before committing them.

#include <gtest/gtest.h>
#include <unicode/ucnv.h>
#include <unicode/ustring.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fhir/json.hpp"
#include "fhir/validator.hpp"
#include "plugins/hl7v2/mapping.hpp"
#include "plugins/hl7v2/parser.hpp"

namespace socialrx::plugins::hl7v2 {
namespace {

namespace fs = std::filesystem;

const fs::path kCases = fs::path(SOCIALRX_SOURCE_DIR) / "tests" / "mappings" / "hl7v2";
const std::string kDispositionExtension = "https://socialrx.jp/fhir/StructureDefinition/hl7v2-decode-disposition";

std::string read_file(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

// UTF-8 → `charset` with ICU, failing on any character the charset cannot carry (a substitute
// character would make the test check something else than it says).
std::string encode_with_icu(const std::string& utf8, const std::string& charset) {
  UErrorCode status = U_ZERO_ERROR;
  std::u16string utf16(utf8.size() + 1, u'\0');
  int32_t length = 0;
  u_strFromUTF8(reinterpret_cast<UChar*>(utf16.data()), static_cast<int32_t>(utf16.size()), &length, utf8.data(),
                static_cast<int32_t>(utf8.size()), &status);
  if (U_FAILURE(status)) throw std::runtime_error("input.txt is not UTF-8");
  utf16.resize(static_cast<std::size_t>(length));
  const char* icu_name = charset == "CP932" ? "windows-31j" : charset.c_str();
  UConverter* converter = ucnv_open(icu_name, &status);
  if (U_FAILURE(status)) throw std::runtime_error("ICU has no converter " + charset);
  ucnv_setFromUCallBack(converter, UCNV_FROM_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
  std::string out(utf16.size() * 8 + 16, '\0');
  const int32_t written =
      ucnv_fromUChars(converter, out.data(), static_cast<int32_t>(out.size()),
                      reinterpret_cast<const UChar*>(utf16.data()), static_cast<int32_t>(utf16.size()), &status);
  ucnv_close(converter);
  if (U_FAILURE(status)) throw std::runtime_error("input.txt has a character " + charset + " cannot carry");
  out.resize(static_cast<std::size_t>(written));
  return out;
}

std::string message_bytes(const fs::path& folder) {
  if (fs::exists(folder / "input.hl7")) return read_file(folder / "input.hl7");
  std::string text = read_file(folder / "input.txt");
  std::replace(text.begin(), text.end(), '\n', '\r');  // HL7 segments end in CR
  if (fs::exists(folder / "charset")) return encode_with_icu(text, trim(read_file(folder / "charset")));
  return text;
}

std::string json_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string_view disposition_name(Disposition disposition) {
  switch (disposition) {
    case Disposition::accepted: return "accepted";
    case Disposition::data_error: return "data_error";
    case Disposition::rejected: return "rejected";
  }
  return "";
}

std::string_view severity_name(PluginIssue::Severity severity) {
  switch (severity) {
    case PluginIssue::Severity::error: return "error";
    case PluginIssue::Severity::warning: return "warning";
    case PluginIssue::Severity::information: return "information";
  }
  return "";
}

// What a case produced, as FHIR JSON: the Bundle, or an OperationOutcome of the issues.
std::string decode_to_json(const Mapping& mapping, const std::string& bytes) {
  ParseResult parsed = parse(bytes);
  DecodeResult result;
  if (parsed.message) {
    result = apply_mapping(mapping, *parsed.message);
    result.issues.insert(result.issues.begin(), parsed.issues.begin(), parsed.issues.end());
  } else {
    result.disposition = Disposition::rejected;
    result.issues = parsed.issues;
  }
  // Accepted (possibly with warnings): the Bundle is what the case checks.
  if (result.disposition == Disposition::accepted) return result.bundle;
  std::string out = "{\"resourceType\":\"OperationOutcome\",\"extension\":[{\"url\":\"" + kDispositionExtension +
                    "\",\"valueCode\":\"" + std::string(disposition_name(result.disposition)) + "\"}],\"issue\":[";
  bool first = true;
  for (const PluginIssue& issue : result.issues) {
    out += first ? "" : ",";
    first = false;
    out += "{\"severity\":\"" + std::string(severity_name(issue.severity)) + "\",\"code\":\"" + issue.code +
           "\",\"diagnostics\":\"" + json_escape(issue.diagnostics) + "\"";
    if (!issue.location.empty()) out += ",\"location\":[\"" + json_escape(issue.location) + "\"]";
    out += "}";
  }
  out += "]}";
  return out;
}

std::string canonical(const std::string& json) {
  fhir::json::ParseResult parsed = fhir::json::parse(json);
  if (!parsed.document) return "<not JSON> " + json;
  return fhir::json::serialize_pretty(parsed.document->root()) + "\n";
}

std::vector<fs::path> case_folders() {
  std::vector<fs::path> folders;
  for (const auto& entry : fs::directory_iterator(kCases)) {
    if (entry.is_directory()) folders.push_back(entry.path());
  }
  std::sort(folders.begin(), folders.end());
  return folders;
}

TEST(GoldenMapping, ShippedMappingLoads) {
  MappingOrError loaded = load_mapping_file(default_mapping_file());
  EXPECT_EQ(loaded.error, "");
  ASSERT_NE(loaded.mapping, nullptr);
}

TEST(GoldenMapping, EveryCaseDecodesToItsExpectedJson) {
  MappingOrError loaded = load_mapping_file(default_mapping_file());
  ASSERT_NE(loaded.mapping, nullptr) << loaded.error;
  const bool update = std::getenv("SOCIALRX_UPDATE_GOLDEN") != nullptr &&
                      std::string(std::getenv("SOCIALRX_UPDATE_GOLDEN")) == "1";
  const std::vector<fs::path> folders = case_folders();
  ASSERT_GE(folders.size(), 10u) << "cases missing under " << kCases;
  for (const fs::path& folder : folders) {
    SCOPED_TRACE(folder.filename().string());
    const std::string actual = canonical(decode_to_json(*loaded.mapping, message_bytes(folder)));
    const fs::path expected_file = folder / "expected.json";
    if (update) {
      std::ofstream(expected_file, std::ios::binary) << actual;
      continue;
    }
    ASSERT_TRUE(fs::exists(expected_file)) << "no expected.json; run with SOCIALRX_UPDATE_GOLDEN=1 and review it";
    EXPECT_EQ(actual, canonical(read_file(expected_file)));

    // Whatever the case expects must itself be valid FHIR.
    fhir::ParsedResource validated = fhir::parse_and_validate(actual);
    for (const fhir::Issue& issue : validated.issues) {
      ADD_FAILURE() << issue.expression << ": " << issue.diagnostics;
    }
  }
}

// Decoding is deterministic: the same message gives byte-identical Bundles (the fullUrls are
// derived from the conditional requests), so reprocessing stores nothing new.
TEST(GoldenMapping, DecodingTwiceGivesTheSameBundle) {
  MappingOrError loaded = load_mapping_file(default_mapping_file());
  ASSERT_NE(loaded.mapping, nullptr) << loaded.error;
  const std::string bytes = message_bytes(kCases / "adt_a01_admission");
  EXPECT_EQ(decode_to_json(*loaded.mapping, bytes), decode_to_json(*loaded.mapping, bytes));
}

// The ISO-2022-JP and CP932 variants carry the same names as the UTF-8 one, as Unicode.
TEST(GoldenMapping, JapaneseCharsetsGiveTheRightUnicodeNames) {
  MappingOrError loaded = load_mapping_file(default_mapping_file());
  ASSERT_NE(loaded.mapping, nullptr) << loaded.error;
  for (const char* name : {"adt_a08_iso2022jp", "adt_a08_cp932", "adt_a08_patient_utf8"}) {
    SCOPED_TRACE(name);
    const std::string bundle = decode_to_json(*loaded.mapping, message_bytes(kCases / name));
    fhir::json::ParseResult parsed = fhir::json::parse(bundle);
    ASSERT_TRUE(parsed.document.has_value());
    const fhir::json::Value& patient = *parsed.document->root().find("entry")->items()[0].find("resource");
    ASSERT_EQ(patient.string_at("resourceType"), "Patient");
    const auto names = patient.find("name")->items();
    ASSERT_EQ(names.size(), 2u);
    EXPECT_EQ(names[0].string_at("text"), "宇都宮 花子");
    EXPECT_EQ(names[0].find("extension")->items()[0].string_at("valueCode"), "IDE");
    EXPECT_EQ(names[1].string_at("text"), "ウツノミヤ ハナコ");
    EXPECT_EQ(names[1].find("extension")->items()[0].string_at("valueCode"), "SYL");
    EXPECT_EQ(names[1].string_at("family"), "ウツノミヤ");
  }
}

}  // namespace
}  // namespace socialrx::plugins::hl7v2
