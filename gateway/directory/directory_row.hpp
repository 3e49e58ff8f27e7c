#pragma once
// One row of a directory CSV: one service offered by one organization at one site, with the
// area it covers (HSDS's service_at_location, flattened). conf/directory/README.md documents
// every column; kColumns below is the source of truth for their names and order.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/directory/csv_reader.hpp"

namespace socialrx::gateway::directory {

struct ColumnSpec {
  std::string_view name;
  bool required;  // the column must be in the header (and its value non-empty)
};

// The columns in export order.
std::span<const ColumnSpec> columns();

struct DirectoryRow {
  std::size_t row = 0;  // spreadsheet row number (header = 1)

  // Organization
  std::string organization_id;
  std::string organization_name;
  std::string organization_kind;   // recipient-kind code
  std::string municipality_code;   // 地方公共団体コード, normalized 6 digits
  std::string municipality_name;   // e.g. "みどり市": names the whole-municipality coverage area
  std::string ltc_insurer_number;  // optional 介護保険 保険者番号, normalized 6 digits
  std::string recipient_mode;      // "full" | "light"
  std::string endpoint_url;        // full recipients only
  std::vector<std::string> council_memberships;  // council codes (code_tables councils()), in file order

  // Site (Location)
  std::string location_id;
  std::string location_name;
  std::string postal_code;  // "NNN-NNNN" or empty
  std::string prefecture;
  std::string city;
  std::string address_line;

  // Service (HealthcareService)
  std::string service_id;
  std::string service_name;
  std::string service_kind;  // recipient-kind code; defaults to organization_kind
  std::string service_description;
  std::vector<std::string> need_categories;  // sdh-domain codes, at least one
  std::optional<int> age_min;
  std::optional<int> age_max;
  std::string eligibility_text;
  std::string capacity_status;  // "", capacity, no-capacity, waitlist, additional-assessment-required
  std::string capacity_notes;
  std::string phone;
  std::string email;

  // Coverage area: the whole municipality when area_id is empty.
  std::string area_id;
  std::string area_name;
  std::vector<std::string> area_postal_codes;  // "NNN-NNNN"
  std::vector<std::string> area_towns;         // 町字

  // The identifier value of the coverage area Location (model::kAreaIdSystem).
  std::string area_key() const { return area_id.empty() ? municipality_code : municipality_code + "-" + area_id; }
};

// A problem with one cell (or one row, when column is empty).
struct RowIssue {
  std::size_t row = 0;
  std::size_t line = 0;
  std::string column;
  std::string problem;
};

// The header: which field index holds which column. Unknown columns are reported as warnings
// (and ignored); a missing required column or a duplicated one makes the whole file unusable.
struct Header {
  std::vector<int> field_of_column;  // per columns() entry: field index or -1
  std::vector<RowIssue> errors;
  std::vector<RowIssue> warnings;
};
Header read_header(const CsvRecord& record);

struct RowResult {
  std::optional<DirectoryRow> row;  // set when there is no issue
  std::vector<RowIssue> issues;
};

// Checks every cell of a data record (all problems of the row are reported, not only the
// first): required values, code lists, check digits, postal codes, ages, URLs.
RowResult read_row(const Header& header, const CsvRecord& record);

// The lists inside a cell are separated by ';' (also '；' and '、' as typed in Japanese input).
std::vector<std::string> split_list(std::string_view cell);

}  // namespace socialrx::gateway::directory
