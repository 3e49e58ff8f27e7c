#pragma once
// Issues found while processing a message, and their OperationOutcome form.
// Every message path returns Issues instead of throwing (DESIGN.md, conventions).

#include <string>
#include <string_view>
#include <vector>

namespace socialrx::fhir {

enum class Severity { fatal, error, warning, information };

// The FHIR R4 issue-type codes (http://hl7.org/fhir/issue-type) that socialrx uses.
enum class IssueType {
  invalid,
  structure,
  required,
  value,
  invariant,
  security,
  login,
  forbidden,
  processing,
  not_supported,
  duplicate,
  multiple_matches,
  not_found,
  deleted,
  too_long,
  code_invalid,
  extension,
  too_costly,
  business_rule,
  conflict,
  transient,
  exception,
  timeout,
  throttled,
  informational,
};

std::string_view to_code(Severity severity);
std::string_view to_code(IssueType type);

struct Issue {
  Severity severity = Severity::error;
  IssueType code = IssueType::invalid;
  std::string expression;   // FHIRPath-style element path, e.g. "Patient.name[0].given[1]"; may be empty
  std::string diagnostics;  // one sentence a person understands
};

// An ordered collection of issues; everything found is kept, not only the first.
class Issues {
 public:
  void add(Severity severity, IssueType code, std::string expression, std::string diagnostics);
  void error(IssueType code, std::string expression, std::string diagnostics) {
    add(Severity::error, code, std::move(expression), std::move(diagnostics));
  }
  void warning(IssueType code, std::string expression, std::string diagnostics) {
    add(Severity::warning, code, std::move(expression), std::move(diagnostics));
  }
  void append(const Issues& other);

  bool has_errors() const;  // any fatal or error
  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  const std::vector<Issue>& items() const { return items_; }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

 private:
  std::vector<Issue> items_;
};

// Serializes issues as an R4 OperationOutcome (compact JSON). With no issues it reports one
// "information" issue saying all is well, because OperationOutcome.issue is 1..*.
std::string to_operation_outcome_json(const Issues& issues);

}  // namespace socialrx::fhir
