#include "gateway/directory/csv_reader.hpp"

namespace socialrx::gateway::directory {
namespace {

// One pass over the text; `pos` always moves forward, so the reader ends on any input.
class Reader {
 public:
  Reader(std::string_view text, const CsvLimits& limits) : text_(text), limits_(limits) {}

  std::vector<CsvRecord> read_all() {
    std::vector<CsvRecord> records;
    while (pos_ < text_.size()) records.push_back(read_record(records.size() + 1));
    return records;
  }

 private:
  bool at_end() const { return pos_ >= text_.size(); }

  // Consumes a record terminator if one is here (CRLF, LF or CR); returns whether it did.
  bool take_newline() {
    if (at_end()) return false;
    if (text_[pos_] == '\r') {
      ++pos_;
      if (!at_end() && text_[pos_] == '\n') ++pos_;
      ++line_;
      return true;
    }
    if (text_[pos_] == '\n') {
      ++pos_;
      ++line_;
      return true;
    }
    return false;
  }

  void append(CsvRecord& record, std::string& field, char c, bool& oversize) {
    if (field.size() >= limits_.max_field_bytes) {
      if (!oversize) {
        record.problems.push_back({record.fields.size(), "field longer than " +
                                                             std::to_string(limits_.max_field_bytes) +
                                                             " bytes"});
      }
      oversize = true;  // keep scanning to the field's end, but stop growing it
      return;
    }
    field.push_back(c);
  }

  CsvRecord read_record(std::size_t row) {
    CsvRecord record;
    record.row = row;
    record.line = line_;
    for (;;) {
      std::string field;
      bool oversize = false;
      if (!at_end() && text_[pos_] == '"') {
        read_quoted(record, field, oversize);
      } else {
        while (!at_end() && text_[pos_] != ',' && text_[pos_] != '\r' && text_[pos_] != '\n') {
          if (text_[pos_] == '"' && !stray_quote_reported_) {
            record.problems.push_back({record.fields.size(), "a '\"' inside an unquoted field"});
            stray_quote_reported_ = true;
          }
          append(record, field, text_[pos_++], oversize);
        }
      }
      stray_quote_reported_ = false;
      if (record.fields.size() < limits_.max_fields) {
        record.fields.push_back(std::move(field));
      } else if (record.fields.size() == limits_.max_fields && !too_many_reported_) {
        record.problems.push_back({limits_.max_fields, "more than " + std::to_string(limits_.max_fields) +
                                                           " fields in one row"});
        too_many_reported_ = true;
      }
      if (!at_end() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      take_newline();
      too_many_reported_ = false;
      return record;
    }
  }

  // At the opening quote. Ends after the closing quote (and whatever junk follows it up to the
  // next separator, which is reported).
  void read_quoted(CsvRecord& record, std::string& field, bool& oversize) {
    ++pos_;
    for (;;) {
      if (at_end()) {
        record.problems.push_back({record.fields.size(), "quoted field not closed before the end of the file"});
        return;
      }
      const char c = text_[pos_];
      if (c == '"') {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
          append(record, field, '"', oversize);
          pos_ += 2;
          continue;
        }
        ++pos_;
        break;
      }
      if (c == '\r' || c == '\n') {
        // A line break inside quotes belongs to the field; normalize CRLF and CR to LF.
        take_newline();
        append(record, field, '\n', oversize);
        continue;
      }
      append(record, field, c, oversize);
      ++pos_;
    }
    if (!at_end() && text_[pos_] != ',' && text_[pos_] != '\r' && text_[pos_] != '\n') {
      record.problems.push_back({record.fields.size(), "text after the closing quote"});
      while (!at_end() && text_[pos_] != ',' && text_[pos_] != '\r' && text_[pos_] != '\n') ++pos_;
    }
  }

  std::string_view text_;
  const CsvLimits& limits_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  bool stray_quote_reported_ = false;
  bool too_many_reported_ = false;
};

}  // namespace

std::vector<CsvRecord> read_csv(std::string_view text, const CsvLimits& limits) {
  return Reader(text, limits).read_all();
}

std::string csv_field(std::string_view text) {
  const bool needs_quotes = text.find_first_of(",\"\r\n") != std::string_view::npos ||
                            (!text.empty() && (text.front() == ' ' || text.back() == ' '));
  if (!needs_quotes) return std::string(text);
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

}  // namespace socialrx::gateway::directory
