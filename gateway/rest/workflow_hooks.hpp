#pragma once
// The referral workflow (gateway/referral/workflow.hpp) in the REST write path: every client
// write of a resource runs its check first and, once the job's writes are done, its reactions —
// in the same job, so a referral and what it causes commit together. Subscriptions
// (gateway/subscription) the same way: checked before the write (422 / 403), activated after it.

#include <string>
#include <vector>

#include "fhir/json.hpp"
#include "gateway/referral/workflow.hpp"
#include "gateway/rest/auth.hpp"
#include "gateway/storage/resource_store.hpp"

namespace socialrx::gateway::rest {

class WorkflowHooks {
 public:
  // workflow == nullptr: no referral workflow (every hook does nothing).
  // Subscriptions (gateway/subscription) are checked and activated whatever `workflow` is.
  WorkflowHooks(const referral::Workflow* workflow, const Principal& principal)
      : workflow_(workflow), organization_(principal.organization), scopes_(principal.scopes) {}

  // Before type/id is written with `next` (nullptr: deleted). Throws WriteRefused.
  void before_write(storage::WriteTransaction& transaction, std::string_view type, std::string_view id,
                    const fhir::json::Value* next);
  // After the job's client writes.
  void after_writes(storage::WriteTransaction& transaction);

 private:
  referral::Actor actor(storage::WriteTransaction& transaction);

  const referral::Workflow* workflow_;
  std::string organization_;  // as configured
  std::vector<std::string> scopes_;  // a Subscription may follow only what the client may read
  std::vector<referral::WrittenResource> written_;
};

}  // namespace socialrx::gateway::rest
