#pragma once
// `socialrx directory export`: the directory in the store back to the CSV columns of
// directory_row.hpp (UTF-8 without BOM, CRLF, RFC 4180 quoting), one row per HealthcareService
// that carries a directory-service identifier, sorted by service_id. Importing the export into
// the same store changes nothing (the round trip is tested).

#include <cstddef>
#include <iosfwd>

#include "gateway/storage/database.hpp"

namespace socialrx::gateway::directory {

struct ExportSummary {
  std::size_t rows = 0;
  std::size_t skipped = 0;  // services whose organization, site or area could not be read back
};

// Problems (a dangling reference…) go to `report`. Throws only on a database failure.
ExportSummary export_directory(storage::Database& database, std::ostream& out, std::ostream& report);

}  // namespace socialrx::gateway::directory
