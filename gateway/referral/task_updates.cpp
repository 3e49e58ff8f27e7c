#include "gateway/referral/task_updates.hpp"

#include <deque>
#include <map>

#include "gateway/referral/business_status.hpp"
#include "gateway/referral/resource_json.hpp"
#include "gateway/referral/task_transitions.hpp"

namespace socialrx::gateway::referral {
namespace {

using fhir::json::Value;


std::string_view display_of(std::string_view code) {
  const business_status::Code* entry = business_status::find(code);
  return entry != nullptr ? entry->display : std::string_view();
}

}  // namespace

std::vector<std::string> status_path(std::string_view from, std::string_view to) {
  if (from == to) return {};
  // Breadth-first over the table: the paths are at most two steps long.
  std::map<std::string_view, std::string_view> previous;
  std::deque<std::string_view> queue{from};
  previous[from] = "";
  while (!queue.empty()) {
    const std::string_view at = queue.front();
    queue.pop_front();
    for (std::string_view next : referral_task_statuses()) {
      if (previous.contains(next) || !is_allowed_transition(at, next) || next == "entered-in-error") continue;
      previous[next] = at;
      if (next == to) {
        std::vector<std::string> path;
        for (std::string_view step = to; step != from; step = previous[step]) path.insert(path.begin(), std::string(step));
        return path;
      }
      queue.push_back(next);
    }
  }
  return {};
}

bool apply_task_change(storage::WriteTransaction& transaction, LoadedResource& task, const TaskChange& change) {
  const std::string current_status(task.root().string_at("status"));
  std::vector<std::string> steps;
  if (change.status && *change.status != current_status) {
    steps = status_path(current_status, *change.status);
    if (steps.empty()) return false;  // not reachable: the caller's mirror has nothing to do
  } else {
    steps.push_back(current_status);  // the same status, other elements change
  }
  bool written = false;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const bool last = i + 1 == steps.size();
    fhir::json::Document document;
    JsonBuilder json(document);
    Value next = document.copy(task.root());
    next = json.without(next, "meta");
    next = json.with(next, "status", json.string(steps[i]));
    next = json.with(next, "lastModified", json.string(now_instant()));
    // statusReason belongs to the status it explains: intermediate steps carry none.
    if (last && change.reason) {
      next = json.with(next, "statusReason", json.text_concept(*change.reason));
    } else if (steps[i] != current_status || !last) {
      next = json.without(next, "statusReason");
    }
    if (last && change.business_status) {
      next = change.business_status->empty()
                 ? json.without(next, "businessStatus")
                 : json.with(next, "businessStatus",
                             json.codeable(business_status::kSystem, *change.business_status,
                                          display_of(*change.business_status)));
    }
    if (last && change.note) {
      std::vector<Value> notes;
      if (const Value* existing = next.find("note"); existing != nullptr && existing->is_array()) {
        notes.assign(existing->items().begin(), existing->items().end());
      }
      notes.push_back(json.annotation(*change.note, now_instant()));
      next = json.with(next, "note", json.array(notes));
    }
    if (last && change.output != nullptr) next = json.with(next, "output", document.copy(*change.output));
    if (steps.size() == 1 && steps[0] == current_status) {
      // Only other elements change: write nothing when they are all the same already.
      const bool same = status_reason_text(task.root()) == status_reason_text(next) &&
                        code_in(task.root().find("businessStatus"), business_status::kSystem) ==
                            code_in(next.find("businessStatus"), business_status::kSystem) &&
                        !change.note && change.output == nullptr;
      if (same) return written;
    }
    const std::size_t slash = task.key.find('/');
    const storage::StoredResource stored =
        write_platform_resource(transaction, next, "Task", std::string_view(task.key).substr(slash + 1));
    written = true;
    fhir::json::ParseResult parsed = fhir::json::parse(stored.body);
    task.document = std::move(*parsed.document);
    task.version = stored.version;
  }
  return written;
}

}  // namespace socialrx::gateway::referral
