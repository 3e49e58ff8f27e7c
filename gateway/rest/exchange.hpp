#pragma once
// One FHIR request on its way through the API, and the services every interaction uses.

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "gateway/http/server.hpp"
#include "gateway/rest/auth.hpp"
#include "gateway/rest/negotiation.hpp"
#include "gateway/rest/query_string.hpp"
#include "gateway/rest/route.hpp"
#include "gateway/storage/resource_store.hpp"
#include "gateway/storage/write_queue.hpp"

namespace socialrx::gateway::rest {

struct ApiServices {
  storage::Database& database;
  storage::ResourceStore& store;
  storage::WriteQueue& writes;
  std::string configured_base_url;  // empty: from the Host header
  std::size_t max_pending_writes;
  std::atomic<std::size_t> pending_writes{0};
  std::string capability_statement;  // built once at start-up
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
void handle_validate(ApiServices& services, const ExchangePtr& exchange);

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
