#pragma once
// The single writer: jobs from any thread are run on one thread, batched into one database
// transaction per round (group commit), each job inside its own savepoint so that one failing
// job does not undo the others. A job's `done` runs only after the commit is durable, so a 201
// is never sent for something that could still be lost.

#include <exception>
#include <functional>
#include <memory>
#include <vector>

#include "gateway/storage/resource_store.hpp"

namespace socialrx::gateway::storage {

// Runs on the writer thread at the end of every job that wrote resource versions, inside the
// job's savepoint, with what the job wrote (in order): whatever it writes commits with the job,
// and when it throws the job fails. gateway/subscription queues its notifications here.
using JobObserver = std::function<void(WriteTransaction&, const std::vector<WrittenVersion>&)>;

struct WriteQueueOptions {
  std::size_t max_batch = 256;  // jobs per transaction
  JobObserver after_job;        // may be empty
};

class WriteQueue {
 public:
  using Job = std::function<void(WriteTransaction&)>;
  // Called on the writer thread: nullptr after the commit, or the job's exception (its savepoint
  // was rolled back), or the commit's failure (then every job of the batch gets it).
  using Done = std::function<void(std::exception_ptr)>;

  WriteQueue(Database& database, WriteQueueOptions options = {});
  ~WriteQueue();  // finishes the queued jobs, then stops the thread

  void submit(Job job, Done done);
  // Blocking convenience for start-up code and tests.
  void run(Job job);

  struct Stats {
    std::uint64_t jobs = 0;
    std::uint64_t commits = 0;  // jobs / commits = the mean batch size
  };
  Stats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace socialrx::gateway::storage
