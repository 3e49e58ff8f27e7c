#include "gateway/storage/sqlite_checkpointer.hpp"

#include <iostream>

#include "gateway/storage/driver.hpp"

namespace socialrx::gateway::storage {

SqliteCheckpointer::SqliteCheckpointer(const std::string& path)
    : connection_(open_sqlite(path)), thread_([this] { run(); }) {}

SqliteCheckpointer::~SqliteCheckpointer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void SqliteCheckpointer::log_length(int pages) {
  int since = checkpointed_.load(std::memory_order_relaxed);
  if (pages < since) since = 0;  // the log was started again from its beginning
  if (pages - since < kCheckpointPages) return;
  {
    std::lock_guard lock(mutex_);
    if (due_) return;
    due_ = true;
  }
  wake_.notify_one();
}

void SqliteCheckpointer::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return due_ || stopping_; });
    if (stopping_) return;
    due_ = false;
    lock.unlock();
    try {
      // PASSIVE: copies what no reader still needs, waits for nobody. The writer starts the log
      // from the beginning again at its next commit once everything was copied.
      const auto result = connection_->query("PRAGMA wal_checkpoint(PASSIVE)");  // busy, log, done
      if (!result.empty() && result[0].size() == 3) {
        if (const auto* log = std::get_if<std::int64_t>(&result[0][1])) {
          checkpointed_.store(static_cast<int>(*log), std::memory_order_relaxed);
        }
      }
    } catch (const std::exception& error) {
      // Not fatal: the log only grows, and the writer checkpoints itself past a bound.
      std::cerr << "socialrx: storage: background checkpoint failed: " << error.what() << '\n';
    }
    lock.lock();
  }
}

}  // namespace socialrx::gateway::storage
