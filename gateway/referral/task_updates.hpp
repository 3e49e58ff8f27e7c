#pragma once
// The platform's own changes to referral Tasks (mirroring, waiting, cancelling): each is a new
// version written inside the current job. A status change that the transition table does not
// allow in one step goes through the shortest allowed path (requested → accepted → on-hold), one
// version per step, so the history never shows a forbidden transition.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/referral/store_access.hpp"

namespace socialrx::gateway::referral {

struct TaskChange {
  std::optional<std::string> status = {};           // the status to reach (unchanged when unset)
  std::optional<std::string> reason = {};           // statusReason.text (required for on-hold, rejected, cancelled, failed)
  std::optional<std::string> business_status = {};  // referral-business-status code; "" removes it
  std::optional<std::string> note = {};             // appended to Task.note
  const fhir::json::Value* output = nullptr;  // replaces Task.output (completed referrals)
};

// The statuses to pass through from `from` to `to` (excluding from; empty when equal or when
// the table allows no path).
std::vector<std::string> status_path(std::string_view from, std::string_view to);

// Applies `change` to the Task and writes it (nothing when nothing would change). Returns
// whether a version was written. `task` is reloaded with the last version written.
bool apply_task_change(storage::WriteTransaction& transaction, LoadedResource& task, const TaskChange& change);

}  // namespace socialrx::gateway::referral
