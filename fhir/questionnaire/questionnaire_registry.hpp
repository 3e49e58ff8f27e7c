#pragma once
// The loaded Questionnaires, by canonical url and version. Filled at start-up (the gateway reads
// the files and hands over parsed documents; no file I/O here) and read-only afterwards, so
// lookups need no lock. Indexes are shared: a response being processed keeps its Questionnaire
// alive even if a later registry replaces it.

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fhir/json.hpp"
#include "fhir/outcome.hpp"
#include "fhir/questionnaire/questionnaire_index.hpp"

namespace socialrx::fhir::questionnaire {

// Semantic-version order ("1.10.0" after "1.9.2"; "1.0.0-rc.1" before "1.0.0"); parts that are
// not numbers compare as text. Negative, zero or positive like strcmp.
int compare_versions(std::string_view a, std::string_view b);

class QuestionnaireRegistry {
 public:
  // Loads and adds one Questionnaire. Refused (with the load issues, or `required` when url or
  // version is missing, `duplicate` when that url|version is already there) when there are
  // errors; warnings are returned either way.
  Issues add(json::Document document);
  Issues add(std::shared_ptr<const QuestionnaireIndex> index);

  // `url|version`, or `url` alone for the latest version; nullptr when unknown.
  std::shared_ptr<const QuestionnaireIndex> find(std::string_view canonical) const;

  // Every loaded Questionnaire (each url's versions newest first).
  std::vector<std::shared_ptr<const QuestionnaireIndex>> all() const;
  std::size_t size() const;

 private:
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const {
      return std::hash<std::string_view>()(text);
    }
  };
  // Versions of one url, newest first.
  std::unordered_map<std::string, std::vector<std::shared_ptr<const QuestionnaireIndex>>, TextHash,
                     std::equal_to<>>
      by_url_;
};

}  // namespace socialrx::fhir::questionnaire
