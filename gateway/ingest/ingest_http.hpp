#pragma once
// The ingest endpoints on the gateway's HTTP server, in front of the FHIR API (every other
// request goes on to `next`):
//   POST /ingest/{channel}     body = one message in the channel's format; response = the
//                              codec's reply bytes (application/octet-stream; an
//                              OperationOutcome when the codec has no reply format) with
//                              200 accepted, 422 data error, 400 rejected, 503 not stored
//                              (Retry-After; send it again), 404 no such HTTP channel.
//                              Headers X-Socialrx-Message (the stored id) and
//                              X-Socialrx-Duplicate: true for a resent message.
//                              Scope: create on "ingest" (system/ingest.c).
//   GET  /ingest/messages      the inbound store without the bytes (channel, state, since, until,
//                              id, _count ≤ 1000): JSON {"messages": […]}. Scope: read on "ingest".
//   POST /ingest/$reprocess    the same filters as query or form parameters (limit ≤ 10000):
//                              runs them again, answers {"matched", "processed", "error",
//                              "skipped", "failed"}. Scope: update on "ingest" (system/ingest.u).
// Authentication as for the FHIR API (bearer tokens; off with --dev).

#include <boost/asio/thread_pool.hpp>

#include "gateway/http/server.hpp"
#include "gateway/ingest/ingest_pipeline.hpp"
#include "gateway/rest/auth.hpp"

namespace socialrx::gateway::ingest {

class IngestHttpHandler : public http::Handler {
 public:
  IngestHttpHandler(IngestPipeline& pipeline, storage::Database& database,
                    const rest::Authenticator& authenticator, http::Handler& next);
  ~IngestHttpHandler() override;
  void handle(http::Request&& request, const http::RequestContext& context, http::Respond respond) override;

 private:
  void ingest(http::Request&& request, const http::RequestContext& context, std::string channel,
              http::Respond respond);
  void list(const http::Request& request, std::string_view query, http::Respond respond);
  void reprocess(http::Request&& request, std::string query, http::Respond respond);

  IngestPipeline& pipeline_;
  storage::Database& database_;
  const rest::Authenticator& authenticator_;
  http::Handler& next_;
  boost::asio::thread_pool reprocessing_{1};  // reprocess blocks: not on the I/O threads
};

}  // namespace socialrx::gateway::ingest
