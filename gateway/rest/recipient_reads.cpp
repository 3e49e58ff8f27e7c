#include "gateway/rest/recipient_reads.hpp"

#include <iostream>
#include <memory>

#include "gateway/referral/read_audit.hpp"
#include "gateway/referral/store_access.hpp"
#include "gateway/rest/responses.hpp"

namespace socialrx::gateway::rest {

std::optional<referral::RecipientView> read_gate_for(ApiServices& services, const Exchange& exchange) {
  if (exchange.principal.organization.empty()) return std::nullopt;
  auto connection = services.database.reader();
  return referral::recipient_view(*connection, exchange.principal.organization, referral::now_ms());
}

void DisclosedReads::add(std::string_view type, std::string_view id) {
  if (view_ == nullptr || !referral::is_gated_type(type)) return;
  const std::string key = std::string(type) + "/" + std::string(id);
  if (const referral::DisclosedAccess* access = view_->disclosed(key)) {
    for (const auto& [known, ignored] : returned_) {
      if (known == key) return;
    }
    returned_.emplace_back(key, *access);
  }
}

void reply_recorded(ApiServices& services, const ExchangePtr& exchange, std::string_view interaction,
                    DisclosedReads reads, http::Response response) {
  if (reads.view() == nullptr || reads.empty()) {
    exchange->reply(std::move(response));
    return;
  }
  referral::RecipientRead read{reads.view()->organization(), exchange->principal.client_id, std::string(interaction),
                               std::string(exchange->request.target()), std::move(reads.returned())};
  auto pending = std::make_shared<http::Response>(std::move(response));
  submit_write(
      services, exchange,
      [read = std::move(read)](storage::WriteTransaction& transaction) {
        referral::record_recipient_read(transaction, read);
      },
      [exchange, pending](std::exception_ptr error) {
        if (!error) {
          exchange->reply(std::move(*pending));
          return;
        }
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& failure) {
          std::cerr << "socialrx: a recipient's read could not be recorded: " << failure.what() << '\n';
        } catch (...) {
          std::cerr << "socialrx: a recipient's read could not be recorded\n";
        }
        exchange->reply(error_response(exchange->request, Status::service_unavailable, fhir::IssueType::transient,
                                       "the read could not be recorded, so nothing was returned; retry shortly"));
      });
}

}  // namespace socialrx::gateway::rest
