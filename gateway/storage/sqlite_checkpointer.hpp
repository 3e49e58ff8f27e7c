#pragma once
// Checkpoints of the SQLite write-ahead log, on their own thread.
//
// SQLite runs a checkpoint (copying logged pages into the database file, then fsync) on the
// connection that committed, once the log is long enough: on the writer thread, in the middle of
// acknowledging a batch, for 8-14 % of its time under ingest load (perf). Here the writer only
// notes how long the log is after each commit; this thread, with a connection of its own, runs a
// PASSIVE checkpoint (it never blocks the writer nor readers) while the other core is free.
// Should it fall far behind, the writer checkpoints itself again as SQLite would (bounded log).

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace socialrx::gateway::storage {

class DriverConnection;

class SqliteCheckpointer {
 public:
  // Log length (pages) from which this thread checkpoints, and from which the writer does it
  // itself because this thread has not kept up.
  static constexpr int kCheckpointPages = 4000;
  static constexpr int kWriterCheckpointPages = 10 * kCheckpointPages;

  explicit SqliteCheckpointer(const std::string& path);
  ~SqliteCheckpointer();
  SqliteCheckpointer(const SqliteCheckpointer&) = delete;
  SqliteCheckpointer& operator=(const SqliteCheckpointer&) = delete;

  // From the writer, after a commit: the log now holds `pages` frames. Cheap (no I/O).
  void log_length(int pages);

 private:
  void run();

  std::unique_ptr<DriverConnection> connection_;
  // The log's length when the last checkpoint ran: the next one is due once as many pages again
  // were logged (a restarted log is shorter than this, and counts from 0).
  std::atomic<int> checkpointed_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool due_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace socialrx::gateway::storage
