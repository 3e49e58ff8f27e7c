#pragma once
// The transforms a mapping file can name ("$transform"): HL7 v2 datatypes → FHIR datatypes.
// They know HL7 v2 and FHIR (and JP Core's conventions for names and addresses), never a
// particular sender: which field feeds which element is the mapping file's business.
//
//   date                     DT/DTM "19620315" → "1962-03-15" (also YYYY, YYYYMM; a time is dropped)
//   datetime                 DTM "202401051030" → "2024-01-05T10:30:00+09:00" (the mapping's
//                            timezone unless the value carries an offset; a bare date stays a date)
//   medical-institution-code a 10-digit 医療機関コード, full-width digits read (check digit: warning)
//   postal-code              7 digits → "NNN-NNNN"
//   name-text                a name part as JP Core wants it (half-width kana → full-width, spaces)
//   xpn-jp                   a whole XPN field repetition → HumanName with the
//                            iso21090-EN-representation extension from XPN-8 (I → IDE, P → SYL,
//                            A → ABC), use from XPN-7, text "family given"
//   xad-jp                   a whole XAD → Address (state/city/line, postalCode NNN-NNNN, text =
//                            XAD-8 or the parts joined; the 都道府県 is read from an unstructured text)
//   xtn                      a whole XTN → ContactPoint (XTN-12, else XTN-1, else XTN-4 for
//                            e-mail; system from XTN-3, use from XTN-2)
//   jp-insurance-member-id   four values (保険者番号, 記号, 番号, 枝番) → 被保険者個人識別子
//                            "00012345:記号:番号:枝番" (DOMAIN.md §3)
//
// A transform that cannot read its input adds an error issue at the HL7 location and produces
// nothing; one that can but has a doubt (a wrong check digit) adds a warning.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/json.hpp"
#include "plugins/hl7v2/message.hpp"
#include "plugins/plugin_api.hpp"

namespace socialrx::plugins::hl7v2::mapping {

struct TransformContext {
  fhir::json::Document& out;
  const Message& message;
  std::string_view timezone;  // "+09:00"
  std::vector<PluginIssue>& issues;
};

struct TransformInfo {
  enum class Input {
    value,   // the text at a position
    field,   // a whole field repetition (components read by the transform)
    values,  // several texts, one per position in "$from"
  };
  std::string_view name;
  Input input = Input::value;
  std::size_t arity = 1;  // number of positions for Input::values
  std::optional<fhir::json::Value> (*on_value)(std::string_view text, const std::string& location,
                                               TransformContext& context) = nullptr;
  std::optional<fhir::json::Value> (*on_field)(std::size_t segment, int field, int repetition,
                                               const std::string& location,
                                               TransformContext& context) = nullptr;
  std::optional<fhir::json::Value> (*on_values)(std::span<const std::string_view> texts,
                                                std::span<const std::string> locations,
                                                TransformContext& context) = nullptr;
};

// The transform with this name, or nullptr.
const TransformInfo* find_transform(std::string_view name);
// Every name, for the "unknown transform" message.
std::string transform_names();

// Shared with the builder: an HL7 date/time as a FHIR dateTime, or nullopt when it is not one.
std::optional<std::string> hl7_to_fhir_datetime(std::string_view text, std::string_view timezone);
std::optional<std::string> hl7_to_fhir_date(std::string_view text);

}  // namespace socialrx::plugins::hl7v2::mapping
