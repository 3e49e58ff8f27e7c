#pragma once
// Taking full recipients' updates back (issue #5 part 5; DOMAIN.md §1 "status monitoring"): a
// thread that, every interval, reads each open downstream Task of a full recipient from the
// recipient's own FHIR server (GET [base]/Task/<id>, with the outbox's credentials for that
// server), and when the recipient changed it, stores the change — with the Procedures and
// Observations its output names, fetched from the same server — and mirrors it onto the source
// Task, through the single writer like any write. Polling always works, whatever the recipient
// supports; an unreachable recipient is simply asked again next round.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "gateway/outbox/outbox_options.hpp"
#include "gateway/referral/workflow.hpp"
#include "gateway/storage/database.hpp"
#include "gateway/storage/write_queue.hpp"

namespace socialrx::gateway::outbox {
class FhirRestTransport;
}

namespace socialrx::gateway::referral {

class RecipientPoller {
 public:
  RecipientPoller(storage::Database& database, storage::WriteQueue& writes, const Workflow& workflow,
                  const outbox::OutboxOptions& credentials, std::chrono::milliseconds interval);
  ~RecipientPoller();  // stops

  void start();
  void stop();  // returns once the thread has ended
  // One round; returns how many Tasks were updated from their recipients.
  std::size_t poll_once();

 private:
  bool poll_task(const std::string& task_key, const std::string& endpoint);

  storage::Database& database_;
  storage::WriteQueue& writes_;
  const Workflow& workflow_;
  std::unique_ptr<outbox::FhirRestTransport> client_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace socialrx::gateway::referral
