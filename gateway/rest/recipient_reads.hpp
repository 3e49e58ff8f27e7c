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

// The read gate's view of one stored version (its body, when it has one).
referral::RecipientView::Access access_to(const referral::RecipientView& view, const storage::StoredResource& version);

// Writes by a gated client to a gated type (the same gate): it may create (POST), and update or
// delete by id only what is its own. A resource it may not see is 404 like an unknown id, and so
// is an id that does not exist (update-as-create would tell the two apart); one disclosed to it
// is 403 (read, not change); conditional create and update are 403 for every criteria alike
// (their outcome would say whether a match exists). nullopt: the write may go on.
std::optional<http::Response> refuse_recipient_write(ApiServices& services, const Exchange& exchange,
                                                     bool conditional);

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
