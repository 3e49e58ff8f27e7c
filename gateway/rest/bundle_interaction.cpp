// POST /fhir with a transaction or batch Bundle.
//   transaction: all or nothing, in one write job (one savepoint inside a group commit); POST
//     entries get server ids, urn:uuid: fullUrls are rewritten to them everywhere in the Bundle,
//     conditional references (Patient?identifier=…) are resolved inside the same transaction,
//     If-None-Exist, If-Match and conditional PUT (Observation?identifier=…: update the one
//     match, or create; race-free through the same claim as If-None-Exist) are honoured; entries run in the order the spec gives (DELETE,
//     POST, PUT, then GET) and the response lists them in request order.
//   batch: every entry on its own (its own job and savepoint); one failing entry fails alone.

#include <iostream>
#include <map>

#include "fhir/date_time.hpp"
#include "fhir/reference.hpp"
#include "fhir/validator.hpp"
#include "gateway/rest/bundle_writer.hpp"
#include "gateway/rest/conditional.hpp"
#include "gateway/rest/exchange.hpp"
#include "gateway/rest/recipient_reads.hpp"
#include "gateway/rest/reference_rewriter.hpp"
#include "gateway/rest/resource_body.hpp"
#include "gateway/rest/resource_stamp.hpp"
#include "gateway/rest/transaction_runner.hpp"
#include "gateway/rest/workflow_hooks.hpp"
#include "gateway/rest/write_errors.hpp"
#include "gateway/search/index_extractor.hpp"
#include "gateway/search/search_parameters.hpp"

namespace socialrx::gateway::rest {
namespace {

using fhir::json::Value;

struct EntryPlan {
  std::size_t position = 0;
  std::string method;  // POST, PUT, DELETE, GET
  std::string type;
  std::string id;
  std::string full_url;
  std::optional<ConditionalCriteria> if_none_exist;
  std::optional<ConditionalCriteria> conditional_update;  // PUT Type?criteria
  std::optional<std::int64_t> if_match;
  Value resource;

  // Filled in by the job.
  std::string status;  // "201 Created"
  std::optional<storage::StoredResource> stored;
  std::optional<fhir::Issues> outcome;  // an entry that failed on its own (batch)
};

struct BundleState {
  fhir::json::Document document;
  bool transaction = false;
  std::vector<EntryPlan> entries;
  std::map<std::string, std::string, std::less<>> full_urls;  // fullUrl → "Type/id"
};

std::string status_line(Status status) {
  return std::to_string(static_cast<unsigned>(status)) + " " +
         std::string(boost::beast::http::obsolete_reason(status));
}

// Reads entry.request into a plan; returns a problem for the entry, or empty.
std::string plan_entry(const Value& entry, std::size_t position, EntryPlan& plan) {
  plan.position = position;
  plan.full_url = std::string(entry.string_at("fullUrl"));
  const Value* request = entry.find("request");
  if (request == nullptr) return "the entry has no request";
  plan.method = std::string(request->string_at("method"));
  std::string_view url = request->string_at("url");
  if (url.starts_with('/')) url.remove_prefix(1);
  const std::size_t question = url.find('?');
  const std::string_view path = url.substr(0, question);
  const std::size_t slash = path.find('/');
  plan.type = std::string(path.substr(0, slash));
  if (slash != std::string_view::npos) plan.id = std::string(path.substr(slash + 1));
  if (!search::is_supported_resource_type(plan.type)) {
    return "request.url names no resource type socialrx serves";
  }
  if (const Value* resource = entry.find("resource")) plan.resource = *resource;

  if (plan.method == "POST") {
    if (!plan.id.empty() || question != std::string_view::npos) return "POST takes a type: Patient";
    if (!plan.resource.is_object() || plan.resource.string_at("resourceType") != plan.type) {
      return "POST needs a resource of the type in request.url";
    }
    plan.id = new_resource_id();
    if (std::string_view condition = request->string_at("ifNoneExist"); !condition.empty()) {
      std::string problem;
      plan.if_none_exist = parse_conditional(plan.type, condition, problem);
      if (!plan.if_none_exist) return "ifNoneExist: " + problem;
    }
    return {};
  }
  if (question != std::string_view::npos) {
    if (plan.method != "PUT" || !plan.id.empty()) {
      return "conditional " + plan.method + " is not supported";
    }
    // Conditional update: the resource the criteria find, or a new one (decided in the job).
    if (!plan.resource.is_object() || plan.resource.string_at("resourceType") != plan.type) {
      return "PUT needs a resource of the type in request.url";
    }
    std::string problem;
    plan.conditional_update = parse_conditional(plan.type, url.substr(question + 1), problem);
    if (!plan.conditional_update) return "conditional PUT: " + problem;
    plan.id = new_resource_id();
    return {};
  }
  if (plan.id.empty() || plan.id.find('/') != std::string::npos) {
    return plan.method + " needs request.url Type/id";
  }
  if (plan.method == "PUT") {
    if (!plan.resource.is_object() || plan.resource.string_at("resourceType") != plan.type ||
        plan.resource.string_at("id") != plan.id) {
      return "PUT needs a resource whose type and id match request.url";
    }
    if (std::string_view match = request->string_at("ifMatch"); !match.empty()) {
      std::string digits(match.substr(match.find_first_of("0123456789")));
      if (!digits.empty() && digits.back() == '"') digits.pop_back();
      try {
        plan.if_match = std::stoll(digits);
      } catch (const std::exception&) {
        return "ifMatch must be an ETag like W/\"3\"";
      }
    }
    return {};
  }
  if (plan.method == "DELETE" || plan.method == "GET") return {};
  return "request.method must be POST, PUT, DELETE or GET";
}

// After the workflow's reactions: the current version of every entry written.
void refresh_written(storage::WriteTransaction& transaction, BundleState& state) {
  for (EntryPlan& entry : state.entries) {
    if (entry.stored && !entry.stored->deleted) {
      if (auto current = transaction.current(entry.type, entry.id)) entry.stored = std::move(*current);
    }
  }
}

// The conditional matches first (If-None-Exist and conditional PUT), so that references to those
// entries point to the resource that already exists instead of one that will not be created.
void resolve_conditional_entries(storage::WriteTransaction& transaction, BundleState& state,
                                 EntryPlan& entry) {
  if (entry.conditional_update) {
    if (auto existing = match_or_claim(transaction, *entry.conditional_update, entry.id)) {
      entry.id = *existing;
    }
    const std::string_view sent_id = entry.resource.string_at("id");
    if (!sent_id.empty() && sent_id != entry.id) {
      throw WriteRefused(Status::bad_request, fhir::IssueType::invalid,
                         "the resource's id " + std::string(sent_id) +
                             " is not the id of the resource the conditional PUT matched");
    }
    if (!entry.full_url.empty()) state.full_urls[entry.full_url] = entry.type + "/" + entry.id;
    return;
  }
  if (!entry.if_none_exist) return;
  if (auto existing = match_or_claim(transaction, *entry.if_none_exist, entry.id)) {
    entry.id = *existing;
    entry.stored = transaction.current(entry.type, entry.id);
    entry.status = status_line(Status::ok);
    if (!entry.full_url.empty()) state.full_urls[entry.full_url] = entry.type + "/" + entry.id;
  }
}

void run_entry(storage::WriteTransaction& transaction, BundleState& state, EntryPlan& entry,
               WorkflowHooks& hooks) {
  if (entry.method == "GET") return;  // read after the commit
  if (entry.method == "DELETE") {
    const auto current = transaction.current(entry.type, entry.id);
    if (current && !current->deleted) {
      hooks.before_write(transaction, entry.type, entry.id, nullptr);
      entry.stored = transaction.write_version(
          entry.type, entry.id, true, [](const storage::VersionStamp&) { return std::string(); },
          current->version);
      transaction.replace_index(entry.type, entry.id, {});
    }
    entry.status = status_line(Status::no_content);
    return;
  }
  if (entry.method == "POST" && entry.stored) return;  // If-None-Exist matched
  const auto replace = [&](std::string_view reference) -> std::optional<std::string> {
    if (auto mapped = state.full_urls.find(reference); mapped != state.full_urls.end()) {
      return mapped->second;
    }
    const fhir::ReferenceParts parts = fhir::parse_reference(reference);
    if (parts.form == fhir::ReferenceForm::conditional) {
      return std::string(parts.resource_type) + "/" +
             resolve_conditional_reference(transaction, parts.resource_type, parts.query);
    }
    return std::nullopt;
  };
  const Value resource = rewrite_references(state.document, entry.resource, replace);
  const auto index = search::extract_index_rows(entry.type, resource);
  std::optional<std::int64_t> expected = 0;
  bool created = true;
  if (entry.method == "PUT") {
    const auto current = transaction.current(entry.type, entry.id);
    created = !current || current->deleted;
    if (entry.if_match && (!current || current->version != *entry.if_match)) {
      throw WriteRefused(Status::precondition_failed, fhir::IssueType::conflict,
                         "ifMatch of " + entry.type + "/" + entry.id + " does not match");
    }
    expected = current ? current->version : 0;
  }
  hooks.before_write(transaction, entry.type, entry.id, &resource);
  entry.stored = transaction.write_version(
      entry.type, entry.id, false,
      [&](const storage::VersionStamp& stamp) {
        return stamp_resource(state.document, resource, entry.id, stamp);
      },
      expected);
  transaction.replace_index(entry.type, entry.id, index);
  entry.status = status_line(created ? Status::created : Status::ok);
}

// The workflow reacts once all entries are written (a Task may come before its ServiceRequest);
// the response then shows the entries as they are after its reactions.
void run_transaction(storage::WriteTransaction& transaction, BundleState& state, WorkflowHooks& hooks) {
  for (EntryPlan& entry : state.entries) resolve_conditional_entries(transaction, state, entry);
  for (const char* method : {"DELETE", "POST", "PUT"}) {
    for (EntryPlan& entry : state.entries) {
      if (entry.method == method) run_entry(transaction, state, entry, hooks);
    }
  }
  hooks.after_writes(transaction);
  refresh_written(transaction, state);
}

std::string response_bundle(ApiServices& services, const Exchange& exchange, BundleState& state) {
  BundleWriter bundle(state.transaction ? "transaction-response" : "batch-response");
  for (EntryPlan& entry : state.entries) {
    if (entry.method == "GET" && !entry.outcome) {
      entry.stored = services.store.read(entry.type, entry.id);
      const bool found = entry.stored && !entry.stored->deleted;
      entry.status = status_line(found ? Status::ok : (entry.stored ? Status::gone : Status::not_found));
      if (!found) entry.stored.reset();
    }
    BundleWriter::Entry out;
    std::string outcome;
    if (entry.outcome) outcome = fhir::to_operation_outcome_json(*entry.outcome);
    const bool has_body = entry.stored && !entry.stored->deleted;
    if (has_body) {
      out.full_url = exchange.base_url + "/" + entry.type + "/" + entry.id;
      if (exchange.preferences.return_preference == ReturnPreference::representation) {
        out.resource = entry.stored->body;
      }
      out.response_location = entry.type + "/" + entry.id + "/_history/" +
                              std::to_string(entry.stored->version);
      out.response_etag = version_etag(entry.stored->version);
      out.response_last_modified = fhir::format_instant(entry.stored->last_updated_ms);
    }
    out.response_status = entry.status;
    out.response_outcome = outcome;
    bundle.entry(out);
  }
  return bundle.finish();
}

// Batch validation problems belong to the entry their path starts with.
std::optional<std::size_t> entry_of(const fhir::Issue& issue) {
  constexpr std::string_view kPrefix = "Bundle.entry[";
  if (!std::string_view(issue.expression).starts_with(kPrefix)) return std::nullopt;
  return std::stoul(issue.expression.substr(kPrefix.size()));
}

}  // namespace

void handle_bundle(ApiServices& services, const ExchangePtr& exchange) {
  if (!is_json_body(exchange->request)) {
    exchange->reply(error_response(exchange->request, Status::unsupported_media_type,
                                   fhir::IssueType::not_supported, "send the Bundle as application/fhir+json"));
    return;
  }
  fhir::ParsedResource parsed = fhir::parse_and_validate(exchange->request.body());
  if (!parsed.document) {
    exchange->reply(outcome_response(exchange->request, Status::bad_request, parsed.issues));
    return;
  }
  const Value& bundle = parsed.document->root();
  const std::string_view bundle_type = bundle.string_at("type");
  if (bundle.string_at("resourceType") != "Bundle" ||
      (bundle_type != "transaction" && bundle_type != "batch")) {
    exchange->reply(error_response(exchange->request, Status::bad_request, fhir::IssueType::invalid,
                                   "POST to the base takes a Bundle of type transaction or batch"));
    return;
  }
  auto state = std::make_shared<BundleState>();
  state->transaction = bundle_type == "transaction";

  // Validation: a transaction is refused whole; a batch refuses only the entries at fault.
  std::map<std::size_t, fhir::Issues> entry_issues;
  if (parsed.issues.has_errors()) {
    fhir::Issues bundle_level;
    for (const fhir::Issue& issue : parsed.issues) {
      const auto position = entry_of(issue);
      if (state->transaction || !position) {
        bundle_level.add(issue.severity, issue.code, issue.expression, issue.diagnostics);
      } else {
        entry_issues[*position].add(issue.severity, issue.code, issue.expression, issue.diagnostics);
      }
    }
    if (bundle_level.has_errors()) {
      exchange->reply(outcome_response(exchange->request, Status::unprocessable_entity, bundle_level));
      return;
    }
  }
  state->document = std::move(*parsed.document);
  const Value* entries = state->document.root().find("entry");
  const auto items = entries != nullptr ? entries->items() : std::span<const Value>();
  fhir::Issues plan_problems;
  // A referral recipient reads SDH resources one by one (GET Type/id, audited per read) and
  // changes only its own by id (refuse_recipient_write), not inside a Bundle: such entries other
  // than a plain POST are refused for every id alike, which reveals nothing.
  std::optional<bool> gated_client;
  const auto gated_entry = [&](const EntryPlan& plan) {
    const bool plain_post = plan.method == "POST" && !plan.if_none_exist;
    if (plain_post || !referral::is_gated_type(plan.type)) return false;
    if (!gated_client) gated_client = read_gate_for(services, *exchange).has_value();
    return *gated_client;
  };
  for (std::size_t i = 0; i < items.size(); ++i) {
    EntryPlan plan;
    std::string problem = plan_entry(items[i], i, plan);
    if (auto found = entry_issues.find(i); found != entry_issues.end()) {
      plan.outcome = found->second;
      plan.status = status_line(Status::unprocessable_entity);
    } else if (!problem.empty()) {
      const std::string path = "Bundle.entry[" + std::to_string(i) + "].request";
      if (state->transaction) {
        plan_problems.error(fhir::IssueType::invalid, path, problem);
      } else {
        plan.outcome.emplace();
        plan.outcome->error(fhir::IssueType::invalid, path, problem);
        plan.status = status_line(Status::bad_request);
      }
    } else if (!permits(exchange->principal, plan.type,
                        plan.method == "POST"  ? Permission::create
                        : plan.method == "PUT" ? Permission::update
                        : plan.method == "GET" ? Permission::read
                                               : Permission::remove)) {
      const std::string path = "Bundle.entry[" + std::to_string(i) + "]";
      if (state->transaction) {
        exchange->reply(error_response(exchange->request, Status::forbidden, fhir::IssueType::forbidden,
                                       "the client's scopes do not allow " + plan.method + " on " + plan.type,
                                       path));
        return;
      }
      plan.outcome.emplace();
      plan.outcome->error(fhir::IssueType::forbidden, path, "not allowed by the client's scopes");
      plan.status = status_line(Status::forbidden);
    } else if (gated_entry(plan)) {
      const std::string path = "Bundle.entry[" + std::to_string(i) + "]";
      const std::string why = "a referral recipient reads " + plan.type + " with GET " + plan.type +
                              "/{id} or a search and changes its own by id, not inside a Bundle";
      if (state->transaction) {
        exchange->reply(error_response(exchange->request, Status::forbidden, fhir::IssueType::forbidden, why, path));
        return;
      }
      plan.outcome.emplace();
      plan.outcome->error(fhir::IssueType::forbidden, path, why);
      plan.status = status_line(Status::forbidden);
    }
    if (!plan.full_url.empty() && (plan.method == "POST" || plan.method == "PUT")) {
      state->full_urls[plan.full_url] = plan.type + "/" + plan.id;
    }
    state->entries.push_back(std::move(plan));
  }
  if (plan_problems.has_errors()) {
    exchange->reply(outcome_response(exchange->request, Status::bad_request, plan_problems));
    return;
  }
  // QuestionnaireResponses are checked against their Questionnaire here too (not scored or
  // extracted: that happens when one is created or updated on its own).
  fhir::Issues questionnaire_problems;
  for (EntryPlan& plan : state->entries) {
    if (plan.outcome || plan.type != "QuestionnaireResponse" || !plan.resource.is_object()) continue;
    fhir::Issues issues = check_questionnaire_response(
        services, plan.resource, "Bundle.entry[" + std::to_string(plan.position) + "].resource");
    if (!issues.has_errors()) continue;
    if (state->transaction) {
      for (const fhir::Issue& issue : issues) {
        questionnaire_problems.add(issue.severity, issue.code, issue.expression, issue.diagnostics);
      }
    } else {
      plan.outcome = std::move(issues);
      plan.status = status_line(Status::unprocessable_entity);
    }
  }
  if (questionnaire_problems.has_errors()) {
    exchange->reply(outcome_response(exchange->request, Status::unprocessable_entity, questionnaire_problems));
    return;
  }

  const auto reply = [&services, exchange, state] {
    exchange->reply(json_response(exchange->request, Status::ok,
                                  response_bundle(services, *exchange, *state)));
  };
  if (state->transaction) {
    submit_write(
        services, exchange,
        [state, hooks = WorkflowHooks(services.workflow, exchange->principal)](
            storage::WriteTransaction& transaction) mutable { run_transaction(transaction, *state, hooks); },
        [exchange, reply](std::exception_ptr error) {
          if (error) {
            exchange->reply(write_failure_response(exchange->request, error));
          } else {
            reply();
          }
        });
    return;
  }
  // Batch: one job per entry; the response goes out when the last one is done.
  auto remaining = std::make_shared<std::atomic<std::size_t>>(state->entries.size() + 1);
  const auto finish_one = [remaining, reply] {
    if (remaining->fetch_sub(1) == 1) reply();
  };
  for (EntryPlan& entry : state->entries) {
    if (entry.outcome || entry.method == "GET") {
      finish_one();
      continue;
    }
    EntryPlan* target = &entry;
    services.pending_writes.fetch_add(1);
    services.writes.submit(
        [state, target, hooks = WorkflowHooks(services.workflow, exchange->principal)](
            storage::WriteTransaction& transaction) mutable {
          resolve_conditional_entries(transaction, *state, *target);
          run_entry(transaction, *state, *target, hooks);
          hooks.after_writes(transaction);
          if (target->stored && !target->stored->deleted) {
            if (auto current = transaction.current(target->type, target->id)) target->stored = std::move(*current);
          }
        },
        [&services, target, finish_one](std::exception_ptr error) {
          services.pending_writes.fetch_sub(1);
          if (error) {
            WriteFailure failure = describe_write_failure(error);
            target->status = status_line(failure.status);
            target->outcome = std::move(failure.issues);
            target->stored.reset();
          }
          finish_one();
        });
  }
  finish_one();
}

// Outside the anonymous namespace so that the header can name it; defined in this file only.
struct PlannedTransaction {
  BundleState state;
};

TransactionPlan plan_transaction(fhir::json::Document bundle) {
  TransactionPlan out;
  out.problems = fhir::validate_resource(bundle.root());
  if (bundle.root().string_at("resourceType") != "Bundle" || bundle.root().string_at("type") != "transaction") {
    out.problems.error(fhir::IssueType::invalid, "Bundle.type", "a Bundle of type transaction is expected");
  }
  auto planned = std::make_shared<PlannedTransaction>();
  BundleState& state = planned->state;
  state.transaction = true;
  state.document = std::move(bundle);
  const Value* entries = state.document.root().find("entry");
  const auto items = entries != nullptr ? entries->items() : std::span<const Value>();
  for (std::size_t i = 0; i < items.size() && !out.problems.has_errors(); ++i) {
    EntryPlan plan;
    if (std::string problem = plan_entry(items[i], i, plan); !problem.empty()) {
      out.problems.error(fhir::IssueType::invalid, "Bundle.entry[" + std::to_string(i) + "].request", problem);
    }
    if (!plan.full_url.empty() && (plan.method == "POST" || plan.method == "PUT")) {
      state.full_urls[plan.full_url] = plan.type + "/" + plan.id;
    }
    state.entries.push_back(std::move(plan));
  }
  if (!out.problems.has_errors() && state.entries.empty()) {
    out.problems.error(fhir::IssueType::required, "Bundle.entry", "the transaction has no entries");
  }
  if (!out.problems.has_errors()) out.plan = std::move(planned);
  return out;
}

std::vector<TransactionEntryResult> run_planned_transaction(storage::WriteTransaction& transaction,
                                                            PlannedTransaction& plan, WorkflowHooks& hooks) {
  run_transaction(transaction, plan.state, hooks);
  std::vector<TransactionEntryResult> results;
  results.reserve(plan.state.entries.size());
  for (const EntryPlan& entry : plan.state.entries) {
    const bool stored = entry.stored && !entry.stored->deleted;
    results.push_back({entry.type, entry.id, entry.status, stored ? entry.stored->version : 0});
  }
  return results;
}

void submit_server_transaction(ApiServices& services, const ExchangePtr& exchange,
                               fhir::json::Document bundle, ServerTransactionDone done) {
  // What the server composed must be as valid as what a client sends: a problem here is a bug in
  // the extraction, and storing nothing is better than storing something invalid.
  TransactionPlan planned = plan_transaction(std::move(bundle));
  if (!planned.plan) {
    std::cerr << "socialrx: a server-built transaction was refused (" << planned.problems.size()
              << " issues); nothing was stored\n";
    fhir::Issues outcome;
    outcome.error(fhir::IssueType::exception, "",
                  "internal error: the derived resources could not be built; nothing was stored");
    exchange->reply(outcome_response(exchange->request, Status::internal_server_error, outcome));
    return;
  }
  std::shared_ptr<PlannedTransaction> plan = std::move(planned.plan);
  submit_write(
      services, exchange,
      // What the server composed is not a client's referral action: no workflow hooks.
      [plan, hooks = WorkflowHooks(nullptr, exchange->principal)](storage::WriteTransaction& transaction) mutable {
        run_transaction(transaction, plan->state, hooks);
      },
      [plan, done = std::move(done)](std::exception_ptr error) {
        if (error) {
          done(error, nullptr, false);
          return;
        }
        const EntryPlan& first = plan->state.entries.front();
        done(nullptr, first.stored ? &*first.stored : nullptr,
             first.status == status_line(Status::created));
      });
}

}  // namespace socialrx::gateway::rest
