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

referral::RecipientView::Access access_to(const referral::RecipientView& view, const storage::StoredResource& version) {
  std::optional<fhir::json::Document> body;
  if (!version.deleted && !version.body.empty()) body = std::move(fhir::json::parse(version.body).document);
  return view.access(version.type, version.id, body ? &body->root() : nullptr);
}

std::optional<http::Response> refuse_recipient_write(ApiServices& services, const Exchange& exchange,
                                                     bool conditional) {
  const Route& route = exchange.route;
  if (!referral::is_gated_type(route.type)) return std::nullopt;
  const auto gate = read_gate_for(services, exchange);
  if (!gate) return std::nullopt;
  if (conditional) {
    return error_response(exchange.request, Status::forbidden, fhir::IssueType::forbidden,
                          "a referral recipient's client writes " + route.type +
                              " by POST or by id, not with search criteria");
  }
  if (route.id.empty()) return std::nullopt;  // POST Type: a new resource of its own
  const auto current = services.store.read(route.type, route.id);
  const auto access = current && !current->deleted ? access_to(*gate, *current) : referral::RecipientView::Access::hidden;
  if (access == referral::RecipientView::Access::own) return std::nullopt;
  if (access == referral::RecipientView::Access::disclosed) {
    return error_response(exchange.request, Status::forbidden, fhir::IssueType::forbidden,
                          route.type + "/" + route.id + " was disclosed to be read, not changed");
  }
  return error_response(exchange.request, Status::not_found, fhir::IssueType::not_found,
                        route.type + "/" + route.id + " is not known");
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
