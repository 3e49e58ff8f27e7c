// The importer on a real store (both backends): idempotent re-import, a changed row updating
// only what changed, CP932 input, bad rows reported with row and column while the good rows
// are imported, rows disagreeing about a shared organization, and the export round trip.

#include <gtest/gtest.h>

#include <sstream>

#include "gateway/directory/directory_export.hpp"
#include "gateway/directory/directory_import.hpp"
#include "gateway/storage/write_queue.hpp"
#include "tests/gateway/directory/directory_test_support.hpp"
#include "tests/gateway/storage/storage_test_support.hpp"

namespace socialrx::gateway::directory {
namespace {

using storage::Backend;

class DirectoryImport : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    scratch_ = std::make_unique<storage::testing::ScratchDatabase>(GetParam());
    database_ = storage::Database::open(scratch_->options());
    writes_ = std::make_unique<storage::WriteQueue>(*database_);
  }
  void TearDown() override {
    writes_.reset();
    database_.reset();
    scratch_.reset();
  }

  ImportSummary import(const std::string& bytes) {
    report_.str("");
    return import_directory(bytes, "test.csv", *writes_, report_);
  }

  std::int64_t count(const std::string& sql) {
    const auto rows = database_->reader()->query(sql);
    return std::get<std::int64_t>(rows.at(0).at(0));
  }
  std::int64_t versions() { return count("SELECT COUNT(*) FROM resource_versions"); }
  std::int64_t current(const std::string& type) {
    return count("SELECT COUNT(*) FROM resources WHERE resource_type = '" + type + "' AND deleted = 0");
  }

  std::unique_ptr<storage::testing::ScratchDatabase> scratch_;
  std::unique_ptr<storage::Database> database_;
  std::unique_ptr<storage::WriteQueue> writes_;
  std::ostringstream report_;
};

TEST_P(DirectoryImport, DemoImportsOnceAndTheSecondImportChangesNothing) {
  const std::string demo = testing::demo_directory_text();
  const ImportSummary first = import(demo);
  EXPECT_TRUE(first.clean()) << report_.str();
  EXPECT_EQ(first.rows, 11u);
  EXPECT_EQ(first.imported, 11u);
  EXPECT_EQ(current("HealthcareService"), 11);
  EXPECT_EQ(current("Organization"), 10);
  EXPECT_EQ(current("Endpoint"), 1);
  // Sites: 8 buildings; areas: 3 圏域 + the whole municipality.
  EXPECT_EQ(current("Location"), 12);
  EXPECT_EQ(first.resources_written, 11u + 10u + 1u + 12u);
  const auto before = versions();

  const ImportSummary second = import(demo);
  EXPECT_TRUE(second.clean()) << report_.str();
  EXPECT_EQ(second.resources_written, 0u);
  EXPECT_EQ(versions(), before);

  // CP932 bytes of the same file are the same directory.
  const ImportSummary cp932 = import(testing::to_cp932(demo));
  EXPECT_TRUE(cp932.clean()) << report_.str();
  EXPECT_EQ(cp932.encoding, "CP932");
  EXPECT_EQ(cp932.resources_written, 0u);
  EXPECT_EQ(versions(), before);
}

TEST_P(DirectoryImport, AChangedRowUpdatesOnlyWhatChanged) {
  std::string demo = testing::demo_directory_text();
  ASSERT_TRUE(import(demo).clean());
  const auto before = versions();
  const std::string from = "南部圏域にお住まいの65歳以上の方と、その家族・介護者,minami,南部圏域,999-0121;999-0122;999-0123,南台;若葉,capacity,";
  const auto at = demo.find(from);
  ASSERT_NE(at, std::string::npos);
  std::string changed = demo;
  changed.replace(at, from.size(),
                  "南部圏域にお住まいの65歳以上の方と、その家族・介護者,minami,南部圏域,999-0121;999-0122;999-0123,南台;若葉,no-capacity,職員欠員のため新規受付停止中");
  const ImportSummary summary = import(changed);
  EXPECT_TRUE(summary.clean()) << report_.str();
  EXPECT_EQ(summary.resources_written, 1u);  // the HealthcareService only
  EXPECT_EQ(versions(), before + 1);
  EXPECT_EQ(current("HealthcareService"), 11);
}

TEST_P(DirectoryImport, BadRowsAreReportedAndTheOthersImported) {
  const std::string demo = testing::demo_directory_text();
  const std::string header = demo.substr(0, demo.find("\r\n") + 2);
  std::string rows = demo.substr(header.size());
  // Row 3 (the second data row): a wrong check digit; row 5: an unknown need code, and a
  // quoted field with a line break before it, so its line is 6.
  std::string second = rows.substr(rows.find("\r\n") + 2);
  std::string first_row = rows.substr(0, rows.find("\r\n") + 2);
  std::string second_row = second.substr(0, second.find("\r\n") + 2);
  second_row.replace(second_row.find(",992011,"), 8, ",992012,");
  std::string third_row = second.substr(second_row.size());
  third_row = third_row.substr(0, third_row.find("\r\n") + 2);
  std::string fourth_row = first_row;
  fourth_row.replace(fourth_row.find("houkatsu-kita-sodan"), 19, "houkatsu-kita-night");
  fourth_row.replace(fourth_row.find("care-burden;"), 12, "care-burden;nonsense;");
  fourth_row.replace(fourth_row.find("総合相談(北部圏域)"), std::string("総合相談(北部圏域)").size(), "\"夜間\r\n相談\"");
  std::string fifth_row = third_row;  // same organization as row 4 of the file, another name
  fifth_row.replace(fifth_row.find("houkatsu-minami-sodan"), 21, "houkatsu-minami-other");
  fifth_row.replace(fifth_row.find("みどり市南部地域包括支援センター"), std::string("みどり市南部地域包括支援センター").size(),
                    "南部センター");
  const ImportSummary summary = import(header + first_row + second_row + third_row + fourth_row + fifth_row);
  EXPECT_FALSE(summary.clean());
  EXPECT_EQ(summary.rows, 5u);
  EXPECT_EQ(summary.imported, 2u);
  EXPECT_EQ(summary.refused, 3u);
  const std::string report = report_.str();
  EXPECT_NE(report.find("test.csv: row 3, column municipality_code: "), std::string::npos) << report;
  EXPECT_NE(report.find("test.csv: row 5, column need_categories: 'nonsense' is not a code"), std::string::npos)
      << report;
  EXPECT_NE(report.find("test.csv: row 6 (line 7), column organization_name: differs from row 4"), std::string::npos)
      << report;
  EXPECT_EQ(current("HealthcareService"), 2);
}

TEST_P(DirectoryImport, RowsOfOneOrganizationMustAgreeOnItsCouncils) {
  const std::string demo = testing::demo_directory_text();
  const std::string header = demo.substr(0, demo.find("\r\n") + 2);
  std::string shakyo_rows;
  for (std::size_t at = demo.find("\r\nmidori-shakyo,"); at != std::string::npos; at = demo.find("\r\nmidori-shakyo,", at + 2)) {
    shakyo_rows += demo.substr(at + 2, demo.find("\r\n", at + 2) - at);
  }
  const std::string second_row = shakyo_rows.substr(shakyo_rows.find("\r\n") + 2);
  std::string disagreeing = second_row;
  disagreeing.replace(disagreeing.rfind(",isolation-council"), 18, ",isolation-council;community-care-meeting");
  const ImportSummary summary = import(header + shakyo_rows.substr(0, shakyo_rows.size() - second_row.size()) + disagreeing);
  EXPECT_EQ(summary.imported, 1u);
  EXPECT_EQ(summary.refused, 1u);
  EXPECT_NE(report_.str().find("test.csv: row 3, column council_memberships: differs from row 2"), std::string::npos)
      << report_.str();
}

TEST_P(DirectoryImport, UnreadableFilesAreRefusedWhole) {
  EXPECT_TRUE(import("").file_refused);
  const ImportSummary no_header = import("organization_id,service_id\r\nx,y\r\n");
  EXPECT_TRUE(no_header.file_refused);
  EXPECT_NE(report_.str().find("column need_categories: required column missing"), std::string::npos) << report_.str();
  EXPECT_TRUE(import("a,b\r\n\x85\x40\r\n").file_refused);
  EXPECT_EQ(current("HealthcareService"), 0);
}

TEST_P(DirectoryImport, TheExportImportsBackWithoutChanges) {
  ASSERT_TRUE(import(testing::demo_directory_text()).clean()) << report_.str();
  const auto before = versions();
  std::ostringstream csv;
  std::ostringstream problems;
  const ExportSummary exported = export_directory(*database_, csv, problems);
  EXPECT_EQ(exported.rows, 11u);
  EXPECT_EQ(exported.skipped, 0u) << problems.str();
  // The council column goes out with the organization's memberships.
  EXPECT_NE(csv.str().find(",council_memberships\r\n"), std::string::npos);
  EXPECT_NE(csv.str().find(",isolation-council\r\n"), std::string::npos) << csv.str();
  const ImportSummary again = import(csv.str());
  EXPECT_TRUE(again.clean()) << report_.str() << "\n" << csv.str();
  EXPECT_EQ(again.imported, 11u);
  EXPECT_EQ(again.resources_written, 0u) << csv.str();
  EXPECT_EQ(versions(), before);
}

SOCIALRX_INSTANTIATE_BACKENDS(DirectoryImport);

}  // namespace
}  // namespace socialrx::gateway::directory
