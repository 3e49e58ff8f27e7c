#include "gateway/rest/fhir_api.hpp"

#include <iostream>

#include "gateway/search/search_parameters.hpp"

namespace socialrx::gateway::rest {
namespace {

namespace beast_http = boost::beast::http;
using Verb = beast_http::verb;

std::string base_url_of(const ApiServices& services, const http::Request& request, bool tls) {
  if (!services.configured_base_url.empty()) return services.configured_base_url;
  const auto host = request.find(beast_http::field::host);
  const std::string authority = host != request.end() ? std::string(host->value()) : "localhost";
  return std::string(tls ? "https://" : "http://") + authority + "/fhir";
}

}  // namespace

FhirApi::FhirApi(ApiServices& services, const Authenticator& authenticator)
    : services_(services), authenticator_(authenticator) {}

void FhirApi::handle(http::Request&& request, const http::RequestContext& context,
                     http::Respond respond) {
  auto exchange = std::make_shared<Exchange>();
  exchange->request = std::move(request);
  exchange->context = context;
  exchange->respond = std::move(respond);
  try {
    dispatch(exchange);
  } catch (const std::exception& failure) {
    // A bug, not bad input: answer 500 without details, keep serving.
    std::cerr << "socialrx: internal error while handling a request: " << failure.what() << '\n';
    exchange->reply(error_response(exchange->request, Status::internal_server_error,
                                   fhir::IssueType::exception, "internal error"));
  }
}

void FhirApi::dispatch(const ExchangePtr& exchange) {
  const http::Request& request = exchange->request;
  exchange->route = parse_route(request.target());
  const Route& route = exchange->route;
  const Verb verb = request.method();

  if (route.kind == RouteKind::health) {
    http::Response response{Status::ok, request.version()};
    response.set(beast_http::field::content_type, "application/json");
    response.keep_alive(request.keep_alive());
    response.body() = R"({"status":"ok"})";
    response.prepare_payload();
    exchange->reply(std::move(response));
    return;
  }
  if (route.kind == RouteKind::not_found) {
    exchange->reply(error_response(request, Status::not_found, fhir::IssueType::not_found,
                                   "no such endpoint; the FHIR base is /fhir"));
    return;
  }
  exchange->query = parse_query_string(route.query);
  if (verb == Verb::post && route.kind == RouteKind::type_search && is_json_body(request) == false) {
    // POST _search carries the parameters as a form body, added to those of the URL.
    auto form = parse_query_string(request.body());
    exchange->query.insert(exchange->query.end(), form.begin(), form.end());
  }
  if (auto problem = unacceptable_format(request, exchange->query)) {
    exchange->reply(error_response(request, Status::not_acceptable, fhir::IssueType::not_supported, *problem));
    return;
  }
  exchange->preferences = parse_preferences(request);
  exchange->base_url = base_url_of(services_, request, exchange->context.tls);

  if (route.kind == RouteKind::metadata) {
    if (verb != Verb::get) {
      exchange->reply(method_not_allowed(request, "GET"));
      return;
    }
    exchange->reply(json_response(request, Status::ok, services_.capability_statement));
    return;
  }

  auto principal = authenticator_.authenticate(request);
  if (!principal) {
    http::Response response = error_response(request, Status::unauthorized, fhir::IssueType::login,
                                              "a valid bearer token is required");
    response.set(beast_http::field::www_authenticate, "Bearer realm=\"socialrx\"");
    exchange->reply(std::move(response));
    return;
  }
  exchange->principal = std::move(*principal);
  if (!route.type.empty() && !search::is_supported_resource_type(route.type)) {
    exchange->reply(error_response(request, Status::not_found, fhir::IssueType::not_supported,
                                   "socialrx does not serve the resource type " + route.type));
    return;
  }

  // (interaction, permission) for the route and verb, or 405.
  using Handler = void (*)(ApiServices&, const ExchangePtr&);
  Handler handler = nullptr;
  Permission permission = Permission::read;
  std::string_view allowed;
  switch (route.kind) {
    case RouteKind::system:
      allowed = "POST";
      if (verb == Verb::post) handler = handle_bundle, permission = Permission::create;
      break;
    case RouteKind::system_history:
    case RouteKind::type_history:
    case RouteKind::instance_history:
      allowed = "GET";
      if (verb == Verb::get) handler = handle_history, permission = Permission::read;
      break;
    case RouteKind::type:
      allowed = "GET, POST, PUT";
      if (verb == Verb::get) handler = handle_search, permission = Permission::search;
      if (verb == Verb::post) handler = handle_create, permission = Permission::create;
      if (verb == Verb::put) handler = handle_update, permission = Permission::update;  // conditional
      break;
    case RouteKind::type_search:
      allowed = "POST";
      if (verb == Verb::post) handler = handle_search, permission = Permission::search;
      break;
    case RouteKind::instance:
      allowed = "GET, PUT, DELETE";
      if (verb == Verb::get) handler = handle_read, permission = Permission::read;
      if (verb == Verb::put) handler = handle_update, permission = Permission::update;
      if (verb == Verb::delete_) handler = handle_delete, permission = Permission::remove;
      break;
    case RouteKind::version:
      allowed = "GET";
      if (verb == Verb::get) handler = handle_vread, permission = Permission::read;
      break;
    case RouteKind::type_operation:
    case RouteKind::instance_operation:
      // Operations store nothing ($validate, $extract): reading is enough.
      allowed = "GET, POST";
      if (verb == Verb::post || verb == Verb::get) handler = handle_operation, permission = Permission::read;
      break;
    default:
      break;
  }
  if (handler == nullptr) {
    exchange->reply(method_not_allowed(request, allowed));
    return;
  }
  // Transactions check each entry's own permission; the system history needs read on all types.
  const std::string scope_type = route.type.empty() ? "*" : route.type;
  if (route.kind != RouteKind::system && !permits(exchange->principal, scope_type, permission)) {
    exchange->reply(error_response(request, Status::forbidden, fhir::IssueType::forbidden,
                                   "the client's scopes do not allow this on " + scope_type));
    return;
  }
  handler(services_, exchange);
}

}  // namespace socialrx::gateway::rest
