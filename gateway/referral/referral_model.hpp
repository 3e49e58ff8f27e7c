#pragma once
// How the workflow recognises the resources of a referral (DOMAIN.md §1, the Gravity profiles).

#include <string>
#include <string_view>

#include "fhir/json.hpp"

namespace socialrx::gateway::referral {

inline constexpr std::string_view kTaskCodeSystem = "http://hl7.org/fhir/CodeSystem/task-code";
inline constexpr std::string_view kFulfill = "fulfill";

// A referral Task (task_transitions.hpp: code task-code#fulfill) from a source (a clinic): focus →
// a ServiceRequest and no partOf. The platform's own are downstream Tasks (partOf the source's).
bool is_source_task(const fhir::json::Value& task);
// The source Task a downstream Task belongs to ("Task/<id>"), empty for a source Task.
std::string source_task_of(const fhir::json::Value& task);

// The need domain a referral is for: the first sdh-domain coding of ServiceRequest.category,
// else of ServiceRequest.code; empty when neither has one.
std::string need_domain_of(const fhir::json::Value& service_request);

}  // namespace socialrx::gateway::referral
