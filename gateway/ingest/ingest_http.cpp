#include "gateway/ingest/ingest_http.hpp"

#include <boost/asio/post.hpp>

#include <charconv>
#include <iostream>

#include "gateway/ingest/message_filter_text.hpp"
#include "gateway/rest/query_string.hpp"
#include "gateway/rest/responses.hpp"

namespace socialrx::gateway::ingest {
namespace {

namespace beast_http = boost::beast::http;
using rest::Status;

constexpr std::string_view kPrefix = "/ingest/";

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// Filters (and limit) from parameters; returns a problem or empty.
std::string read_filter(const std::vector<rest::QueryParam>& params, MessageFilter& filter, std::size_t& limit,
                        std::size_t max_limit, std::string_view limit_name) {
  for (const rest::QueryParam& param : params) {
    if (param.name == limit_name) {
      std::size_t value = 0;
      auto [end, error] = std::from_chars(param.value.data(), param.value.data() + param.value.size(), value);
      if (error != std::errc() || end != param.value.data() + param.value.size() || value == 0 || value > max_limit) {
        return std::string(limit_name) + ": a whole number from 1 to " + std::to_string(max_limit);
      }
      limit = value;
      continue;
    }
    if (std::string problem = set_filter_field(param.name, param.value, filter); !problem.empty()) return problem;
  }
  return {};
}

http::Response reply_response(const http::Request& request, const IngestReply& reply) {
  Status status = Status::service_unavailable;
  if (reply.stored) {
    status = reply.disposition == plugins::Disposition::accepted     ? Status::ok
             : reply.disposition == plugins::Disposition::data_error ? Status::unprocessable_entity
                                                                     : Status::bad_request;
  }
  http::Response response;
  if (reply.bytes.empty()) {
    fhir::Issues issues = reply.issues;
    if (issues.empty() && !reply.stored) issues.error(fhir::IssueType::transient, "", "not stored");
    response = rest::outcome_response(request, status, issues);
  } else {
    response = http::Response{status, request.version()};
    response.set(beast_http::field::content_type, "application/octet-stream");
    response.keep_alive(request.keep_alive());
    response.body() = reply.bytes;
    response.prepare_payload();
  }
  if (!reply.stored) response.set(beast_http::field::retry_after, "1");
  if (reply.message != 0) response.set("X-Socialrx-Message", std::to_string(reply.message));
  if (reply.duplicate) response.set("X-Socialrx-Duplicate", "true");
  return response;
}

}  // namespace

IngestHttpHandler::IngestHttpHandler(IngestPipeline& pipeline, storage::Database& database,
                                     const rest::Authenticator& authenticator, http::Handler& next)
    : pipeline_(pipeline), database_(database), authenticator_(authenticator), next_(next) {}

IngestHttpHandler::~IngestHttpHandler() { reprocessing_.join(); }

void IngestHttpHandler::handle(http::Request&& request, const http::RequestContext& context,
                               http::Respond respond) {
  const std::string_view target = request.target();
  if (!target.starts_with(kPrefix)) {
    next_.handle(std::move(request), context, std::move(respond));
    return;
  }
  try {
    const std::size_t question = target.find('?');
    const std::string name = rest::percent_decode(target.substr(kPrefix.size(), question - kPrefix.size()));
    const std::string query(question == std::string_view::npos ? "" : target.substr(question + 1));
    const auto principal = authenticator_.authenticate(request);
    if (!principal) {
      http::Response response = rest::error_response(request, Status::unauthorized, fhir::IssueType::login,
                                                     "a valid bearer token is required");
      response.set(beast_http::field::www_authenticate, "Bearer realm=\"socialrx\"");
      respond(std::move(response));
      return;
    }
    const auto verb = request.method();
    const auto refuse = [&](rest::Permission permission) {
      if (rest::permits(*principal, "ingest", permission)) return false;
      respond(rest::error_response(request, Status::forbidden, fhir::IssueType::forbidden,
                                   "the client's scopes do not allow this on ingest"));
      return true;
    };
    if (name == "messages") {
      if (verb != beast_http::verb::get) return respond(rest::method_not_allowed(request, "GET"));
      if (refuse(rest::Permission::read)) return;
      list(request, query, std::move(respond));
      return;
    }
    if (name == "$reprocess") {
      if (verb != beast_http::verb::post) return respond(rest::method_not_allowed(request, "POST"));
      if (refuse(rest::Permission::update)) return;
      reprocess(std::move(request), query, std::move(respond));
      return;
    }
    if (verb != beast_http::verb::post) return respond(rest::method_not_allowed(request, "POST"));
    if (refuse(rest::Permission::create)) return;
    const Channel* channel = pipeline_.channel(name);
    if (channel == nullptr || channel->options.source.kind != ChannelSource::Kind::http) {
      respond(rest::error_response(request, Status::not_found, fhir::IssueType::not_found,
                                   "no ingest channel with an HTTP source has this name"));
      return;
    }
    ingest(std::move(request), context, name, std::move(respond));
  } catch (const std::exception& failure) {
    std::cerr << "socialrx: internal error while handling an ingest request: " << failure.what() << '\n';
    respond(rest::error_response(request, Status::internal_server_error, fhir::IssueType::exception,
                                 "internal error"));
  }
}

void IngestHttpHandler::ingest(http::Request&& request, const http::RequestContext& context, std::string channel,
                               http::Respond respond) {
  auto shared = std::make_shared<http::Request>(std::move(request));
  std::string body = std::move(shared->body());
  pipeline_.receive(channel, context.peer, std::move(body),
                    [shared, respond = std::move(respond)](IngestReply reply) {
                      respond(reply_response(*shared, reply));
                    });
}

void IngestHttpHandler::list(const http::Request& request, std::string_view query, http::Respond respond) {
  MessageFilter filter;
  std::size_t limit = 100;
  if (std::string problem = read_filter(rest::parse_query_string(query), filter, limit, 1000, "_count");
      !problem.empty()) {
    respond(rest::error_response(request, Status::bad_request, fhir::IssueType::invalid, problem));
    return;
  }
  const auto messages = find_messages(*database_.reader(), filter, limit, false);
  std::string body = "{\"messages\":[";
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const InboundMessage& m = messages[i];
    if (i > 0) body += ',';
    body += "{\"id\":" + std::to_string(m.id) + ",\"channel\":" + json_string(m.channel) +
            ",\"sender\":" + json_string(m.sender) + ",\"messageId\":" + json_string(m.message_id) +
            ",\"receivedMs\":" + std::to_string(m.received_ms) + ",\"peer\":" + json_string(m.peer) +
            ",\"charset\":" + json_string(m.charset) + ",\"messageType\":" + json_string(m.message_type) +
            ",\"state\":" + json_string(state_name(m.state)) + ",\"disposition\":" + json_string(m.disposition) +
            ",\"attempts\":" + std::to_string(m.attempts) +
            ",\"outcome\":" + (m.outcome.empty() ? std::string("null") : m.outcome) + "}";
  }
  body += "]}";
  http::Response response{Status::ok, request.version()};
  response.set(beast_http::field::content_type, "application/json");
  response.keep_alive(request.keep_alive());
  response.body() = std::move(body);
  response.prepare_payload();
  respond(std::move(response));
}

void IngestHttpHandler::reprocess(http::Request&& request, std::string query, http::Respond respond) {
  auto params = rest::parse_query_string(query);
  const auto content_type = request.find(beast_http::field::content_type);
  if (content_type != request.end() &&
      std::string_view(content_type->value()).starts_with("application/x-www-form-urlencoded")) {
    auto form = rest::parse_query_string(request.body());
    params.insert(params.end(), form.begin(), form.end());
  }
  MessageFilter filter;
  std::size_t limit = 10'000;
  if (std::string problem = read_filter(params, filter, limit, 10'000, "limit"); !problem.empty()) {
    respond(rest::error_response(request, Status::bad_request, fhir::IssueType::invalid, problem));
    return;
  }
  auto shared = std::make_shared<http::Request>(std::move(request));
  boost::asio::post(reprocessing_, [this, shared, filter, limit, respond = std::move(respond)] {
    try {
      const ReprocessSummary summary = pipeline_.reprocess(filter, limit);
      http::Response response{Status::ok, shared->version()};
      response.set(beast_http::field::content_type, "application/json");
      response.keep_alive(shared->keep_alive());
      response.body() = "{\"matched\":" + std::to_string(summary.matched) +
                        ",\"processed\":" + std::to_string(summary.processed) +
                        ",\"error\":" + std::to_string(summary.error) +
                        ",\"skipped\":" + std::to_string(summary.skipped) +
                        ",\"failed\":" + std::to_string(summary.failed) + "}";
      response.prepare_payload();
      respond(std::move(response));
    } catch (const std::exception& failure) {
      std::cerr << "socialrx: reprocess failed: " << failure.what() << '\n';
      respond(rest::error_response(*shared, Status::internal_server_error, fhir::IssueType::exception,
                                   "reprocessing failed; see the log"));
    }
  });
}

}  // namespace socialrx::gateway::ingest
