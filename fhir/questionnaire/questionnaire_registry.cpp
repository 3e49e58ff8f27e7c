#include "fhir/questionnaire/questionnaire_registry.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>

namespace socialrx::fhir::questionnaire {
namespace {

// Splits off the next dot-separated part of a version.
std::string_view next_part(std::string_view& rest) {
  const std::size_t dot = rest.find('.');
  const std::string_view part = rest.substr(0, dot);
  rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
  return part;
}

int compare_parts(std::string_view a, std::string_view b) {
  std::uint64_t x = 0, y = 0;
  const bool numeric_a =
      !a.empty() && std::from_chars(a.data(), a.data() + a.size(), x).ptr == a.data() + a.size();
  const bool numeric_b =
      !b.empty() && std::from_chars(b.data(), b.data() + b.size(), y).ptr == b.data() + b.size();
  if (numeric_a && numeric_b) return x < y ? -1 : (x > y ? 1 : 0);
  if (numeric_a != numeric_b) return numeric_a ? -1 : 1;  // semver: numbers sort first
  const int text = a.compare(b);
  return text < 0 ? -1 : (text > 0 ? 1 : 0);
}

// Dot-separated parts, in order; a missing part is lower ("1.0" < "1.0.1").
int compare_dotted(std::string_view a, std::string_view b) {
  while (!a.empty() || !b.empty()) {
    if (a.empty()) return -1;
    if (b.empty()) return 1;
    if (const int order = compare_parts(next_part(a), next_part(b)); order != 0) return order;
  }
  return 0;
}

}  // namespace

int compare_versions(std::string_view a, std::string_view b) {
  // Build metadata ("+…") does not take part in the order.
  a = a.substr(0, a.find('+'));
  b = b.substr(0, b.find('+'));
  const std::size_t dash_a = a.find('-'), dash_b = b.find('-');
  if (const int core = compare_dotted(a.substr(0, dash_a), b.substr(0, dash_b)); core != 0) {
    return core;
  }
  const bool pre_a = dash_a != std::string_view::npos, pre_b = dash_b != std::string_view::npos;
  if (pre_a != pre_b) return pre_a ? -1 : 1;  // a pre-release comes before its release
  if (!pre_a) return 0;
  return compare_dotted(a.substr(dash_a + 1), b.substr(dash_b + 1));
}

Issues QuestionnaireRegistry::add(json::Document document) {
  LoadResult loaded = QuestionnaireIndex::load(std::move(document));
  if (loaded.issues.has_errors() || !loaded.index) return loaded.issues;
  Issues issues = add(std::move(loaded.index));
  loaded.issues.append(issues);
  return loaded.issues;
}

Issues QuestionnaireRegistry::add(std::shared_ptr<const QuestionnaireIndex> index) {
  Issues issues;
  if (!index) {
    issues.error(IssueType::invalid, "", "No Questionnaire was given.");
    return issues;
  }
  if (index->url().empty()) {
    issues.error(IssueType::required, "Questionnaire.url",
                 "The Questionnaire has no url, so responses cannot name it.");
  }
  if (index->version().empty()) {
    issues.error(IssueType::required, "Questionnaire.version",
                 "The Questionnaire " + std::string(index->url()) + " has no version.");
  }
  if (issues.has_errors()) return issues;
  auto& versions = by_url_[std::string(index->url())];
  for (const auto& existing : versions) {
    if (existing->version() == index->version()) {
      issues.error(IssueType::duplicate, "Questionnaire.version",
                   "The Questionnaire " + std::string(index->url()) + "|" +
                       std::string(index->version()) + " is already loaded.");
      return issues;
    }
  }
  const auto position =
      std::find_if(versions.begin(), versions.end(), [&](const auto& existing) {
        return compare_versions(index->version(), existing->version()) > 0;
      });
  versions.insert(position, std::move(index));
  return issues;
}

std::shared_ptr<const QuestionnaireIndex> QuestionnaireRegistry::find(
    std::string_view canonical) const {
  const std::size_t bar = canonical.find('|');
  const auto found = by_url_.find(canonical.substr(0, bar));
  if (found == by_url_.end() || found->second.empty()) return nullptr;
  if (bar == std::string_view::npos) return found->second.front();
  const std::string_view version = canonical.substr(bar + 1);
  for (const auto& index : found->second) {
    if (index->version() == version) return index;
  }
  return nullptr;
}

std::vector<std::shared_ptr<const QuestionnaireIndex>> QuestionnaireRegistry::all() const {
  std::vector<std::shared_ptr<const QuestionnaireIndex>> every;
  for (const auto& [url, versions] : by_url_) every.insert(every.end(), versions.begin(), versions.end());
  return every;
}

std::size_t QuestionnaireRegistry::size() const {
  std::size_t count = 0;
  for (const auto& [url, versions] : by_url_) count += versions.size();
  return count;
}

}  // namespace socialrx::fhir::questionnaire
