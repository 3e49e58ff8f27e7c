#include "gateway/storage/write_queue.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "gateway/storage/driver.hpp"
#include "gateway/storage/write_transaction.hpp"

namespace socialrx::gateway::storage {

struct WriteQueue::Impl {
  struct Entry {
    Job job;
    Done done;
  };

  Impl(Database& database, WriteQueueOptions options)
      : database(database), options(options), connection(database.writer()) {
    if (this->options.max_batch == 0) this->options.max_batch = 1;
    last_updated_ms = max_last_updated_ms(*connection);
    thread = std::thread([this] { loop(); });
  }

  void loop() {
    std::vector<Entry> batch;
    for (;;) {
      {
        std::unique_lock lock(mutex);
        wake.wait(lock, [this] { return stopping || !queue.empty(); });
        if (queue.empty()) return;  // stopping, and everything queued has run
        // Group commit: whatever queued up while the previous batch was committing.
        const std::size_t n = std::min(queue.size(), options.max_batch);
        batch.clear();
        for (std::size_t i = 0; i < n; ++i) {
          batch.push_back(std::move(queue.front()));
          queue.pop_front();
        }
      }
      run_batch(batch);
    }
  }

  void run_batch(std::vector<Entry>& batch) {
    std::vector<std::exception_ptr> outcomes(batch.size());
    const bool sqlite = connection->backend() == Backend::sqlite;
    try {
      if (auto* driver = dynamic_cast<DriverConnection*>(connection.get())) {
        driver->ensure_connected();
      }
      // SQLite: IMMEDIATE takes the write lock now, not at the first write (no deadlock with
      // another process that also upgraded a read transaction).
      connection->execute(sqlite ? "BEGIN IMMEDIATE" : "BEGIN");
    } catch (...) {
      finish(batch, std::vector<std::exception_ptr>(batch.size(), std::current_exception()));
      return;
    }

    BatchWriteTransaction transaction(*connection, last_updated_ms);
    bool broken = false;
    std::exception_ptr broken_error;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (broken) {
        outcomes[i] = broken_error;
        continue;
      }
      try {
        connection->execute("SAVEPOINT socialrx_job");
      } catch (...) {
        broken = true;
        broken_error = std::current_exception();
        outcomes[i] = broken_error;
        continue;
      }
      try {
        batch[i].job(transaction);
        const auto written = transaction.take_written();
        if (options.after_job && !written.empty()) options.after_job(transaction, written);
        connection->execute("RELEASE SAVEPOINT socialrx_job");
      } catch (...) {
        transaction.take_written();  // rolled back below: nobody hears of them
        outcomes[i] = std::current_exception();
        try {
          connection->execute("ROLLBACK TO SAVEPOINT socialrx_job");
          connection->execute("RELEASE SAVEPOINT socialrx_job");
        } catch (...) {
          // The transaction cannot be trusted any more: nothing of it is committed.
          broken = true;
          broken_error = std::current_exception();
        }
      }
    }

    if (broken) {
      rollback();
      for (auto& outcome : outcomes) outcome = broken_error;
      finish(batch, outcomes);
      return;
    }
    try {
      connection->execute("COMMIT");
      commits.fetch_add(1, std::memory_order_relaxed);
    } catch (...) {
      const auto error = std::current_exception();
      rollback();
      for (auto& outcome : outcomes) outcome = error;
    }
    // Only now, after COMMIT returned (durably, see the pragmas and synchronous_commit), does
    // anyone learn the outcome: even a job that failed may have seen uncommitted state.
    finish(batch, outcomes);
  }

  void rollback() noexcept {
    try {
      connection->execute("ROLLBACK");
    } catch (...) {
    }
  }

  void finish(std::vector<Entry>& batch, const std::vector<std::exception_ptr>& outcomes) {
    jobs.fetch_add(batch.size(), std::memory_order_relaxed);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (!batch[i].done) continue;
      try {
        batch[i].done(outcomes[i]);
      } catch (...) {
        // A callback's failure must not take the writer down.
      }
    }
    batch.clear();
  }

  Database& database;
  WriteQueueOptions options;
  std::unique_ptr<Connection> connection;
  std::int64_t last_updated_ms = 0;  // writer thread only

  std::mutex mutex;
  std::condition_variable wake;
  std::deque<Entry> queue;
  bool stopping = false;

  std::atomic<std::uint64_t> jobs{0};
  std::atomic<std::uint64_t> commits{0};
  std::thread thread;
};

WriteQueue::WriteQueue(Database& database, WriteQueueOptions options)
    : impl_(std::make_unique<Impl>(database, options)) {}

WriteQueue::~WriteQueue() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake.notify_one();
  impl_->thread.join();
}

void WriteQueue::submit(Job job, Done done) {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->queue.push_back(Impl::Entry{std::move(job), std::move(done)});
  }
  impl_->wake.notify_one();
}

void WriteQueue::run(Job job) {
  if (std::this_thread::get_id() == impl_->thread.get_id()) {
    throw std::logic_error("WriteQueue::run called from the writer thread (it would wait forever)");
  }
  // Shared with the callback: this frame may be gone before set_value() has returned.
  auto outcome = std::make_shared<std::promise<void>>();
  auto future = outcome->get_future();
  submit(std::move(job), [outcome](std::exception_ptr error) {
    if (error) {
      outcome->set_exception(error);
    } else {
      outcome->set_value();
    }
  });
  future.get();
}

WriteQueue::Stats WriteQueue::stats() const {
  Stats stats;
  stats.jobs = impl_->jobs.load(std::memory_order_relaxed);
  stats.commits = impl_->commits.load(std::memory_order_relaxed);
  return stats;
}

}  // namespace socialrx::gateway::storage
