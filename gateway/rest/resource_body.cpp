#include "gateway/rest/resource_body.hpp"

#include "fhir/validator.hpp"
#include "gateway/rest/negotiation.hpp"
#include "gateway/rest/resource_stamp.hpp"
#include "gateway/rest/responses.hpp"
#include "gateway/search/index_extractor.hpp"
#include "gateway/search/search_parameters.hpp"

namespace socialrx::gateway::rest {

ResourceBody read_resource_body(http::Request& request, std::string_view expected_type) {
  ResourceBody body;
  if (!is_json_body(request)) {
    body.error = error_response(request, Status::unsupported_media_type, fhir::IssueType::not_supported,
                                "send the resource as application/fhir+json");
    return body;
  }
  // Parsed in place: the body is taken over by the document (no copy of every string).
  fhir::ParsedResource parsed = fhir::parse_and_validate_owned(std::move(request.body()));
  if (!parsed.document) {  // not JSON at all, too big or too deep
    body.error = outcome_response(request, Status::bad_request, parsed.issues);
    return body;
  }
  const std::string_view type = parsed.document->root().string_at("resourceType");
  if (!expected_type.empty() && type != expected_type) {
    body.error = error_response(request, Status::bad_request, fhir::IssueType::invalid,
                                "the resourceType " + std::string(type) +
                                    " does not match the URL (" + std::string(expected_type) + ")",
                                "resourceType");
    return body;
  }
  if (!parsed.issues.has_errors() && !search::is_supported_resource_type(type)) {
    body.error = error_response(request, Status::unprocessable_entity, fhir::IssueType::not_supported,
                                "socialrx does not store " + std::string(type) + " resources");
    return body;
  }
  if (parsed.issues.has_errors()) {
    body.error = outcome_response(request, Status::unprocessable_entity, parsed.issues);
    return body;
  }
  body.document = std::move(parsed.document);
  return body;
}

PreparedResource prepare_resource(fhir::json::Document document, std::string id) {
  PreparedResource prepared{std::string(document.root().string_at("resourceType")), std::move(id),
                            std::move(document), {}};
  prepared.index = search::extract_index_rows(prepared.type, prepared.document.root());
  return prepared;
}

std::string render_stamped(PreparedResource& resource, const storage::VersionStamp& stamp) {
  return stamp_resource(resource.document, resource.document.root(), resource.id, stamp);
}

}  // namespace socialrx::gateway::rest
