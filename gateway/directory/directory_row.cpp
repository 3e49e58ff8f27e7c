#include "gateway/directory/directory_row.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "fhir/jp_identifiers.hpp"
#include "fhir/text_normalize.hpp"
#include "gateway/directory/code_tables.hpp"

namespace socialrx::gateway::directory {
namespace {

constexpr std::array kColumns{
    ColumnSpec{"organization_id", true},      ColumnSpec{"organization_name", true},
    ColumnSpec{"organization_kind", true},    ColumnSpec{"municipality_code", true},
    ColumnSpec{"municipality_name", false},
    ColumnSpec{"ltc_insurer_number", false},  ColumnSpec{"recipient_mode", true},
    ColumnSpec{"endpoint_url", false},        ColumnSpec{"location_id", true},
    ColumnSpec{"location_name", true},        ColumnSpec{"postal_code", false},
    ColumnSpec{"prefecture", false},          ColumnSpec{"city", false},
    ColumnSpec{"address_line", false},        ColumnSpec{"service_id", true},
    ColumnSpec{"service_name", true},         ColumnSpec{"service_kind", false},
    ColumnSpec{"service_description", false}, ColumnSpec{"need_categories", true},
    ColumnSpec{"age_min", false},             ColumnSpec{"age_max", false},
    ColumnSpec{"eligibility_text", false},    ColumnSpec{"area_id", false},
    ColumnSpec{"area_name", false},           ColumnSpec{"area_postal_codes", false},
    ColumnSpec{"area_towns", false},          ColumnSpec{"capacity_status", false},
    ColumnSpec{"capacity_notes", false},      ColumnSpec{"phone", false},
    ColumnSpec{"email", false},               ColumnSpec{"council_memberships", false},
};

// Free-text columns where a line break (inside quotes) is kept.
bool multiline(std::string_view column) {
  return column == "service_description" || column == "eligibility_text" || column == "capacity_notes";
}


// A directory key: the FHIR id alphabet, so that it reads well in URLs and logs.
bool is_key(std::string_view text) {
  if (text.empty() || text.size() > 64) return false;
  for (char c : text) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

bool is_http_url(std::string_view text) {
  std::string_view rest;
  if (text.starts_with("https://")) {
    rest = text.substr(8);
  } else if (text.starts_with("http://")) {
    rest = text.substr(7);
  } else {
    return false;
  }
  if (rest.empty() || rest.front() == '/') return false;
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7F) return false;
  }
  return true;
}

bool is_email(std::string_view text) {
  const auto at = text.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= text.size()) return false;
  if (text.find('@', at + 1) != std::string_view::npos) return false;
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7F) return false;
  }
  return text.find('.', at) != std::string_view::npos;
}

bool is_phone(std::string_view text) {
  int digits = 0;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (c != '-' && c != '+' && c != '(' && c != ')' && c != ' ') {
      return false;
    }
  }
  return digits >= 3;
}

class RowReader {
 public:
  RowReader(const Header& header, const CsvRecord& record) : header_(header), record_(record) {}

  RowResult read() {
    for (const CsvProblem& problem : record_.problems) {
      issue(column_at_field(problem.field), problem.text);
    }
    DirectoryRow row;
    row.row = record_.row;
    row.organization_id = key("organization_id");
    row.organization_name = text("organization_name");
    row.organization_kind = code("organization_kind", recipient_kinds());
    row.municipality_code = identifier("municipality_code", fhir::jp::check_local_government_code);
    row.municipality_name = text("municipality_name");
    row.ltc_insurer_number = identifier("ltc_insurer_number", fhir::jp::check_ltc_insurer_number);
    row.recipient_mode = text("recipient_mode");
    row.endpoint_url = text("endpoint_url");
    check_reach(row);
    for (const std::string& council : split_list(text("council_memberships"))) {
      if (display_of(councils(), council).empty()) {
        std::string allowed;
        for (const Code& entry : councils()) allowed += (allowed.empty() ? "" : ", ") + std::string(entry.code);
        issue("council_memberships", "'" + council + "' is not one of " + allowed);
      } else if (std::find(row.council_memberships.begin(), row.council_memberships.end(), council) ==
                 row.council_memberships.end()) {
        row.council_memberships.push_back(council);
      }
    }
    row.location_id = key("location_id");
    row.location_name = text("location_name");
    row.postal_code = postal_code("postal_code", cell("postal_code"));
    row.prefecture = text("prefecture");
    row.city = text("city");
    row.address_line = text("address_line");
    row.service_id = key("service_id");
    row.service_name = text("service_name");
    row.service_kind = code("service_kind", recipient_kinds());
    if (row.service_kind.empty()) row.service_kind = row.organization_kind;
    row.service_description = text("service_description");
    const std::vector<std::string> needs = split_list(text("need_categories"));
    if (needs.empty() && !cell("need_categories").empty()) issue("need_categories", "lists no code");
    for (const std::string& need : needs) {
      if (display_of(sdh_domains(), need).empty()) {
        issue("need_categories", "'" + need + "' is not a code of https://socialrx.jp/fhir/CodeSystem/sdh-domain");
      } else {
        row.need_categories.push_back(need);
      }
    }
    row.age_min = age("age_min");
    row.age_max = age("age_max");
    if (row.age_min && row.age_max && *row.age_min > *row.age_max) {
      issue("age_max", "is below age_min");
    }
    row.eligibility_text = text("eligibility_text");
    row.area_id = text("area_id");
    if (!row.area_id.empty() && !is_key(row.area_id)) {
      issue("area_id", "must be 1-64 characters of A-Z a-z 0-9 '-' '.'");
    }
    row.area_name = text("area_name");
    for (const std::string& code : split_list(text("area_postal_codes"))) {
      const std::string normalized = postal_code("area_postal_codes", code);
      if (!normalized.empty()) row.area_postal_codes.push_back(normalized);
    }
    row.area_towns = split_list(text("area_towns"));
    check_area(row);
    row.capacity_status = code("capacity_status", capacity_statuses());
    row.capacity_notes = text("capacity_notes");
    if (!row.capacity_notes.empty() && row.capacity_status.empty() && cell("capacity_status").empty()) {
      issue("capacity_notes", "given without capacity_status");
    }
    row.phone = text("phone");
    if (!row.phone.empty() && !is_phone(row.phone)) {
      issue("phone", "must be ASCII digits with '-', '+', '(', ')' or spaces");
    }
    row.email = text("email");
    if (!row.email.empty() && !is_email(row.email)) issue("email", "is not an e-mail address");

    RowResult result;
    if (issues_.empty()) result.row = std::move(row);
    result.issues = std::move(issues_);
    return result;
  }

 private:
  std::string column_at_field(std::size_t field) const {
    for (std::size_t c = 0; c < kColumns.size(); ++c) {
      if (header_.field_of_column[c] == static_cast<int>(field)) return std::string(kColumns[c].name);
    }
    return "(column " + std::to_string(field + 1) + ")";
  }

  std::size_t index_of(std::string_view column) const {
    for (std::size_t c = 0; c < kColumns.size(); ++c) {
      if (kColumns[c].name == column) return c;
    }
    return kColumns.size();  // unreachable for the names used here
  }

  // The trimmed cell, or empty when the column is absent or the record is short.
  std::string_view cell(std::string_view column) const {
    const std::size_t c = index_of(column);
    if (c >= kColumns.size()) return {};
    const int field = header_.field_of_column[c];
    if (field < 0 || static_cast<std::size_t>(field) >= record_.fields.size()) return {};
    return fhir::jp::trim_padding(record_.fields[static_cast<std::size_t>(field)]);
  }

  void issue(std::string column, std::string problem) {
    issues_.push_back({record_.row, record_.line, std::move(column), std::move(problem)});
  }

  bool required(std::string_view column) const {
    return kColumns[index_of(column)].required;
  }

  std::string text(std::string_view column) {
    const std::string_view value = cell(column);
    if (value.empty()) {
      if (required(column)) issue(std::string(column), "is required");
      return {};
    }
    for (char c : value) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte == '\n' && multiline(column)) continue;
      if (byte < 0x20 || byte == 0x7F) {
        issue(std::string(column), byte == '\n' ? "must be on one line" : "contains a control character");
        return {};
      }
    }
    return std::string(value);
  }

  std::string key(std::string_view column) {
    std::string value = text(column);
    if (!value.empty() && !is_key(value)) {
      issue(std::string(column), "must be 1-64 characters of A-Z a-z 0-9 '-' '.'");
      return {};
    }
    return value;
  }

  std::string code(std::string_view column, std::span<const Code> table) {
    std::string value = text(column);
    if (!value.empty() && display_of(table, value).empty()) {
      std::string allowed;
      for (const Code& entry : table) allowed += (allowed.empty() ? "" : ", ") + std::string(entry.code);
      issue(std::string(column), "'" + value + "' is not one of " + allowed);
      return {};
    }
    return value;
  }

  std::string identifier(std::string_view column,
                         fhir::jp::IdentifierResult (*check)(std::string_view, fhir::jp::CheckMode)) {
    const std::string value = text(column);
    if (value.empty()) return {};
    const fhir::jp::IdentifierResult result = check(value, fhir::jp::CheckMode::strict);
    if (!result.valid) {
      issue(std::string(column), result.problem);
      return {};
    }
    return result.normalized;
  }

  std::string postal_code(std::string_view column, std::string_view value) {
    if (value.empty()) return {};
    const fhir::jp::IdentifierResult result = fhir::jp::check_postal_code(value);
    if (!result.valid) {
      issue(std::string(column), result.problem);
      return {};
    }
    return result.normalized;
  }

  std::optional<int> age(std::string_view column) {
    const std::string value = text(column);
    if (value.empty()) return std::nullopt;
    int years = -1;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), years);
    if (error != std::errc() || end != value.data() + value.size() || years < 0 || years > 150) {
      issue(std::string(column), "must be a whole number of years from 0 to 150");
      return std::nullopt;
    }
    return years;
  }

  void check_reach(const DirectoryRow& row) {
    if (row.recipient_mode.empty()) return;  // reported as required
    if (row.recipient_mode == "full") {
      if (row.endpoint_url.empty()) {
        issue("endpoint_url", "is required when recipient_mode is full");
      } else if (!is_http_url(row.endpoint_url)) {
        issue("endpoint_url", "must be an absolute http(s) URL (the recipient's FHIR base)");
      }
    } else if (row.recipient_mode == "light") {
      if (!row.endpoint_url.empty()) issue("endpoint_url", "must be empty when recipient_mode is light");
    } else {
      issue("recipient_mode", "must be full or light");
    }
  }

  void check_area(const DirectoryRow& row) {
    if (row.area_id.empty()) {
      if (!row.area_name.empty()) issue("area_name", "given without area_id");
      if (!cell("area_postal_codes").empty()) issue("area_postal_codes", "given without area_id");
      if (!row.area_towns.empty()) issue("area_towns", "given without area_id");
      return;
    }
    if (row.area_name.empty()) issue("area_name", "is required when area_id is given");
    if (cell("area_postal_codes").empty() && row.area_towns.empty()) {
      issue("area_postal_codes", "an area needs postal codes or area_towns (or leave area_id empty for the whole municipality)");
    }
  }

  const Header& header_;
  const CsvRecord& record_;
  std::vector<RowIssue> issues_;
};

}  // namespace

std::span<const ColumnSpec> columns() { return kColumns; }

Header read_header(const CsvRecord& record) {
  Header header;
  header.field_of_column.assign(kColumns.size(), -1);
  for (const CsvProblem& problem : record.problems) {
    header.errors.push_back({record.row, record.line, "", "header: " + problem.text});
  }
  for (std::size_t field = 0; field < record.fields.size(); ++field) {
    const std::string_view name = fhir::jp::trim_padding(record.fields[field]);
    bool known = false;
    for (std::size_t c = 0; c < kColumns.size(); ++c) {
      if (kColumns[c].name != name) continue;
      known = true;
      if (header.field_of_column[c] >= 0) {
        header.errors.push_back({record.row, record.line, std::string(name), "column appears twice in the header"});
      } else {
        header.field_of_column[c] = static_cast<int>(field);
      }
    }
    if (!known && !name.empty()) {
      header.warnings.push_back({record.row, record.line, std::string(name), "unknown column, ignored"});
    }
  }
  for (std::size_t c = 0; c < kColumns.size(); ++c) {
    if (kColumns[c].required && header.field_of_column[c] < 0) {
      header.errors.push_back({record.row, record.line, std::string(kColumns[c].name),
                               "required column missing from the header"});
    }
  }
  return header;
}

RowResult read_row(const Header& header, const CsvRecord& record) {
  return RowReader(header, record).read();
}

std::vector<std::string> split_list(std::string_view cell) {
  std::vector<std::string> items;
  std::string current;
  auto flush = [&] {
    const std::string_view item = fhir::jp::trim_padding(current);
    if (!item.empty()) items.emplace_back(item);
    current.clear();
  };
  for (std::size_t i = 0; i < cell.size();) {
    if (cell[i] == ';') {
      flush();
      ++i;
    } else if (cell.substr(i).starts_with("\xEF\xBC\x9B") || cell.substr(i).starts_with("\xE3\x80\x81")) {
      flush();  // '；' FULLWIDTH SEMICOLON, '、' IDEOGRAPHIC COMMA
      i += 3;
    } else {
      current += cell[i++];
    }
  }
  flush();
  return items;
}

}  // namespace socialrx::gateway::directory
