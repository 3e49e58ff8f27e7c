// `socialrx validate` as DESIGN.md's contract says, through the real binary.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "fhir/json.hpp"
#include "tests/gateway/run_binary.hpp"

namespace socialrx::testing {
namespace {

class ValidateCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("socialrx-validate-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }

  std::filesystem::path dir_;
};

TEST_F(ValidateCommand, ValidFilesExitZeroWithNothingOnStdout) {
  const auto a = write("a.json", R"({"resourceType":"Patient","birthDate":"1962-03-15"})");
  const auto b = write("b.json", R"({"resourceType":"Task","status":"requested","intent":"order"})");
  RunResult result = run_socialrx({"validate", a, b});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "");
  EXPECT_NE(result.err.find("a.json: valid"), std::string::npos);
}

TEST_F(ValidateCommand, OneOperationOutcomePerInvalidFileInArgumentOrder) {
  const auto good = write("good.json", R"({"resourceType":"Patient"})");
  const auto date = write("date.json", R"({"resourceType":"Patient","birthDate":"1944-02-30"})");
  const auto task = write("task.json", R"({"resourceType":"Task","intent":"order"})");
  RunResult result = run_socialrx({"validate", good, date, task});
  EXPECT_EQ(result.exit_code, 1);

  std::istringstream lines(result.out);
  std::vector<std::string> outcomes;
  for (std::string line; std::getline(lines, line);) outcomes.push_back(line);
  ASSERT_EQ(outcomes.size(), 2u) << result.out;

  auto first = fhir::json::parse(outcomes[0]);
  ASSERT_TRUE(first.document);
  const auto& issue = first.document->root().find("issue")->items()[0];
  EXPECT_EQ(first.document->root().string_at("resourceType"), "OperationOutcome");
  EXPECT_EQ(issue.string_at("code"), "value");
  EXPECT_EQ(issue.find("expression")->items()[0].text(), "Patient.birthDate");

  auto second = fhir::json::parse(outcomes[1]);
  ASSERT_TRUE(second.document);
  const auto& missing = second.document->root().find("issue")->items()[0];
  EXPECT_EQ(missing.string_at("code"), "required");
  EXPECT_EQ(missing.find("expression")->items()[0].text(), "Task.status");
}

TEST_F(ValidateCommand, UnreadableAndBrokenFilesAreInvalidNotCrashes) {
  const auto broken = write("broken.json", "{\"resourceType\": \"Patient\", ");
  RunResult result = run_socialrx({"validate", broken, (dir_ / "missing.json").string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.out.find("\"code\":\"structure\""), std::string::npos);
  EXPECT_NE(result.out.find("\"code\":\"not-found\""), std::string::npos);
}

TEST_F(ValidateCommand, HelpAndUsage) {
  RunResult top = run_socialrx({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_NE(top.out.find("validate"), std::string::npos);

  RunResult help = run_socialrx({"validate", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("Usage: socialrx validate"), std::string::npos);

  RunResult no_files = run_socialrx({"validate"});
  EXPECT_EQ(no_files.exit_code, 2);
  RunResult unknown = run_socialrx({"frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown command"), std::string::npos);
}

}  // namespace
}  // namespace socialrx::testing
