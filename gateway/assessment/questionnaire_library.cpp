#include "gateway/assessment/questionnaire_library.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "fhir/validator.hpp"

namespace socialrx::gateway::assessment {
namespace fq = fhir::questionnaire;

namespace {

constexpr std::string_view kSdhDomainSystem = "https://socialrx.jp/fhir/CodeSystem/sdh-domain";

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path.string() + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Throws with every error of `issues` (one line each) when there is one.
void refuse_on_errors(const std::filesystem::path& file, const fhir::Issues& issues) {
  if (!issues.has_errors()) return;
  std::string message = file.string() + ": not loaded:";
  for (const fhir::Issue& issue : issues) {
    if (issue.severity != fhir::Severity::error && issue.severity != fhir::Severity::fatal) continue;
    message += "\n  " + (issue.expression.empty() ? std::string() : issue.expression + ": ") +
               issue.diagnostics;
  }
  throw std::runtime_error(message);
}

fhir::json::Document parse_valid(const std::filesystem::path& file, const std::string& bytes) {
  fhir::ParsedResource parsed = fhir::parse_and_validate(bytes);
  refuse_on_errors(file, parsed.issues);
  return std::move(*parsed.document);
}

}  // namespace

std::unique_ptr<QuestionnaireLibrary> QuestionnaireLibrary::load(const std::filesystem::path& folder) {
  if (!std::filesystem::is_directory(folder)) {
    throw std::runtime_error(folder.string() + ": the Questionnaire folder does not exist");
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());

  std::unique_ptr<QuestionnaireLibrary> library(new QuestionnaireLibrary());
  std::set<std::string> keys;  // "Type/id"
  std::vector<std::pair<std::filesystem::path, std::string>> questionnaires;
  const fhir::json::Value* sdh_domain = nullptr;
  for (const auto& file : files) {
    std::string bytes = read_file(file);
    auto resource = std::make_unique<ShippedResource>();
    resource->file = file.string();
    resource->document = parse_valid(file, bytes);
    const fhir::json::Value& root = resource->document.root();
    resource->type = std::string(root.string_at("resourceType"));
    resource->id = std::string(root.string_at("id"));
    if (resource->type != "Questionnaire" && resource->type != "CodeSystem") {
      throw std::runtime_error(file.string() + ": only Questionnaire and CodeSystem resources belong here, not " +
                               resource->type);
    }
    if (resource->id.empty()) throw std::runtime_error(file.string() + ": the resource needs an id");
    if (!keys.insert(resource->type + "/" + resource->id).second) {
      throw std::runtime_error(file.string() + ": a second " + resource->type + " with the id " + resource->id);
    }
    if (resource->type == "CodeSystem" && root.string_at("url") == kSdhDomainSystem) sdh_domain = &root;
    if (resource->type == "Questionnaire") questionnaires.emplace_back(file, std::move(bytes));
    library->resources_.push_back(std::move(resource));
  }

  // Each Questionnaire gets its own parse: the index owns its document.
  for (const auto& [file, bytes] : questionnaires) {
    fq::LoadResult loaded = fq::QuestionnaireIndex::load(parse_valid(file, bytes));
    refuse_on_errors(file, loaded.issues);
    fq::ScoringLoad scoring = fq::ScoringPlan::compile(loaded.index);
    refuse_on_errors(file, scoring.issues);
    refuse_on_errors(file, library->registry_.add(loaded.index));
    LoadedQuestionnaire entry;
    entry.index = loaded.index;
    entry.scoring = scoring.plan;
    entry.extraction = fq::ExtractionPlan::build(scoring.plan, sdh_domain);
    library->by_index_.emplace(loaded.index.get(), std::move(entry));
  }
  return library;
}

const LoadedQuestionnaire* QuestionnaireLibrary::find(std::string_view canonical) const {
  const auto index = registry_.find(canonical);
  if (!index) return nullptr;
  const auto found = by_index_.find(index.get());
  return found == by_index_.end() ? nullptr : &found->second;
}

}  // namespace socialrx::gateway::assessment
