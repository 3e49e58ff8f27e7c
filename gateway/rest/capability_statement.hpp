#pragma once
// GET /fhir/metadata: a CapabilityStatement listing exactly what socialrx supports — the resource
// types it stores, their interactions, the search parameters of gateway/search, _include and
// _revinclude targets, transaction and batch, and $validate.

#include <string>

namespace socialrx::gateway::rest {

std::string build_capability_statement(bool authentication_required);

}  // namespace socialrx::gateway::rest
