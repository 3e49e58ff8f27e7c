#include "gateway/rest/workflow_hooks.hpp"

#include "gateway/referral/store_access.hpp"
#include "gateway/subscription/subscription_criteria.hpp"
#include "gateway/subscription/subscription_status.hpp"

namespace socialrx::gateway::rest {

referral::Actor WorkflowHooks::actor(storage::WriteTransaction& transaction) {
  if (organization_.empty()) return {};
  std::string resolved = referral::resolve_organization(transaction, organization_);
  // A configured organization that does not exist (yet) must not make the client unrestricted:
  // it then matches no Task's requester or owner.
  if (resolved.empty()) resolved = "Organization/unresolved:" + organization_;
  return referral::Actor{std::move(resolved)};
}

void WorkflowHooks::before_write(storage::WriteTransaction& transaction, std::string_view type, std::string_view id,
                                 const fhir::json::Value* next) {
  if (type == "Subscription") {
    if (next != nullptr) {
      // A client bound to an organization follows only its own referrals (resolving it costs a search).
      const std::string organization = organization_.empty() ? std::string() : actor(transaction).organization;
      subscription::check_client_subscription(*next, Principal{{}, scopes_, organization_}, organization);
    }
    written_.push_back({std::string(type), std::string(id), next == nullptr});
    return;
  }
  if (workflow_ == nullptr) return;
  // Only Task writes have rules of their own; resolving the actor costs a search.
  if (type == "Task") workflow_->check_client_write(transaction, actor(transaction), type, id, next);
  written_.push_back({std::string(type), std::string(id), next == nullptr});
}

void WorkflowHooks::after_writes(storage::WriteTransaction& transaction) {
  if (written_.empty()) return;
  for (const referral::WrittenResource& resource : written_) {
    if (resource.type == "Subscription" && !resource.deleted) {
      subscription::activate_after_client_write(transaction, resource.id);
    }
  }
  if (workflow_ != nullptr) workflow_->react(transaction, written_);
  written_.clear();
}

}  // namespace socialrx::gateway::rest
