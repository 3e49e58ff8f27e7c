#pragma once
// The record of a recipient's read of disclosed SDH information (read_gate.hpp): one AuditEvent
// per REST interaction that returned something disclosed (IHE Basic Audit Log Patterns; APPI:
// records of each provision, DOMAIN.md §8), committed before the response goes out.

#include <string>
#include <utility>
#include <vector>

#include "gateway/referral/read_gate.hpp"
#include "gateway/storage/resource_store.hpp"

namespace socialrx::gateway::referral {

struct RecipientRead {
  std::string organization;  // who read: "Organization/<id>"
  std::string client_id;     // the API client (auth.clients[].id)
  // http://hl7.org/fhir/restful-interaction code: read, vread, history-instance, history-type,
  // history-system, search-type, operation
  std::string interaction;
  std::string target;        // the request target ("/fhir/Observation?patient=…"), for searches
  std::vector<std::pair<std::string, DisclosedAccess>> returned;  // "Type/id" and why it was visible
};

// AuditEvent type audit-event-type#rest, subtype the interaction, action R (E for a search),
// the organization as the requesting agent (altId = client id), one entity per returned resource
// with details "disclosure-basis" and "disclosure-record".
void record_recipient_read(storage::WriteTransaction& transaction, const RecipientRead& read);

}  // namespace socialrx::gateway::referral
