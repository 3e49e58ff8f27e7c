#include "fhir/outcome.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace socialrx::fhir {

std::string_view to_code(Severity severity) {
  switch (severity) {
    case Severity::fatal:
      return "fatal";
    case Severity::error:
      return "error";
    case Severity::warning:
      return "warning";
    case Severity::information:
      return "information";
  }
  return "error";
}

std::string_view to_code(IssueType type) {
  switch (type) {
    case IssueType::invalid: return "invalid";
    case IssueType::structure: return "structure";
    case IssueType::required: return "required";
    case IssueType::value: return "value";
    case IssueType::invariant: return "invariant";
    case IssueType::security: return "security";
    case IssueType::login: return "login";
    case IssueType::forbidden: return "forbidden";
    case IssueType::processing: return "processing";
    case IssueType::not_supported: return "not-supported";
    case IssueType::duplicate: return "duplicate";
    case IssueType::multiple_matches: return "multiple-matches";
    case IssueType::not_found: return "not-found";
    case IssueType::deleted: return "deleted";
    case IssueType::too_long: return "too-long";
    case IssueType::code_invalid: return "code-invalid";
    case IssueType::extension: return "extension";
    case IssueType::too_costly: return "too-costly";
    case IssueType::business_rule: return "business-rule";
    case IssueType::conflict: return "conflict";
    case IssueType::transient: return "transient";
    case IssueType::exception: return "exception";
    case IssueType::timeout: return "timeout";
    case IssueType::throttled: return "throttled";
    case IssueType::informational: return "informational";
  }
  return "invalid";
}

void Issues::add(Severity severity, IssueType code, std::string expression,
                 std::string diagnostics) {
  items_.push_back(Issue{severity, code, std::move(expression), std::move(diagnostics)});
}

void Issues::append(const Issues& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

bool Issues::has_errors() const {
  return std::any_of(items_.begin(), items_.end(), [](const Issue& issue) {
    return issue.severity == Severity::fatal || issue.severity == Severity::error;
  });
}

std::string to_operation_outcome_json(const Issues& issues) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  auto string = [&writer](std::string_view text) {
    writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  };
  writer.StartObject();
  writer.Key("resourceType");
  writer.String("OperationOutcome");
  writer.Key("issue");
  writer.StartArray();
  if (issues.empty()) {
    writer.StartObject();
    writer.Key("severity");
    writer.String("information");
    writer.Key("code");
    writer.String("informational");
    writer.Key("diagnostics");
    writer.String("no issues found");
    writer.EndObject();
  }
  for (const Issue& issue : issues) {
    writer.StartObject();
    writer.Key("severity");
    string(to_code(issue.severity));
    writer.Key("code");
    string(to_code(issue.code));
    if (!issue.diagnostics.empty()) {
      writer.Key("diagnostics");
      string(issue.diagnostics);
    }
    if (!issue.expression.empty()) {
      writer.Key("expression");
      writer.StartArray();
      string(issue.expression);
      writer.EndArray();
    }
    writer.EndObject();
  }
  writer.EndArray();
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace socialrx::fhir
