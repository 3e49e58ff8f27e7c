#pragma once
// `socialrx directory import`: a directory CSV into the resource store.
//
// Every row becomes an Organization, a site Location, a coverage-area Location, a
// HealthcareService and, for a full recipient, an Endpoint (directory_resources.hpp). Each is a
// conditional upsert on its stable identifier, written through the WriteQueue with the REST
// API's validation (fhir::validate_resource) and search-index extraction: a resource whose
// content did not change is not written again, so importing the same file twice changes
// nothing, and a changed row makes new versions of what it changed. A row is written in one
// transaction: all of its resources or none.
//
// Bad rows are reported (row, line, column, problem) and skipped; the others are imported.
// Rows that name the same organization, site or area must agree on its columns; a later row
// that disagrees with the first one is refused (so the result never depends on row order).

#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <string_view>

#include "gateway/directory/csv_reader.hpp"
#include "gateway/storage/write_queue.hpp"

namespace socialrx::gateway::directory {

struct ImportSummary {
  std::string encoding;          // as detected
  bool file_refused = false;     // unreadable, undecodable, or a bad header: nothing imported
  std::size_t rows = 0;          // data rows (blank lines not counted)
  std::size_t imported = 0;      // rows accepted (written or already up to date)
  std::size_t refused = 0;
  std::size_t resources_written = 0;  // new resources and new versions
  std::size_t resources_unchanged = 0;

  bool clean() const { return !file_refused && refused == 0; }
};

struct ImportOptions {
  CsvLimits limits;
  std::size_t max_file_bytes = 32u << 20;
};

// Problems go to `report`, one line each: "LABEL: row N (line L), column C: problem". The
// directory holds organizations' public contact data, not personal data; cell values are still
// quoted only where they are codes the reader must see. Never throws for bad content; a storage
// failure refuses the row it happened in.
ImportSummary import_directory(std::string_view bytes, std::string_view label, storage::WriteQueue& writes,
                               std::ostream& report, const ImportOptions& options = {});
ImportSummary import_directory_file(const std::filesystem::path& path, storage::WriteQueue& writes,
                                    std::ostream& report, const ImportOptions& options = {});

// "LABEL: N rows: I imported (W resources new or changed, U unchanged), R refused".
std::string summary_line(std::string_view label, const ImportSummary& summary);

}  // namespace socialrx::gateway::directory
