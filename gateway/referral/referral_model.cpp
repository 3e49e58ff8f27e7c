#include "gateway/referral/referral_model.hpp"

#include "gateway/directory/directory_model.hpp"
#include "gateway/referral/resource_json.hpp"
#include "gateway/referral/task_transitions.hpp"

namespace socialrx::gateway::referral {

std::string source_task_of(const fhir::json::Value& task) {
  for (std::string& key : reference_keys(task, "partOf")) {
    if (key.starts_with("Task/")) return std::move(key);
  }
  return {};
}

bool is_source_task(const fhir::json::Value& task) {
  return is_referral_task(task) && reference_key(task.find("focus")).starts_with("ServiceRequest/") &&
         task.find("partOf") == nullptr;
}

std::string need_domain_of(const fhir::json::Value& service_request) {
  std::string_view code = code_in(service_request.find("category"), directory::model::kSdhDomainSystem);
  if (code.empty()) code = code_in(service_request.find("code"), directory::model::kSdhDomainSystem);
  return std::string(code);
}

}  // namespace socialrx::gateway::referral
