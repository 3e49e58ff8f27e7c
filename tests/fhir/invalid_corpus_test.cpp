// The invalid-resource corpus (tests/fhir/invalid): every file must be rejected with the issues
// listed for it in tests/fhir/invalid/cases.tsv (code and path, the contract in
// fhir/validator.hpp), and never crash. Inputs too large to keep as files (oversized, very deeply
// nested, over-long strings, thousands of problems) are generated here.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fhir/json.hpp"
#include "fhir/outcome.hpp"
#include "fhir/validator.hpp"

namespace socialrx::fhir {
namespace {

const std::filesystem::path kCorpusDir = std::filesystem::path(SOCIALRX_TEST_DATA_DIR) / "invalid";
constexpr std::size_t kMinimumFiles = 150;

struct Expected {
  std::string code;
  std::string expression;
};

struct Manifest {
  std::map<std::string, std::vector<Expected>> cases;  // by file name
  std::vector<std::string> problems;                   // malformed lines
};

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// cases.tsv: file<TAB>code<TAB>expression; the expression (and its tab) may be left out.
Manifest read_manifest() {
  Manifest manifest;
  std::istringstream lines(read(kCorpusDir / "cases.tsv"));
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.front() == '#') continue;
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (std::size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1) {
      fields.push_back(line.substr(start, tab - start));
    }
    fields.push_back(line.substr(start));
    if (fields.size() < 2 || fields.size() > 3 || fields[0].empty() || fields[1].empty()) {
      manifest.problems.push_back("cases.tsv:" + std::to_string(number) + ": " + line);
      continue;
    }
    manifest.cases[fields[0]].push_back({fields[1], fields.size() == 3 ? fields[2] : ""});
  }
  return manifest;
}

const Manifest& manifest() {
  static const Manifest loaded = read_manifest();
  return loaded;
}

std::vector<std::string> corpus_files() {
  std::vector<std::string> files;
  if (!std::filesystem::is_directory(kCorpusDir)) return files;
  for (const auto& entry : std::filesystem::directory_iterator(kCorpusDir)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

bool is_error(const Issue& issue) {
  return issue.severity == Severity::error || issue.severity == Severity::fatal;
}

std::string describe(const Issues& issues) {
  std::string text;
  for (const Issue& issue : issues) {
    text += "\n  " + std::string(to_code(issue.severity)) + " " + std::string(to_code(issue.code)) +
            " at \"" + issue.expression + "\": " + issue.diagnostics;
  }
  return text.empty() ? "\n  (no issues)" : text;
}

bool has_error(const Issues& issues, std::string_view code, std::string_view expression) {
  return std::any_of(issues.begin(), issues.end(), [&](const Issue& issue) {
    return is_error(issue) && to_code(issue.code) == code && issue.expression == expression;
  });
}

std::size_t error_count(const Issues& issues) {
  return static_cast<std::size_t>(std::count_if(issues.begin(), issues.end(), is_error));
}

// --- the corpus ---------------------------------------------------------------------------

TEST(InvalidCorpus, ManifestAndFolderAgree) {
  ASSERT_TRUE(std::filesystem::is_directory(kCorpusDir)) << kCorpusDir;
  for (const std::string& problem : manifest().problems) {
    ADD_FAILURE() << "malformed manifest line (file<TAB>code<TAB>expression): " << problem;
  }
  const std::vector<std::string> files = corpus_files();
  EXPECT_GE(files.size(), kMinimumFiles);
  for (const std::string& file : files) {
    EXPECT_TRUE(manifest().cases.count(file) != 0) << file << " has no line in cases.tsv";
  }
  const std::set<std::string> on_disk(files.begin(), files.end());
  std::set<std::string_view> known_codes;
  for (int type = static_cast<int>(IssueType::invalid);
       type <= static_cast<int>(IssueType::informational); ++type) {
    known_codes.insert(to_code(static_cast<IssueType>(type)));
  }
  for (const auto& [file, expected] : manifest().cases) {
    EXPECT_TRUE(on_disk.count(file) != 0) << "cases.tsv names " << file << ", which is not there";
    for (const Expected& issue : expected) {
      EXPECT_TRUE(known_codes.count(issue.code) != 0)
          << file << ": \"" << issue.code << "\" is not an issue-type code";
    }
  }
}

class InvalidFile : public testing::TestWithParam<std::string> {};

TEST_P(InvalidFile, IsRejectedWithTheListedIssues) {
  const std::string& file = GetParam();
  SCOPED_TRACE(file);
  const auto found = manifest().cases.find(file);
  ASSERT_TRUE(found != manifest().cases.end()) << file << " has no line in cases.tsv";

  const ParsedResource parsed = parse_and_validate(read(kCorpusDir / file));
  EXPECT_FALSE(parsed.valid());
  ASSERT_TRUE(parsed.issues.has_errors()) << file << " was accepted";
  for (const Expected& expected : found->second) {
    EXPECT_TRUE(has_error(parsed.issues, expected.code, expected.expression))
        << file << ": expected " << expected.code << " at \"" << expected.expression
        << "\"; reported:" << describe(parsed.issues);
    // Only JSON-level errors have no path, and then there is no document to validate.
    if (expected.expression.empty()) {
      EXPECT_FALSE(parsed.document.has_value())
          << file << " parsed, yet expects a JSON-level error";
    }
  }
}

std::string test_name(const testing::TestParamInfo<std::string>& info) {
  std::string name = info.param.substr(0, info.param.rfind(".json"));
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Corpus, InvalidFile, testing::ValuesIn(corpus_files()), test_name);

// --- generated inputs ---------------------------------------------------------------------

std::string patient_with_family(const std::string& family) {
  return R"({"resourceType":"Patient","name":[{"family":")" + family + R"("}]})";
}

std::string repeat(std::string_view text, std::size_t count) {
  std::string result;
  result.reserve(text.size() * count);
  for (std::size_t i = 0; i < count; ++i) result += text;
  return result;
}

TEST(InvalidGenerated, NineMebibyteResourceIsTooLong) {
  const std::string bytes = patient_with_family(std::string(9u << 20, 'a'));
  ASSERT_GT(bytes.size(), json::ParseLimits{}.max_bytes);
  const ParsedResource parsed = parse_and_validate(bytes);
  EXPECT_FALSE(parsed.document.has_value());
  EXPECT_TRUE(has_error(parsed.issues, "too-long", "")) << describe(parsed.issues);
}

TEST(InvalidGenerated, OneByteOverTheLimitIsTooLong) {
  // A valid resource padded with whitespace to exactly the limit is fine; one byte more is not.
  const std::string resource = R"({"resourceType":"Patient"})";
  const std::size_t limit = json::ParseLimits{}.max_bytes;
  EXPECT_TRUE(parse_and_validate(resource + std::string(limit - resource.size(), ' ')).valid());
  const ParsedResource over =
      parse_and_validate(resource + std::string(limit - resource.size() + 1, ' '));
  EXPECT_FALSE(over.document.has_value());
  EXPECT_TRUE(has_error(over.issues, "too-long", "")) << describe(over.issues);
}

TEST(InvalidGenerated, HundredThousandNestedArraysAreTooCostly) {
  constexpr std::size_t kDepth = 100'000;
  const std::string bytes = R"({"resourceType":"Patient","extension":)" + std::string(kDepth, '[') +
                            std::string(kDepth, ']') + "}";
  const ParsedResource parsed = parse_and_validate(bytes);
  EXPECT_FALSE(parsed.document.has_value());
  EXPECT_TRUE(has_error(parsed.issues, "too-costly", "")) << describe(parsed.issues);
}

TEST(InvalidGenerated, HundredThousandNestedObjectsAreTooCostly) {
  constexpr std::size_t kDepth = 100'000;
  const std::string bytes = R"({"resourceType":"Patient","extension":)" +
                            repeat(R"({"extension":)", kDepth) + "1" + std::string(kDepth, '}') +
                            "}";
  const ParsedResource parsed = parse_and_validate(bytes);
  EXPECT_FALSE(parsed.document.has_value());
  EXPECT_TRUE(has_error(parsed.issues, "too-costly", "")) << describe(parsed.issues);
}

TEST(InvalidGenerated, UnclosedNestingIsTooCostlyNotACrash) {
  constexpr std::size_t kDepth = 100'000;
  for (const std::string& bytes : {std::string(kDepth, '['), repeat(R"({"a":)", kDepth)}) {
    const ParsedResource parsed = parse_and_validate(bytes);
    EXPECT_FALSE(parsed.document.has_value());
    EXPECT_TRUE(has_error(parsed.issues, "too-costly", "")) << describe(parsed.issues);
  }
}

TEST(InvalidGenerated, NestingLimitIsOneHundredLevels) {
  // The root object is level 1, so 99 arrays reach level 100 and 100 arrays level 101.
  const auto nested = [](std::size_t arrays) {
    return R"({"resourceType":"Patient","extension":)" + std::string(arrays, '[') +
           std::string(arrays, ']') + "}";
  };
  const ParsedResource at_limit = parse_and_validate(nested(99));
  EXPECT_TRUE(at_limit.document.has_value()) << describe(at_limit.issues);
  EXPECT_FALSE(has_error(at_limit.issues, "too-costly", ""));
  const ParsedResource over = parse_and_validate(nested(100));
  EXPECT_FALSE(over.document.has_value());
  EXPECT_TRUE(has_error(over.issues, "too-costly", "")) << describe(over.issues);
}

TEST(InvalidGenerated, StringOverOneMebiCharactersIsTooLongAtItsPath) {
  constexpr std::size_t kMaxCharacters = 1'048'576;
  const ParsedResource ascii =
      parse_and_validate(patient_with_family(std::string(kMaxCharacters + 1, 'a')));
  EXPECT_TRUE(has_error(ascii.issues, "too-long", "Patient.name[0].family"))
      << describe(ascii.issues);
  EXPECT_EQ(error_count(ascii.issues), 1u) << describe(ascii.issues);

  // The limit counts characters, not bytes: 1,048,576 kana (3 MiB of UTF-8) are allowed,
  // one more is not.
  EXPECT_TRUE(parse_and_validate(patient_with_family(repeat("あ", kMaxCharacters))).valid());
  const ParsedResource kana =
      parse_and_validate(patient_with_family(repeat("あ", kMaxCharacters + 1)));
  EXPECT_TRUE(has_error(kana.issues, "too-long", "Patient.name[0].family"))
      << describe(kana.issues);

  EXPECT_TRUE(parse_and_validate(patient_with_family(std::string(kMaxCharacters, 'a'))).valid());
}

TEST(InvalidGenerated, TwoThousandProblemsAreAllReported) {
  // 500 each of four kinds, in one Patient: wrong JSON type, unknown element, code outside the
  // required value set, impossible date.
  constexpr int kEach = 500;
  std::string given;
  std::string unknown;
  std::string telecom;
  std::string address;
  std::vector<std::pair<std::string, std::string>> expected;
  for (int i = 0; i < kEach; ++i) {
    const std::string n = std::to_string(i);
    const std::string comma = i == 0 ? "" : ",";
    given += comma + n;
    expected.emplace_back("structure", "Patient.name[0].given[" + n + "]");
    unknown += R"(,"kana)" + n + R"(":"ヤマダ")";
    expected.emplace_back("structure", "Patient.kana" + n);
    telecom += comma + R"({"system":"line","value":"yamada-)" + n + R"("})";
    expected.emplace_back("code-invalid", "Patient.telecom[" + n + "].system");
    address += comma + R"({"city":"世田谷区","period":{"start":"2023-02-29"}})";
    expected.emplace_back("value", "Patient.address[" + n + "].period.start");
  }
  const std::string bytes = R"({"resourceType":"Patient","name":[{"family":"山田","given":[)" +
                            given + "]}]" + unknown + R"(,"telecom":[)" + telecom +
                            R"(],"address":[)" + address + "]}";
  const ParsedResource parsed = parse_and_validate(bytes);
  ASSERT_TRUE(parsed.document.has_value()) << describe(parsed.issues);
  EXPECT_EQ(error_count(parsed.issues), expected.size());
  std::size_t missing = 0;
  for (const auto& [code, expression] : expected) {
    if (!has_error(parsed.issues, code, expression) && ++missing <= 10) {
      ADD_FAILURE() << "not reported: " << code << " at " << expression;
    }
  }
  EXPECT_EQ(missing, 0u);
}

}  // namespace
}  // namespace socialrx::fhir
