#pragma once
// A bounded RFC 4180 reader for directory files (already decoded to UTF-8).
//   - fields separated by ',', records by CRLF, LF or a lone CR (old Mac exports);
//   - a field may be quoted: "a, b", "He said ""hi""", and may then span lines;
//   - every field is bounded (max_field_bytes) and so is the number of fields per record;
//   - a problem (oversized field, stray quote, unterminated quote, too many fields) is attached
//     to the record and field it occurs in, and reading goes on with the next record: one bad
//     row never hides the others. Nothing here throws on bad input.
// Rows are numbered as a spreadsheet shows them: the first record (the header) is row 1. A
// record also carries the physical line it starts on, which differs once a quoted field spans
// lines.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace socialrx::gateway::directory {

struct CsvLimits {
  std::size_t max_field_bytes = 4096;   // a directory field is a name, a code list or a note
  std::size_t max_fields = 128;         // per record
};

struct CsvProblem {
  std::size_t field = 0;  // 0-based index of the field the problem is in
  std::string text;
};

struct CsvRecord {
  std::size_t row = 0;   // 1-based record number (the header is row 1)
  std::size_t line = 0;  // 1-based physical line the record starts on
  std::vector<std::string> fields;
  std::vector<CsvProblem> problems;

  // A record of one empty field: a blank line.
  bool blank() const { return fields.size() == 1 && fields[0].empty() && problems.empty(); }
};

std::vector<CsvRecord> read_csv(std::string_view text, const CsvLimits& limits = {});

// The reverse, for export: quotes a field when it holds ',', '"', CR or LF (or starts or ends
// with a space, which spreadsheets would otherwise trim).
std::string csv_field(std::string_view text);

}  // namespace socialrx::gateway::directory
