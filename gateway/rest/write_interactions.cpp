// create, update and delete: validated and indexed on the I/O thread, stored by the single writer
// in a group commit, answered after the commit (so a 201 is never lost).

#include <charconv>

#include "gateway/rest/conditional.hpp"
#include "gateway/rest/recipient_reads.hpp"
#include "gateway/rest/exchange.hpp"
#include "gateway/rest/resource_body.hpp"
#include "gateway/rest/resource_stamp.hpp"
#include "gateway/rest/workflow_hooks.hpp"
#include "gateway/rest/write_errors.hpp"

namespace socialrx::gateway::rest {
namespace {

// If-Match: W/"3" (or "3") → 3.
std::optional<std::int64_t> if_match_version(const http::Request& request, bool& malformed) {
  malformed = false;
  const auto header = request.find(boost::beast::http::field::if_match);
  if (header == request.end()) return std::nullopt;
  std::string_view value = header->value();
  if (value.starts_with("W/")) value.remove_prefix(2);
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  std::int64_t version = 0;
  auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), version);
  if (error != std::errc() || end != value.data() + value.size() || version < 1) {
    malformed = true;
    return std::nullopt;
  }
  return version;
}

struct WriteState {
  explicit WriteState(PreparedResource resource) : resource(std::move(resource)) {}
  PreparedResource resource;
  std::optional<ConditionalCriteria> conditional;
  std::optional<std::int64_t> expected_version;
  storage::StoredResource stored;
  bool created = false;
  bool existed = false;  // conditional create found a match / delete found nothing to delete
};

}  // namespace

void handle_create(ApiServices& services, const ExchangePtr& exchange) {
  const bool if_none_exist = exchange->request.find("If-None-Exist") != exchange->request.end();
  if (auto refused = refuse_recipient_write(services, *exchange, if_none_exist)) {
    exchange->reply(std::move(*refused));
    return;
  }
  ResourceBody body = read_resource_body(exchange->request, exchange->route.type);
  if (body.error) {
    exchange->reply(std::move(*body.error));
    return;
  }
  const std::string id = new_resource_id();
  if (exchange->route.type == "QuestionnaireResponse" &&
      assess_questionnaire_response(services, exchange, *body.document,
                                    AssessedWrite{id, std::nullopt, !if_none_exist})) {
    return;
  }
  auto state = std::make_shared<WriteState>(prepare_resource(std::move(*body.document), id));
  if (const auto header = exchange->request.find("If-None-Exist"); header != exchange->request.end()) {
    std::string problem;
    state->conditional = parse_conditional(exchange->route.type, header->value(), problem);
    if (!state->conditional) {
      exchange->reply(error_response(exchange->request, Status::bad_request, fhir::IssueType::invalid,
                                     "If-None-Exist: " + problem));
      return;
    }
  }
  submit_write(
      services, exchange,
      [state, hooks = WorkflowHooks(services.workflow, exchange->principal)](
          storage::WriteTransaction& transaction) mutable {
        PreparedResource& resource = state->resource;
        if (state->conditional) {
          if (auto existing = match_or_claim(transaction, *state->conditional, resource.id)) {
            state->stored = *transaction.current(resource.type, *existing);
            state->existed = true;
            return;
          }
        }
        hooks.before_write(transaction, resource.type, resource.id, &resource.document.root());
        state->stored = transaction.write_version(
            resource.type, resource.id, false,
            [&resource](const storage::VersionStamp& stamp) { return render_stamped(resource, stamp); },
            0);
        transaction.replace_index(resource.type, resource.id, resource.index);
        hooks.after_writes(transaction);
        // The reactions may have written further versions of it (a Task put on hold).
        state->stored = *transaction.current(resource.type, resource.id);
      },
      [state, exchange](std::exception_ptr error) {
        if (error) {
          exchange->reply(write_failure_response(exchange->request, error));
        } else if (state->existed) {  // If-None-Exist matched: nothing created
          exchange->reply(resource_response(exchange->request, Status::ok, state->stored,
                                            exchange->base_url, false,
                                            exchange->preferences.return_preference));
        } else {
          exchange->reply(resource_response(exchange->request, Status::created, state->stored,
                                            exchange->base_url, true,
                                            exchange->preferences.return_preference));
        }
      });
}

// PUT Type/id, or PUT Type?criteria (conditional update: the one match is updated, none means a
// create, several are 412; race-free through the same claim as If-None-Exist).
void handle_update(ApiServices& services, const ExchangePtr& exchange) {
  if (auto refused = refuse_recipient_write(services, *exchange, exchange->route.id.empty())) {
    exchange->reply(std::move(*refused));
    return;
  }
  ResourceBody body = read_resource_body(exchange->request, exchange->route.type);
  if (body.error) {
    exchange->reply(std::move(*body.error));
    return;
  }
  const bool conditional = exchange->route.id.empty();
  const std::string_view body_id = body.document->root().string_at("id");
  std::optional<ConditionalCriteria> criteria;
  if (conditional) {
    std::string problem;
    criteria = parse_conditional(exchange->route.type, exchange->route.query, problem);
    if (!criteria) {
      exchange->reply(error_response(exchange->request, Status::bad_request, fhir::IssueType::invalid,
                                     "conditional update: " + problem));
      return;
    }
  } else if (body_id != exchange->route.id) {
    exchange->reply(error_response(exchange->request, Status::bad_request, fhir::IssueType::invalid,
                                   "the id in the body must match the id in the URL", "id"));
    return;
  }
  bool malformed = false;
  const auto expected = if_match_version(exchange->request, malformed);
  if (malformed) {
    exchange->reply(error_response(exchange->request, Status::bad_request, fhir::IssueType::invalid,
                                   "If-Match must be an ETag like W/\"3\""));
    return;
  }
  std::string id = conditional ? new_resource_id() : exchange->route.id;
  if (exchange->route.type == "QuestionnaireResponse" &&
      assess_questionnaire_response(services, exchange, *body.document,
                                    AssessedWrite{id, expected, !conditional})) {
    return;
  }
  auto state = std::make_shared<WriteState>(prepare_resource(std::move(*body.document), std::move(id)));
  state->expected_version = expected;
  state->conditional = std::move(criteria);
  submit_write(
      services, exchange,
      [state, hooks = WorkflowHooks(services.workflow, exchange->principal)](
          storage::WriteTransaction& transaction) mutable {
        PreparedResource& resource = state->resource;
        if (state->conditional) {
          if (auto existing = match_or_claim(transaction, *state->conditional, resource.id)) {
            resource.id = *existing;
          }
          const std::string_view sent_id = resource.document.root().string_at("id");
          if (!sent_id.empty() && sent_id != resource.id) {
            throw WriteRefused(Status::bad_request, fhir::IssueType::invalid,
                               "the resource's id " + std::string(sent_id) +
                                   " is not the id of the resource the criteria matched");
          }
        }
        const auto current = transaction.current(resource.type, resource.id);
        state->created = !current || current->deleted;
        if (state->expected_version && (!current || current->version != *state->expected_version)) {
          throw WriteRefused(Status::precondition_failed, fhir::IssueType::conflict,
                             "If-Match names version " + std::to_string(*state->expected_version) +
                                 " but the current version is " +
                                 (current ? std::to_string(current->version) : "none"));
        }
        hooks.before_write(transaction, resource.type, resource.id, &resource.document.root());
        state->stored = transaction.write_version(
            resource.type, resource.id, false,
            [&resource](const storage::VersionStamp& stamp) { return render_stamped(resource, stamp); },
            current ? std::optional<std::int64_t>(current->version) : std::optional<std::int64_t>(0));
        transaction.replace_index(resource.type, resource.id, resource.index);
        hooks.after_writes(transaction);
        state->stored = *transaction.current(resource.type, resource.id);
      },
      [state, exchange](std::exception_ptr error) {
        if (error) {
          exchange->reply(write_failure_response(exchange->request, error));
          return;
        }
        exchange->reply(resource_response(exchange->request,
                                          state->created ? Status::created : Status::ok,
                                          state->stored, exchange->base_url, state->created,
                                          exchange->preferences.return_preference));
      });
}

void handle_delete(ApiServices& services, const ExchangePtr& exchange) {
  if (auto refused = refuse_recipient_write(services, *exchange, false)) {
    exchange->reply(std::move(*refused));
    return;
  }
  const std::string type = exchange->route.type;
  const std::string id = exchange->route.id;
  auto deleted = std::make_shared<std::optional<storage::StoredResource>>();
  submit_write(
      services, exchange,
      [type, id, deleted, hooks = WorkflowHooks(services.workflow, exchange->principal)](
          storage::WriteTransaction& transaction) mutable {
        const auto current = transaction.current(type, id);
        if (!current || current->deleted) return;  // deleting twice changes nothing
        hooks.before_write(transaction, type, id, nullptr);
        *deleted = transaction.write_version(
            type, id, true, [](const storage::VersionStamp&) { return std::string(); },
            current->version);
        transaction.replace_index(type, id, {});
      },
      [exchange, deleted](std::exception_ptr error) {
        if (error) {
          exchange->reply(write_failure_response(exchange->request, error));
          return;
        }
        http::Response response = json_response(exchange->request, Status::no_content, "");
        if (*deleted) response.set(boost::beast::http::field::etag, version_etag((*deleted)->version));
        exchange->reply(std::move(response));
      });
}

}  // namespace socialrx::gateway::rest
