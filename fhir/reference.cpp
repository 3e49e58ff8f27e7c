#include "fhir/reference.hpp"

#include "fhir/primitives.hpp"
#include "fhir/schema_index.hpp"

namespace socialrx::fhir {
namespace {

constexpr std::string_view kExpected =
    "expected Type/id, an absolute URL, urn:uuid:, urn:oid: or #id";

bool is_id(std::string_view text) { return check_primitive(Primitive::id, text).empty(); }

// Splits "Type/id" or "Type/id/_history/vid" at the end of `path`; returns false if it is not.
bool split_type_and_id(std::string_view path, ReferenceParts& parts, std::size_t& type_start) {
  std::string_view segments[4];
  std::size_t count = 0;
  std::size_t end = path.size();
  while (count < 4) {
    const std::size_t slash = path.rfind('/', end == 0 ? 0 : end - 1);
    const std::size_t start = slash == std::string_view::npos ? 0 : slash + 1;
    segments[count++] = path.substr(start, end - start);
    type_start = start;
    if (slash == std::string_view::npos) break;
    end = slash;
  }
  // segments are last-first: [vid, "_history", id, Type] or [id, Type, ...]
  if (count >= 4 && segments[1] == "_history") {
    if (!is_resource_type(segments[3]) || !is_id(segments[2]) || !is_id(segments[0])) return false;
    parts.resource_type = segments[3];
    parts.id = segments[2];
    parts.version = segments[0];
    type_start = static_cast<std::size_t>(segments[3].data() - path.data());
    return true;
  }
  if (count < 2 || !is_resource_type(segments[1]) || !is_id(segments[0])) return false;
  parts.resource_type = segments[1];
  parts.id = segments[0];
  type_start = static_cast<std::size_t>(segments[1].data() - path.data());
  return true;
}

}  // namespace

bool is_resource_type(std::string_view name) {
  return schema::SchemaIndex::instance().resource_type(name) != nullptr;
}

ReferenceParts parse_reference(std::string_view reference) {
  ReferenceParts parts;
  if (reference.empty()) {
    parts.problem = "it is empty";
    return parts;
  }
  if (reference.front() == '#') {
    parts.id = reference.substr(1);
    if (!parts.id.empty() && !is_id(parts.id)) {
      parts.problem = "the local id after '#' is not a valid id";
      return parts;
    }
    parts.form = ReferenceForm::local;
    return parts;
  }
  if (!check_primitive(Primitive::uri, reference).empty()) {
    parts.problem = "it contains whitespace";
    return parts;
  }
  if (reference.starts_with("urn:uuid:")) {
    if (check_primitive(Primitive::uuid, reference).empty()) {
      parts.form = ReferenceForm::uuid;
    } else {
      parts.problem = "not a valid urn:uuid:";
    }
    return parts;
  }
  if (reference.starts_with("urn:oid:")) {
    if (check_primitive(Primitive::oid, reference).empty()) {
      parts.form = ReferenceForm::oid;
    } else {
      parts.problem = "not a valid urn:oid:";
    }
    return parts;
  }
  std::size_t type_start = 0;
  // "Type?query" is conditional even when the query holds a URL (identifier=http://…|123): only
  // what comes before the '?' says whether the reference itself is a URL.
  const std::size_t question_mark = reference.find('?');
  const bool conditional_form = question_mark != std::string_view::npos &&
                                reference.substr(0, question_mark).find_first_of(":/") == std::string_view::npos;
  if (!conditional_form && reference.find("://") != std::string_view::npos) {
    const std::size_t query = reference.find('?');
    const std::string_view path = reference.substr(0, query);
    if (query == std::string_view::npos && split_type_and_id(path, parts, type_start) &&
        type_start > 0) {
      parts.form = ReferenceForm::absolute;
      parts.base = reference.substr(0, type_start - 1);
    } else {
      parts = ReferenceParts{};
      parts.form = ReferenceForm::other_url;
    }
    return parts;
  }
  if (const std::size_t question = reference.find('?'); question != std::string_view::npos) {
    const std::string_view type = reference.substr(0, question);
    if (!is_resource_type(type) || question + 1 == reference.size()) {
      parts.problem = "a conditional reference needs a resource type and search parameters";
      return parts;
    }
    parts.form = ReferenceForm::conditional;
    parts.resource_type = type;
    parts.query = reference.substr(question + 1);
    return parts;
  }
  if (split_type_and_id(reference, parts, type_start) && type_start == 0) {
    parts.form = ReferenceForm::relative;
    return parts;
  }
  parts = ReferenceParts{};
  parts.problem = kExpected;
  return parts;
}

}  // namespace socialrx::fhir
