#include "gateway/referral/downstream_referral.hpp"

#include "gateway/referral/business_status.hpp"
#include "gateway/referral/recipient_push.hpp"
#include "gateway/referral/referral_model.hpp"
#include "gateway/referral/resource_json.hpp"
#include "gateway/rest/resource_stamp.hpp"

namespace socialrx::gateway::referral {
namespace {

using fhir::json::Value;

std::string_view organization_display(const ServiceCandidate& recipient) {
  return recipient.organization_name.empty() ? std::string_view(recipient.name)
                                             : std::string_view(recipient.organization_name);
}

}  // namespace

DownstreamReferral create_downstream_referral(storage::WriteTransaction& transaction, const LoadedResource& source_task,
                                              const LoadedResource& source_request,
                                              const ServiceCandidate& recipient, const std::string& explanation) {
  DownstreamReferral made;
  const std::string request_id = rest::new_resource_id();
  const std::string task_id = rest::new_resource_id();
  made.service_request = "ServiceRequest/" + request_id;
  made.task = "Task/" + task_id;
  const std::string now = now_instant();

  fhir::json::Document document;
  JsonBuilder json(document);
  // The recipient's request is the source's, addressed to it: same need, patient, reasons and
  // supporting information (the consent gate has just permitted their disclosure).
  Value request = document.copy(source_request.root());
  for (std::string_view owned : {"id", "meta", "identifier", "text"}) request = json.without(request, owned);
  request = json.with(request, "intent", json.string("filler-order"));
  request = json.with(request, "basedOn", json.array({json.reference(source_request.key)}));
  request = json.with(request, "performer",
                      json.array({json.reference(recipient.organization, organization_display(recipient))}));
  request = json.with(request, "authoredOn", json.string(now));
  write_platform_resource(transaction, request, "ServiceRequest", request_id);

  const Value& source = source_task.root();
  Value task = json.object({
      {"resourceType", json.string("Task")},
      {"partOf", json.array({json.reference(source_task.key)})},
      {"status", json.string("requested")},
      {"businessStatus", recipient.full_recipient
                             ? json.codeable(business_status::kSystem, business_status::kAwaitingDelivery.code,
                                            business_status::kAwaitingDelivery.display)
                             : Value()},
      {"intent", json.string("order")},
      {"priority", source.find("priority") != nullptr ? document.copy(*source.find("priority")) : Value()},
      {"code", json.codeable(kTaskCodeSystem, kFulfill, "Fulfill the focal request")},
      {"focus", json.reference(made.service_request)},
      {"for", document.copy(*source.find("for"))},
      {"authoredOn", json.string(now)},
      {"lastModified", json.string(now)},
      {"requester", source.find("requester") != nullptr ? document.copy(*source.find("requester")) : Value()},
      {"owner", json.reference(recipient.organization, organization_display(recipient))},
      {"note", json.array({json.annotation(explanation, now)})},
  });
  write_platform_resource(transaction, task, "Task", task_id);

  const Value& original = source_request.root();
  made.disclosed.push_back(reference_key(original.find("subject")));
  for (const char* element : {"supportingInfo", "reasonReference"}) {
    for (std::string& key : reference_keys(original, element)) {
      if (!key.starts_with("Consent/")) made.disclosed.push_back(std::move(key));
    }
  }
  // A full recipient gets it all on its own server: who it is (so its staff's clients can be
  // bound to it), what was disclosed, then its request and Task.
  if (recipient.full_recipient && !recipient.endpoint_address.empty()) {
    std::vector<std::string> keys{recipient.organization};
    keys.insert(keys.end(), made.disclosed.begin(), made.disclosed.end());
    keys.push_back(made.service_request);
    keys.push_back(made.task);
    push_to_recipient(transaction, recipient.endpoint_address, keys, made.task);
  }
  return made;
}

}  // namespace socialrx::gateway::referral
