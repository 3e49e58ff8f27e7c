#pragma once
// The filters of `socialrx reprocess` and POST /ingest/$reprocess, given as text.

#include <string>
#include <string_view>

#include "gateway/ingest/inbound_store.hpp"

namespace socialrx::gateway::ingest {

// Sets one filter field: channel, state (received|processed|error), since and until (a FHIR
// date, dateTime or instant — "2026-12-01", "2026-12-01T09:00:00+09:00" — or epoch
// milliseconds; since is inclusive, until exclusive), id. Returns a problem, or empty.
std::string set_filter_field(std::string_view name, std::string_view value, MessageFilter& filter);

}  // namespace socialrx::gateway::ingest
