#pragma once
// The assessment content loaded at start-up from conf/questionnaires/ (every *.json: one
// Questionnaire or CodeSystem each, see conf/questionnaires/README.md): the Questionnaires with
// their compiled scoring and extraction plans, and the resources to publish through the FHIR API.
// Read-only once loaded, so any thread may use it without a lock.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fhir/json.hpp"
#include "fhir/questionnaire/extraction.hpp"
#include "fhir/questionnaire/questionnaire_index.hpp"
#include "fhir/questionnaire/questionnaire_registry.hpp"
#include "fhir/questionnaire/scoring.hpp"

namespace socialrx::gateway::assessment {

// One shipped file, as it is published (Questionnaire or CodeSystem).
struct ShippedResource {
  std::string file;  // for messages
  std::string type;
  std::string id;
  fhir::json::Document document;
};

// What processing a response needs of its Questionnaire.
struct LoadedQuestionnaire {
  std::shared_ptr<const fhir::questionnaire::QuestionnaireIndex> index;
  std::shared_ptr<const fhir::questionnaire::ScoringPlan> scoring;
  std::shared_ptr<const fhir::questionnaire::ExtractionPlan> extraction;
};

class QuestionnaireLibrary {
 public:
  // Loads every *.json in `folder` (sorted by name). Throws std::runtime_error naming the file,
  // the element path and the problem when a file is not a valid resource, a Questionnaire breaks
  // the engine's rules (duplicate linkIds, an expression outside the FHIRPath subset…) or two
  // files share a type and id.
  static std::unique_ptr<QuestionnaireLibrary> load(const std::filesystem::path& folder);

  // `url|version` or `url` (the latest version); nullptr when unknown.
  const LoadedQuestionnaire* find(std::string_view canonical) const;
  const std::vector<std::unique_ptr<ShippedResource>>& resources() const { return resources_; }
  std::size_t questionnaire_count() const { return by_index_.size(); }

 private:
  QuestionnaireLibrary() = default;

  // unique_ptr: the extraction plans keep pointers into the sdh-domain CodeSystem's document.
  std::vector<std::unique_ptr<ShippedResource>> resources_;
  fhir::questionnaire::QuestionnaireRegistry registry_;
  std::unordered_map<const fhir::questionnaire::QuestionnaireIndex*, LoadedQuestionnaire> by_index_;
};

}  // namespace socialrx::gateway::assessment
