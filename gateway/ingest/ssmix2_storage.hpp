#pragma once
// An SS-MIX2 standardized storage tree (DOMAIN.md §4), as `socialrx import ssmix2` reads it:
//   ROOT/ID[0:3]/ID[3:6]/ID/{yyyyMMdd|-}/{kind}/
//     ID_{yyyyMMdd|-}_{kind}_{order number, 15 digits}_{yyyyMMddHHmmssfff}_{department|-}_{1|0}
// The last part is the condition flag: 1 valid, 0 deleted (SS-MIX2 keeps a replaced or withdrawn
// message under its old name with the flag set to 0 and writes the new one beside it).

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace socialrx::gateway::ingest::ssmix2 {

struct StorageFileName {
  std::string patient_id;
  std::string date;        // yyyyMMdd or "-"
  std::string kind;        // "ADT-00", "PPR-01", …
  std::string order_number;
  std::string timestamp;   // yyyyMMddHHmmssfff: when the message was stored; orders updates
  std::string department;  // or "-"
  bool valid = true;       // condition flag 1; false: 0 (deleted)
};

// Parses a file name (not a path); nullopt when it is not an SS-MIX2 storage name.
std::optional<StorageFileName> parse_file_name(std::string_view name);

// The data kinds socialrx maps (mappings/hl7v2/ssmix2.jsonc): ADT-00 患者基本 (A08),
// ADT-12 外来受診 (A04), ADT-22 入院 (A01), ADT-52 退院 (A03), PPR-01 病名 (PPR^ZD1).
bool is_mapped_kind(std::string_view kind);

struct StorageFile {
  std::filesystem::path path;
  StorageFileName name;
};

struct StorageScan {
  std::vector<StorageFile> to_import;  // valid, of a mapped kind; in storage order (see below)
  std::size_t deleted = 0;             // condition flag 0: not imported
  std::size_t other_kinds = 0;         // valid but of a kind socialrx does not map
  std::size_t not_storage_files = 0;   // files whose name is not an SS-MIX2 storage name
};

// Walks `root` (symlinks not followed). to_import is ordered by patient, then by the stored
// timestamp, then by name, so that a patient's later messages (an A08 correcting an earlier one)
// are applied after the earlier ones. Throws std::filesystem::filesystem_error when `root`
// cannot be read.
StorageScan scan(const std::filesystem::path& root);

}  // namespace socialrx::gateway::ingest::ssmix2
