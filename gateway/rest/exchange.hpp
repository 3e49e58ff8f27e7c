#pragma once
// One FHIR request on its way through the API, and the services every interaction uses.

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fhir/json.hpp"
#include "gateway/http/server.hpp"
#include "gateway/rest/auth.hpp"
#include "gateway/rest/negotiation.hpp"
#include "gateway/rest/query_string.hpp"
#include "gateway/rest/route.hpp"
#include "gateway/storage/resource_store.hpp"
#include "gateway/storage/write_queue.hpp"

namespace socialrx::gateway::assessment {
class QuestionnaireLibrary;
}
namespace socialrx::gateway::outbox {
class DeliveryWorker;
}
namespace socialrx::gateway::referral {
class Workflow;
}

namespace socialrx::gateway::rest {

struct ApiServices {
  storage::Database& database;
  storage::ResourceStore& store;
  storage::WriteQueue& writes;
  std::string configured_base_url;  // empty: from the Host header
  std::size_t max_pending_writes;
  std::atomic<std::size_t> pending_writes{0};
  std::string capability_statement;  // built once at start-up
  // Shipped Questionnaires (conf/questionnaires); QuestionnaireResponses are checked, scored and
  // extracted against them. Null: QuestionnaireResponses are stored as any other resource.
  const assessment::QuestionnaireLibrary* questionnaires = nullptr;
  bool extract_on_write = true;  // completed/amended responses are extracted when written
  // Delivers what write jobs queue with outbox::enqueue(); call notify() after such a commit.
  // Null when there is none (tests).
  outbox::DeliveryWorker* outbox = nullptr;
  // The referral workflow (routing, consent gate, Task state machine, mirroring), run inside the
  // write jobs of client writes (rest/workflow_hooks.hpp). Null: Tasks are stored as they come.
  const referral::Workflow* workflow = nullptr;
};

struct Exchange {
  http::Request request;
  http::RequestContext context;
  http::Respond respond;
  Route route;
  std::vector<QueryParam> query;
  Preferences preferences;
  Principal principal;
  std::string base_url;  // "http://127.0.0.1:8080/fhir"

  void reply(http::Response&& response) { respond(std::move(response)); }
};

using ExchangePtr = std::shared_ptr<Exchange>;

// Interactions (one file each): they answer through exchange->reply exactly once.
void handle_read(ApiServices& services, const ExchangePtr& exchange);
void handle_vread(ApiServices& services, const ExchangePtr& exchange);
void handle_history(ApiServices& services, const ExchangePtr& exchange);
void handle_search(ApiServices& services, const ExchangePtr& exchange);
void handle_create(ApiServices& services, const ExchangePtr& exchange);
void handle_update(ApiServices& services, const ExchangePtr& exchange);
void handle_delete(ApiServices& services, const ExchangePtr& exchange);
void handle_bundle(ApiServices& services, const ExchangePtr& exchange);  // transaction / batch
void handle_operation(ApiServices& services, const ExchangePtr& exchange);  // $validate, $extract
void handle_validate(ApiServices& services, const ExchangePtr& exchange);
void handle_extract(ApiServices& services, const ExchangePtr& exchange);

// For operations (operation_input.cpp): the POST body as JSON (else answers 415/400 and returns
// nullopt); the resource in it — the body itself, or the Parameters' `parameter_name` resource
// (nullptr when missing).
std::optional<fhir::json::Document> read_operation_body(const ExchangePtr& exchange);
const fhir::json::Value* operation_resource(const fhir::json::Value& body, std::string_view parameter_name);

// A transaction the server composed itself (a QuestionnaireResponse and what was extracted from
// it), validated like any other Bundle and run as one write job, without per-entry scope checks
// (the client was allowed the write that caused it). `done` runs after the commit with the
// error, or with the first entry's stored resource and whether it was created.
using ServerTransactionDone =
    std::function<void(std::exception_ptr error, const storage::StoredResource* first, bool created)>;
void submit_server_transaction(ApiServices& services, const ExchangePtr& exchange,
                               fhir::json::Document bundle, ServerTransactionDone done);

// QuestionnaireResponse create/update (assessment_writes.cpp): checks the response against its
// Questionnaire and scores it (`document` may be replaced by the response with calculated
// answers); when there is something to extract, stores the response and the extracted resources
// in one transaction and answers. Returns true when it answered or will answer, false when the
// caller goes on with the ordinary write of `document`.
struct AssessedWrite {
  std::string id;                          // the response's id (assigned for a create)
  std::optional<std::int64_t> if_match;    // update: If-Match version
  bool extract = true;                     // false for conditional writes
};
bool assess_questionnaire_response(ApiServices& services, const ExchangePtr& exchange,
                                   fhir::json::Document& document, const AssessedWrite& write);
// The Questionnaire checks alone (Bundle entries, $validate), paths under `path` (e.g.
// "Bundle.entry[2].resource"; "QuestionnaireResponse" for a resource on its own). Empty when
// there is no Questionnaire library or `resource` is not a QuestionnaireResponse.
fhir::Issues check_questionnaire_response(const ApiServices& services,
                                          const fhir::json::Value& resource, std::string_view path);

// Submits a write unless too many are waiting (then answers 429 and returns false). The done
// callback runs on the writer thread after the commit.
bool submit_write(ApiServices& services, const ExchangePtr& exchange, storage::WriteQueue::Job job,
                  storage::WriteQueue::Done done);

// Maps an exception from a write job or the database to a status and outcome (no SQL or stack
// traces: database details go to the log only).
struct WriteFailure {
  Status status;
  fhir::Issues issues;
};
WriteFailure describe_write_failure(std::exception_ptr error);
http::Response write_failure_response(const http::Request& request, std::exception_ptr error);

}  // namespace socialrx::gateway::rest
