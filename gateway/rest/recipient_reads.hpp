#pragma once
// The read gate (gateway/referral/read_gate.hpp) on the REST read paths: read, vread, history,
// search (with _include/_revinclude), batch GET entries and $extract of a stored response. A
// gated resource the client may not see answers 404 exactly like an unknown id (FHIR R4
// security: "a 404 may be used to hide existence"); searches leave it out in SQL, so totals and
// pages agree. What was returned because it was disclosed is recorded (referral/read_audit.hpp)
// before the response goes out.

#include <optional>
#include <string>
#include <string_view>

#include "gateway/referral/read_gate.hpp"
#include "gateway/rest/exchange.hpp"

namespace socialrx::gateway::rest {

// The gate for the exchange's client, or nullopt when it is not gated. A client bound to no
// organization costs nothing (no query).
std::optional<referral::RecipientView> read_gate_for(ApiServices& services, const Exchange& exchange);

// The disclosed resources a response returns, collected while it is built.
class DisclosedReads {
 public:
  explicit DisclosedReads(const referral::RecipientView* view) : view_(view) {}
  // Adds "type/id" when it is visible to the view because it was disclosed.
  void add(std::string_view type, std::string_view id);
  bool empty() const { return returned_.empty(); }
  const referral::RecipientView* view() const { return view_; }
  std::vector<std::pair<std::string, referral::DisclosedAccess>>& returned() { return returned_; }

 private:
  const referral::RecipientView* view_;
  std::vector<std::pair<std::string, referral::DisclosedAccess>> returned_;
};

// Answers with `response`; when it returns disclosed resources, only after their AuditEvent is
// committed (a read that cannot be recorded returns nothing: 503).
void reply_recorded(ApiServices& services, const ExchangePtr& exchange, std::string_view interaction,
                    DisclosedReads reads, http::Response response);

}  // namespace socialrx::gateway::rest
