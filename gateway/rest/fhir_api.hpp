#pragma once
// The FHIR REST API as an http::Handler: routing, content negotiation, authentication and scope
// checks, then the interaction (gateway/rest/*_interaction*.cpp, one job each).

#include "gateway/http/server.hpp"
#include "gateway/rest/auth.hpp"
#include "gateway/rest/exchange.hpp"

namespace socialrx::gateway::rest {

class FhirApi : public http::Handler {
 public:
  FhirApi(ApiServices& services, const Authenticator& authenticator);
  void handle(http::Request&& request, const http::RequestContext& context,
              http::Respond respond) override;

 private:
  void dispatch(const ExchangePtr& exchange);

  ApiServices& services_;
  const Authenticator& authenticator_;
};

}  // namespace socialrx::gateway::rest
