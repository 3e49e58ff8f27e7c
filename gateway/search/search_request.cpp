#include "gateway/search/search_request.hpp"

#include <charconv>

#include "fhir/date_time.hpp"
#include "fhir/reference.hpp"

namespace socialrx::gateway::search {
namespace {

bool parse_int(std::string_view text, std::int64_t& out) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

bool modifier_allowed(ParamKind kind, std::string_view modifier) {
  if (modifier.empty()) return true;
  switch (kind) {
    case ParamKind::string:
      return modifier == "exact" || modifier == "contains";
    case ParamKind::token:
      return modifier == "not";
    case ParamKind::reference:
      return fhir::is_resource_type(modifier);
    default:
      return false;
  }
}

std::optional<Include> parse_include(std::string_view text, fhir::Issues& problems,
                                     std::string_view name) {
  // Source:param[:Target]
  const std::size_t first = text.find(':');
  if (first == std::string_view::npos) {
    problems.error(fhir::IssueType::value, "", std::string(name) + " needs Type:parameter");
    return std::nullopt;
  }
  const std::string_view source = text.substr(0, first);
  std::string_view rest = text.substr(first + 1);
  std::string_view target;
  if (const std::size_t second = rest.find(':'); second != std::string_view::npos) {
    target = rest.substr(second + 1);
    rest = rest.substr(0, second);
  }
  const SearchParameter* parameter = find_search_parameter(source, rest);
  if (parameter == nullptr || parameter->kind != ParamKind::reference) {
    problems.error(fhir::IssueType::not_supported, "",
                   std::string(name) + "=" + std::string(text) +
                       ": not a supported reference search parameter");
    return std::nullopt;
  }
  return Include{std::string(source), parameter, std::string(target), std::string(text)};
}

}  // namespace

std::vector<std::string> split_values(std::string_view text) {
  std::vector<std::string> values(1);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == ',') {
      values.back() += ',';
      ++i;
    } else if (text[i] == ',') {
      values.emplace_back();
    } else {
      values.back() += text[i];
    }
  }
  return values;
}

std::pair<Comparator, std::string_view> split_prefix(std::string_view value) {
  static constexpr std::pair<std::string_view, Comparator> kPrefixes[] = {
      {"eq", Comparator::eq}, {"ne", Comparator::ne}, {"lt", Comparator::lt},
      {"gt", Comparator::gt}, {"le", Comparator::le}, {"ge", Comparator::ge},
      {"sa", Comparator::sa}, {"eb", Comparator::eb}, {"ap", Comparator::ap}};
  if (value.size() > 2 && !(value[0] >= '0' && value[0] <= '9')) {
    for (const auto& [text, comparator] : kPrefixes) {
      if (value.starts_with(text)) return {comparator, value.substr(2)};
    }
  }
  return {Comparator::eq, value};
}

SearchRequest parse_search_request(std::string_view type,
                                   const std::vector<rest::QueryParam>& params) {
  SearchRequest request;
  request.type = std::string(type);
  for (const rest::QueryParam& param : params) {
    const std::string& name = param.name;
    if (name == "_count") {
      std::int64_t count = 0;
      if (!parse_int(param.value, count) || count < 0) {
        request.problems.error(fhir::IssueType::value, "", "_count must be a whole number ≥ 0");
      } else {
        request.count = std::min<std::size_t>(static_cast<std::size_t>(count), kMaxCount);
      }
    } else if (name == "_sort") {
      if (param.value == "_lastUpdated") {
        request.descending = false;
      } else if (param.value == "-_lastUpdated") {
        request.descending = true;
      } else {
        request.problems.error(fhir::IssueType::not_supported, "",
                               "_sort supports only _lastUpdated and -_lastUpdated");
      }
    } else if (name == "_summary") {
      if (param.value == "count") {
        request.summary_count = true;
      } else if (param.value != "false") {
        request.ignored.push_back("_summary=" + param.value);
      }
    } else if (name == "_include" || name == "_revinclude") {
      if (auto include = parse_include(param.value, request.problems, name)) {
        (name == "_include" ? request.includes : request.revincludes).push_back(*include);
      }
    } else if (name == "_cursor") {
      // "<last_updated_ms>.<seq>", written by our own next links
      const std::size_t dot = param.value.find('.');
      PageCursor cursor{};
      if (dot == std::string::npos ||
          !parse_int(std::string_view(param.value).substr(0, dot), cursor.last_updated_ms) ||
          !parse_int(std::string_view(param.value).substr(dot + 1), cursor.seq)) {
        request.problems.error(fhir::IssueType::value, "", "_cursor is not one of ours");
      } else {
        request.after = cursor;
      }
    } else if (name == "_snapshot") {
      std::int64_t snapshot = 0;
      if (!parse_int(param.value, snapshot)) {
        request.problems.error(fhir::IssueType::value, "", "_snapshot is not one of ours");
      } else {
        request.snapshot = snapshot;
      }
    } else if (name == "_format" || name == "_pretty") {
      // content negotiation, handled by the REST layer
    } else if (name == "_id" || name == "_lastUpdated") {
      Criterion criterion;
      criterion.special = name == "_id" ? Criterion::Special::id : Criterion::Special::last_updated;
      criterion.name = name;
      criterion.values = split_values(param.value);
      if (criterion.special == Criterion::Special::last_updated) {
        for (const std::string& value : criterion.values) {
          if (!fhir::time_range(split_prefix(value).second)) {
            request.problems.error(fhir::IssueType::value, "",
                                   "_lastUpdated needs a date or dateTime, with an optional prefix");
          }
        }
      }
      request.criteria.push_back(std::move(criterion));
    } else if (const SearchParameter* parameter = find_search_parameter(type, name)) {
      if (!modifier_allowed(parameter->kind, param.modifier)) {
        request.problems.error(fhir::IssueType::not_supported, "",
                               "the modifier :" + param.modifier + " is not supported on " + name);
        continue;
      }
      Criterion criterion;
      criterion.parameter = parameter;
      criterion.name = name;
      criterion.modifier = param.modifier;
      criterion.values = split_values(param.value);
      if (parameter->kind == ParamKind::date) {
        for (const std::string& value : criterion.values) {
          if (!fhir::time_range(split_prefix(value).second)) {
            request.problems.error(fhir::IssueType::value, "",
                                   name + " needs a date or dateTime, with an optional prefix");
          }
        }
      }
      request.criteria.push_back(std::move(criterion));
    } else {
      request.ignored.push_back(param.modifier.empty() ? name : name + ":" + param.modifier);
    }
  }
  return request;
}

}  // namespace socialrx::gateway::search
