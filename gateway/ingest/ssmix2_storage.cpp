#include "gateway/ingest/ssmix2_storage.hpp"

#include <algorithm>
#include <array>

namespace socialrx::gateway::ingest::ssmix2 {
namespace {

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

}  // namespace

std::optional<StorageFileName> parse_file_name(std::string_view name) {
  // The patient id may itself hold underscores in some systems; the other six parts cannot, so
  // they are taken from the right.
  const std::vector<std::string_view> parts = split(name, '_');
  if (parts.size() < 7) return std::nullopt;
  const std::size_t n = parts.size();
  StorageFileName file;
  const std::string_view flag = parts[n - 1];
  if (flag != "0" && flag != "1") return std::nullopt;
  file.valid = flag == "1";
  file.department = std::string(parts[n - 2]);
  file.timestamp = std::string(parts[n - 3]);
  file.order_number = std::string(parts[n - 4]);
  file.kind = std::string(parts[n - 5]);
  file.date = std::string(parts[n - 6]);
  std::string_view patient = name.substr(0, static_cast<std::size_t>(parts[n - 6].data() - name.data()) - 1);
  file.patient_id = std::string(patient);
  if (file.patient_id.empty() || file.department.empty()) return std::nullopt;
  if (file.timestamp.size() != 17 || !all_digits(file.timestamp)) return std::nullopt;
  if (file.order_number.size() != 15 || !all_digits(file.order_number)) return std::nullopt;
  if (file.date != "-" && (file.date.size() != 8 || !all_digits(file.date))) return std::nullopt;
  // A kind is three capitals, a hyphen and two digits: ADT-00, PPR-01, OML-11.
  const std::string_view kind = file.kind;
  if (kind.size() != 6 || kind[3] != '-' || !all_digits(kind.substr(4)) ||
      !std::all_of(kind.begin(), kind.begin() + 3, [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return std::nullopt;
  }
  return file;
}

bool is_mapped_kind(std::string_view kind) {
  static constexpr std::array<std::string_view, 5> kMapped{"ADT-00", "ADT-12", "ADT-22", "ADT-52", "PPR-01"};
  return std::find(kMapped.begin(), kMapped.end(), kind) != kMapped.end();
}

StorageScan scan(const std::filesystem::path& root) {
  StorageScan result;
  namespace fs = std::filesystem;
  if (!fs::is_directory(root)) {
    throw fs::filesystem_error("not a directory", root, std::make_error_code(std::errc::not_a_directory));
  }
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    auto name = parse_file_name(entry.path().filename().string());
    if (!name) {
      ++result.not_storage_files;
    } else if (!name->valid) {
      ++result.deleted;
    } else if (!is_mapped_kind(name->kind)) {
      ++result.other_kinds;
    } else {
      result.to_import.push_back({entry.path(), std::move(*name)});
    }
  }
  std::sort(result.to_import.begin(), result.to_import.end(), [](const StorageFile& a, const StorageFile& b) {
    if (a.name.patient_id != b.name.patient_id) return a.name.patient_id < b.name.patient_id;
    if (a.name.timestamp != b.name.timestamp) return a.name.timestamp < b.name.timestamp;
    return a.path.filename() < b.path.filename();
  });
  return result;
}

}  // namespace socialrx::gateway::ingest::ssmix2
