#pragma once
// Conditional upsert of one resource on its identifier, inside a write job: the REST API's
// conditional machinery (race-free claim on the criteria) finds the resource or reserves a new
// id; the content is written only when it differs from the current version. Used for what the
// server writes on its own behalf: the directory import and the shipped Questionnaires.

#include <string>
#include <string_view>

#include "gateway/storage/resource_store.hpp"

namespace socialrx::gateway::rest {

// The id of the one `type` with this identifier, or a fresh id claimed for it. Throws
// rest::WriteRefused when several match (the job's savepoint is then rolled back).
std::string resolve_id(storage::WriteTransaction& transaction, std::string_view type,
                       std::string_view system, std::string_view value);

// Writes `json` (a resource without id and meta) as type/id unless the current version has the
// same content. Returns whether a version was written. Throws on storage failure.
bool write_if_changed(storage::WriteTransaction& transaction, std::string_view type, const std::string& id,
                      const std::string& json);

}  // namespace socialrx::gateway::rest
