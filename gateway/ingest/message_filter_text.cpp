#include "gateway/ingest/message_filter_text.hpp"

#include <charconv>

#include "fhir/date_time.hpp"

namespace socialrx::gateway::ingest {
namespace {

std::optional<std::int64_t> whole_number(std::string_view text) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::optional<std::int64_t> time_ms(std::string_view text) {
  if (auto number = whole_number(text)) return number;
  if (auto range = fhir::time_range(text)) return range->low_ms;
  return std::nullopt;
}

}  // namespace

std::string set_filter_field(std::string_view name, std::string_view value, MessageFilter& filter) {
  if (name == "channel") {
    if (value.empty()) return "channel: give a channel name";
    filter.channel = std::string(value);
  } else if (name == "state") {
    filter.state = parse_state(value);
    if (!filter.state) return "state: received, processed or error";
  } else if (name == "since" || name == "until") {
    const auto ms = time_ms(value);
    if (!ms) return std::string(name) + ": a date, dateTime or instant (2026-12-01T09:00:00+09:00) or epoch ms";
    (name == "since" ? filter.since_ms : filter.until_ms) = *ms;
  } else if (name == "id") {
    const auto id = whole_number(value);
    if (!id || *id <= 0) return "id: a message id (a positive whole number)";
    filter.id = *id;
  } else {
    return std::string(name) + ": unknown filter (channel, state, since, until, id)";
  }
  return {};
}

}  // namespace socialrx::gateway::ingest
