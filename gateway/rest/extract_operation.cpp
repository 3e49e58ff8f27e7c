// $extract (SDC Observation-based extraction; conf/questionnaires/README.md "Extraction"):
//   GET|POST /fhir/QuestionnaireResponse/{id}/$extract   a stored response
//   POST /fhir/QuestionnaireResponse/$extract            the response in the body, or in a
//                                                        Parameters resource as
//                                                        "questionnaire-response"
// The answer is the transaction Bundle that storing the response would also store; nothing is
// saved here.

#include "fhir/validator.hpp"
#include "gateway/assessment/response_processor.hpp"
#include "gateway/rest/exchange.hpp"
#include "gateway/rest/recipient_reads.hpp"
#include "gateway/rest/responses.hpp"

namespace socialrx::gateway::rest {
namespace {

void extract_and_reply(ApiServices& services, const ExchangePtr& exchange,
                       const fhir::json::Value& response, DisclosedReads reads = DisclosedReads(nullptr)) {
  fhir::Issues issues = fhir::validate_resource(response);
  if (!issues.has_errors()) {
    assessment::ProcessedResponse processed = assessment::process_response(
        *services.questionnaires, response, assessment::Extraction::always);
    if (!processed.issues.has_errors() && !processed.extraction_bundle.empty()) {
      reply_recorded(services, exchange, "operation", std::move(reads),
                     json_response(exchange->request, Status::ok, std::move(processed.extraction_bundle)));
      return;
    }
    issues = std::move(processed.issues);
  }
  exchange->reply(outcome_response(exchange->request, Status::unprocessable_entity, issues));
}

}  // namespace

void handle_extract(ApiServices& services, const ExchangePtr& exchange) {
  if (services.questionnaires == nullptr) {
    exchange->reply(error_response(exchange->request, Status::not_found, fhir::IssueType::not_supported,
                                   "no Questionnaires are loaded: $extract is not available"));
    return;
  }
  if (!exchange->route.id.empty()) {
    const auto gate = read_gate_for(services, *exchange);
    auto stored = services.store.read(exchange->route.type, exchange->route.id);
    fhir::json::ParseResult parsed;
    if (stored && !stored->deleted) parsed = fhir::json::parse(stored->body);
    // A response the recipient may not see is answered like one that does not exist.
    if (gate && stored &&
        gate->access(exchange->route.type, exchange->route.id, parsed.document ? &parsed.document->root() : nullptr) ==
            referral::RecipientView::Access::hidden) {
      stored.reset();
    }
    if (!stored || stored->deleted) {
      exchange->reply(error_response(exchange->request, stored ? Status::gone : Status::not_found,
                                     stored ? fhir::IssueType::deleted : fhir::IssueType::not_found,
                                     "QuestionnaireResponse/" + exchange->route.id +
                                         (stored ? " was deleted" : " does not exist")));
      return;
    }
    if (!parsed.document) {
      exchange->reply(error_response(exchange->request, Status::internal_server_error,
                                     fhir::IssueType::exception, "the stored response cannot be read"));
      return;
    }
    DisclosedReads reads(gate ? &*gate : nullptr);
    reads.add(exchange->route.type, exchange->route.id);
    extract_and_reply(services, exchange, parsed.document->root(), std::move(reads));
    return;
  }
  if (exchange->request.method() != boost::beast::http::verb::post) {
    exchange->reply(method_not_allowed(exchange->request, "POST"));
    return;
  }
  const auto body = read_operation_body(exchange);
  if (!body) return;
  const fhir::json::Value* response = operation_resource(body->root(), "questionnaire-response");
  if (response == nullptr || response->string_at("resourceType") != "QuestionnaireResponse") {
    exchange->reply(error_response(exchange->request, Status::bad_request, fhir::IssueType::invalid,
                                   "send a QuestionnaireResponse, or Parameters with a "
                                   "\"questionnaire-response\" parameter"));
    return;
  }
  extract_and_reply(services, exchange, *response);
}

}  // namespace socialrx::gateway::rest
