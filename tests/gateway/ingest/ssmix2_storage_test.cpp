// The SS-MIX2 storage tree as `socialrx import ssmix2` reads it: file names, condition flags,
// mapped kinds and the order a patient's files are applied in.

#include "gateway/ingest/ssmix2_storage.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "gateway/cli/progress_bar.hpp"
#include "tests/gateway/support/temp_dir.hpp"

namespace socialrx::gateway::ingest::ssmix2 {
namespace {

TEST(Ssmix2Storage, ParsesTheStorageFileName) {
  const auto name = parse_file_name("0000123456_20261201_ADT-12_000000000012345_20261201093015123_01_1");
  ASSERT_TRUE(name.has_value());
  EXPECT_EQ(name->patient_id, "0000123456");
  EXPECT_EQ(name->date, "20261201");
  EXPECT_EQ(name->kind, "ADT-12");
  EXPECT_EQ(name->order_number, "000000000012345");
  EXPECT_EQ(name->timestamp, "20261201093015123");
  EXPECT_EQ(name->department, "01");
  EXPECT_TRUE(name->valid);

  const auto deleted = parse_file_name("0000123456_-_ADT-00_999999999999999_20261130080000000_-_0");
  ASSERT_TRUE(deleted.has_value());
  EXPECT_EQ(deleted->date, "-");
  EXPECT_EQ(deleted->department, "-");
  EXPECT_FALSE(deleted->valid);

  // A patient id with an underscore: the other six parts are taken from the right.
  const auto underscored = parse_file_name("AB_12_-_PPR-01_999999999999999_20261130080000000_-_1");
  ASSERT_TRUE(underscored.has_value());
  EXPECT_EQ(underscored->patient_id, "AB_12");
}

TEST(Ssmix2Storage, RefusesNamesThatAreNotStorageNames) {
  for (const char* name : {"README.txt", "0000123456_-_ADT-00_999999999999999_20261130080000000_-_2",
                           "0000123456_-_ADT-00_99999_20261130080000000_-_1",
                           "0000123456_-_ADT00_999999999999999_20261130080000000_-_1",
                           "0000123456_2026120_ADT-00_999999999999999_20261130080000000_-_1",
                           "0000123456_-_ADT-00_999999999999999_2026113008000000_-_1",
                           "_-_ADT-00_999999999999999_20261130080000000_-_1"}) {
    EXPECT_FALSE(parse_file_name(name).has_value()) << name;
  }
}

TEST(Ssmix2Storage, ScanKeepsValidMappedFilesInStorageOrderPerPatient) {
  testing::TempDir root("ssmix2-tree");
  const auto write = [&](const std::string& patient, const std::string& kind, const std::string& file) {
    const auto folder = root.path() / patient.substr(0, 3) / patient.substr(3, 3) / patient / "-" / kind;
    std::filesystem::create_directories(folder);
    std::ofstream(folder / file) << "MSH|^~\\&|\r";
  };
  // Patient A: a newer A08 written before an older one in directory order must come after it.
  write("0000000001", "ADT-00", "0000000001_-_ADT-00_999999999999999_20261201100000000_-_1");
  write("0000000001", "ADT-00", "0000000001_-_ADT-00_999999999999999_20261130100000000_-_1");
  write("0000000001", "ADT-00", "0000000001_-_ADT-00_999999999999999_20261129100000000_-_0");  // deleted
  write("0000000001", "OMP-01", "0000000001_-_OMP-01_000000000000001_20261201110000000_01_1");  // not mapped
  write("0000000002", "PPR-01", "0000000002_-_PPR-01_999999999999999_20261201090000000_01_1");
  std::ofstream(root.path() / "index.txt") << "not a storage file";

  const StorageScan scan = ssmix2::scan(root.path());
  ASSERT_EQ(scan.to_import.size(), 3u);
  EXPECT_EQ(scan.to_import[0].name.timestamp, "20261130100000000");
  EXPECT_EQ(scan.to_import[1].name.timestamp, "20261201100000000");
  EXPECT_EQ(scan.to_import[2].name.patient_id, "0000000002");
  EXPECT_EQ(scan.deleted, 1u);
  EXPECT_EQ(scan.other_kinds, 1u);
  EXPECT_EQ(scan.not_storage_files, 1u);
  EXPECT_THROW(ssmix2::scan(root.path() / "missing"), std::filesystem::filesystem_error);
}

TEST(ProgressBar, ShowsCountRateAndEta) {
  EXPECT_EQ(cli::ProgressBar::render(4'500, 10'000, "files", 1'234.4, true),
            "[##########--------------]  45%  4,500/10,000 files  1,234/s  ETA 0:04");
  EXPECT_EQ(cli::ProgressBar::render(10'000, 10'000, "files", 2'000, false), "100%  10,000/10,000 files  2,000/s");
  EXPECT_EQ(cli::ProgressBar::render(0, 5, "files", 0, false), "  0%  0/5 files  0/s  ETA ?");
  EXPECT_TRUE(cli::ProgressBar::render(1, 7'200'001, "files", 1, false).ends_with("  ETA 2000:00:00"));
}

}  // namespace
}  // namespace socialrx::gateway::ingest::ssmix2
