#include "gateway/rest/negotiation.hpp"

#include <algorithm>
#include <cctype>

namespace socialrx::gateway::rest {
namespace {

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The media type of one Accept / Content-Type item, without parameters.
std::string media_type(std::string_view item) {
  const std::size_t semicolon = item.find(';');
  std::string_view type = item.substr(0, semicolon);
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.front()))) type.remove_prefix(1);
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.back()))) type.remove_suffix(1);
  return lowercase(type);
}

bool is_json_type(const std::string& type) {
  return type == "application/fhir+json" || type == "application/json" ||
         type == "application/json+fhir" || type == "json" || type == "text/json";
}

}  // namespace

std::optional<std::string> unacceptable_format(const http::Request& request,
                                               const std::vector<QueryParam>& query) {
  for (const QueryParam& param : query) {
    if (param.name != "_format") continue;
    if (!is_json_type(media_type(param.value))) {
      return "_format=" + param.value + " is not supported; socialrx speaks FHIR JSON only";
    }
    return std::nullopt;  // _format overrides Accept
  }
  const auto accept = request.find(boost::beast::http::field::accept);
  if (accept == request.end() || accept->value().empty()) return std::nullopt;
  std::string_view list = accept->value();
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const std::string type = media_type(list.substr(0, comma));
    if (is_json_type(type) || type == "*/*" || type == "application/*") return std::nullopt;
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
  return "Accept: " + std::string(accept->value()) + " cannot be served; socialrx speaks FHIR JSON only";
}

bool is_json_body(const http::Request& request) {
  const auto content_type = request.find(boost::beast::http::field::content_type);
  return content_type != request.end() && is_json_type(media_type(content_type->value()));
}

Preferences parse_preferences(const http::Request& request) {
  Preferences preferences;
  const auto [first, last] = request.equal_range(boost::beast::http::field::prefer);
  for (auto field = first; field != last; ++field) {
    const std::string value = lowercase(field->value());
    if (value.find("return=minimal") != std::string::npos) {
      preferences.return_preference = ReturnPreference::minimal;
    } else if (value.find("return=operationoutcome") != std::string::npos) {
      preferences.return_preference = ReturnPreference::outcome;
    } else if (value.find("return=representation") != std::string::npos) {
      preferences.return_preference = ReturnPreference::representation;
    }
    if (value.find("handling=strict") != std::string::npos) preferences.strict_handling = true;
  }
  return preferences;
}

}  // namespace socialrx::gateway::rest
