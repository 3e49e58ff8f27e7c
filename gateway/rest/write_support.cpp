// Shared by the write interactions: back-pressure on the writer and mapping failures to responses.

#include <iostream>

#include "gateway/rest/exchange.hpp"
#include "gateway/rest/write_errors.hpp"

namespace socialrx::gateway::rest {

bool submit_write(ApiServices& services, const ExchangePtr& exchange, storage::WriteQueue::Job job,
                  storage::WriteQueue::Done done) {
  if (services.pending_writes.fetch_add(1) >= services.max_pending_writes) {
    services.pending_writes.fetch_sub(1);
    http::Response response = error_response(exchange->request, Status::too_many_requests,
                                             fhir::IssueType::throttled,
                                             "too many writes are waiting for the database; retry shortly");
    response.set(boost::beast::http::field::retry_after, "1");
    exchange->reply(std::move(response));
    return false;
  }
  services.writes.submit(std::move(job), [&services, done = std::move(done)](std::exception_ptr error) {
    services.pending_writes.fetch_sub(1);
    done(error);
  });
  return true;
}

WriteFailure describe_write_failure(std::exception_ptr error) {
  WriteFailure failure{Status::internal_server_error, {}};
  try {
    std::rethrow_exception(error);
  } catch (const WriteRefused& refused) {
    failure = {refused.status, refused.issues};
  } catch (const storage::VersionConflict&) {
    failure.status = Status::precondition_failed;
    failure.issues.error(fhir::IssueType::conflict, "",
                         "the resource was changed by someone else (version mismatch)");
  } catch (const storage::DatabaseError& database) {
    // The message may name tables; it goes to the log, never to the client.
    std::cerr << "socialrx: database error during a write: " << database.what() << '\n';
    failure.issues.error(fhir::IssueType::exception, "",
                         "the write could not be stored; nothing was changed");
  } catch (const std::exception& unexpected) {
    std::cerr << "socialrx: unexpected error during a write: " << unexpected.what() << '\n';
    failure.issues.error(fhir::IssueType::exception, "", "internal error; nothing was changed");
  }
  return failure;
}

http::Response write_failure_response(const http::Request& request, std::exception_ptr error) {
  WriteFailure failure = describe_write_failure(error);
  return outcome_response(request, failure.status, failure.issues);
}

}  // namespace socialrx::gateway::rest
