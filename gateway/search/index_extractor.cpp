#include "gateway/search/index_extractor.hpp"

#include <limits>
#include <string>

#include "fhir/date_time.hpp"
#include "fhir/reference.hpp"
#include "fhir/text_normalize.hpp"
#include "gateway/search/search_parameters.hpp"

namespace socialrx::gateway::search {
namespace {

using fhir::json::Value;
using storage::IndexRow;

class Extractor {
 public:
  Extractor(const SearchParameter& parameter, std::vector<IndexRow>& rows)
      : parameter_(parameter), rows_(rows) {}

  // Walks `path` (dot-separated) from `value`; arrays are walked item by item at every step.
  void walk(const Value& value, std::string_view path) {
    if (value.is_array()) {
      for (const Value& item : value.items()) walk(item, path);
      return;
    }
    if (path.empty()) {
      leaf(value);
      return;
    }
    const std::size_t dot = path.find('.');
    const std::string_view segment = path.substr(0, dot);
    const std::string_view rest = dot == std::string_view::npos ? "" : path.substr(dot + 1);
    if (segment.ends_with("[x]")) {
      const std::string_view stem = segment.substr(0, segment.size() - 3);
      for (const auto& member : value.members()) {
        if (member.key.size() > stem.size() && member.key.starts_with(stem) &&
            std::isupper(static_cast<unsigned char>(member.key[stem.size()]))) {
          walk(member.value, rest);
        }
      }
      return;
    }
    if (const Value* child = value.find(segment)) walk(*child, rest);
  }

 private:
  const SearchParameter& parameter_;
  std::vector<IndexRow>& rows_;

  void add(std::string system, std::string value) {
    rows_.push_back(IndexRow{std::string(parameter_.code), std::move(system), std::move(value),
                             std::nullopt, std::nullopt});
  }

  void leaf(const Value& value) {
    switch (parameter_.kind) {
      case ParamKind::token:
        token(value);
        break;
      case ParamKind::string:
        string(value);
        break;
      case ParamKind::reference:
        reference(value);
        break;
      case ParamKind::date:
        date(value);
        break;
      case ParamKind::uri:
        if (value.is_string()) add("", std::string(value.text()));
        break;
    }
  }

  void token(const Value& value) {
    if (value.is_string()) {
      add("", std::string(value.text()));
    } else if (value.is_bool()) {
      add("", value.as_bool() ? "true" : "false");
    } else if (const Value* codings = value.find("coding")) {  // CodeableConcept
      for (const Value& coding : codings->items()) token(coding);
    } else if (!value.string_at("code").empty()) {  // Coding
      add(std::string(value.string_at("system")), std::string(value.string_at("code")));
    } else if (!value.string_at("value").empty()) {  // Identifier
      add(std::string(value.string_at("system")), std::string(value.string_at("value")));
    }
  }

  void string_text(std::string_view text) {
    if (!text.empty()) add(std::string(text), fhir::jp::search_key(text));
  }

  void string(const Value& value) {
    if (value.is_string()) {
      string_text(value.text());
      return;
    }
    // HumanName and Address: every part is searchable on its own.
    for (const auto& member : value.members()) {
      const std::string_view key = member.key;
      const bool name_part = key == "text" || key == "family" || key == "given" ||
                             key == "prefix" || key == "suffix";
      const bool address_part = key == "line" || key == "city" || key == "district" ||
                                key == "state" || key == "postalCode" || key == "country";
      if (!name_part && !address_part) continue;
      if (member.value.is_array()) {
        for (const Value& item : member.value.items()) string_text(item.text());
      } else {
        string_text(member.value.text());
      }
    }
  }

  void reference(const Value& value) {
    // Reference.reference, or a canonical given as a plain string (QuestionnaireResponse.questionnaire).
    if (value.is_string()) {
      const std::string_view canonical = value.text();
      add("", std::string(canonical));
      if (const std::size_t bar = canonical.find('|'); bar != std::string_view::npos) {
        add("", std::string(canonical.substr(0, bar)));  // also without its version
      }
      return;
    }
    const std::string_view text = value.string_at("reference");
    if (text.empty()) return;
    const fhir::ReferenceParts parts = fhir::parse_reference(text);
    if (!parameter_.target_type.empty() && parts.resource_type != parameter_.target_type) return;
    switch (parts.form) {
      case fhir::ReferenceForm::relative:
        add("", std::string(parts.resource_type) + "/" + std::string(parts.id));
        break;
      case fhir::ReferenceForm::absolute:
      case fhir::ReferenceForm::other_url:
        add("", std::string(text));
        break;
      default:
        break;  // local, urn: and conditional references are not searchable targets
    }
  }

  void date(const Value& value) {
    std::optional<fhir::TimeRange> range;
    if (value.is_string()) {
      range = fhir::time_range(value.text());
    } else if (value.is_object()) {  // Period: an open end is unbounded
      const auto start = fhir::time_range(value.string_at("start"));
      const auto end = fhir::time_range(value.string_at("end"));
      if (!start && !end) return;
      range = fhir::TimeRange{start ? start->low_ms : std::numeric_limits<std::int64_t>::min(),
                              end ? end->high_ms : std::numeric_limits<std::int64_t>::max()};
    }
    if (!range) return;
    rows_.push_back(IndexRow{std::string(parameter_.code), "", "", range->low_ms, range->high_ms});
  }
};

}  // namespace

std::vector<IndexRow> extract_index_rows(std::string_view resource_type,
                                         const fhir::json::Value& resource) {
  std::vector<IndexRow> rows;
  for (const SearchParameter* parameter : parameters_of(resource_type)) {
    Extractor(*parameter, rows).walk(resource, parameter->path);
  }
  return rows;
}

}  // namespace socialrx::gateway::search
