// The write queue: group commit, one savepoint per job, outcomes only after COMMIT, and races
// between writers (one process and two "nodes"), on both backends.

#include "gateway/storage/write_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "tests/gateway/storage/storage_test_support.hpp"

namespace socialrx::gateway::storage {
namespace {

WriteQueueOptions batch_of(std::size_t jobs) {
  WriteQueueOptions options;
  options.max_batch = jobs;
  return options;
}

using testing::BackendTest;

std::string body_for(const VersionStamp& stamp) {
  return R"({"resourceType":"Patient","meta":{"versionId":")" + std::to_string(stamp.version) + R"("}})";
}

WriteQueue::Job write_job(std::string type, std::string id) {
  return [type = std::move(type), id = std::move(id)](WriteTransaction& tx) {
    tx.write_version(type, id, false, body_for);
  };
}

// Holds the writer thread inside a job until release(), so that what is submitted meanwhile
// forms the next batch.
class Gate {
 public:
  void hold(WriteQueue& queue) {
    // The job owns the state with the test: the gate may be destroyed before the job returns.
    queue.submit(
        [state = state_](WriteTransaction&) {
          state->entered.set_value();
          state->opened.wait();
        },
        [](std::exception_ptr) {});
    state_->entered_future.wait();  // the gate is running: its batch is closed
  }
  void release() { state_->open.set_value(); }

 private:
  struct State {
    std::promise<void> entered;
    std::future<void> entered_future = entered.get_future();
    std::promise<void> open;
    std::shared_future<void> opened = open.get_future().share();
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

class WriteQueueTest : public BackendTest {};
SOCIALRX_INSTANTIATE_BACKENDS(WriteQueueTest);

TEST_P(WriteQueueTest, AFailingJobDoesNotAffectTheOthersInItsBatch) {
  ResourceStore store(*database_);
  std::vector<std::promise<std::exception_ptr>> outcomes(4);  // outlives the writer thread
  WriteQueue queue(*database_);
  Gate gate;
  gate.hold(queue);

  auto done = [&](int i) {
    return [&outcomes, i](std::exception_ptr error) { outcomes[static_cast<std::size_t>(i)].set_value(error); };
  };
  queue.submit(write_job("Patient", "ok1"), done(0));
  queue.submit(
      [](WriteTransaction& tx) {
        tx.write_version("Patient", "bad", false, body_for);
        tx.claim("s", "k", "Patient", "bad");
        throw std::runtime_error("job failed after writing");
      },
      done(1));
  queue.submit(
      [](WriteTransaction& tx) {
        // A failed statement: on PostgreSQL it aborts the transaction up to the job's savepoint.
        tx.connection().execute("INSERT INTO no_such_table VALUES (1)");
      },
      done(2));
  queue.submit(
      [](WriteTransaction& tx) {
        tx.write_version("Patient", "ok2", false, body_for);
        EXPECT_TRUE(tx.claim("s", "k", "Patient", "ok2"));  // the failed job's claim is gone
      },
      done(3));
  const auto before = queue.stats();
  gate.release();

  EXPECT_EQ(outcomes[0].get_future().get(), nullptr);
  const auto failed = outcomes[1].get_future().get();
  ASSERT_NE(failed, nullptr);
  try {
    std::rethrow_exception(failed);
  } catch (const std::runtime_error& error) {
    EXPECT_STREQ(error.what(), "job failed after writing");
  }
  const auto statement_failed = outcomes[2].get_future().get();
  ASSERT_NE(statement_failed, nullptr);
  EXPECT_THROW(std::rethrow_exception(statement_failed), DatabaseError);
  EXPECT_EQ(outcomes[3].get_future().get(), nullptr);

  EXPECT_TRUE(store.read("Patient", "ok1"));
  EXPECT_TRUE(store.read("Patient", "ok2"));
  EXPECT_FALSE(store.read("Patient", "bad"));
  EXPECT_FALSE(store.vread("Patient", "bad", 1));
  const auto after = queue.stats();
  EXPECT_EQ(after.jobs - before.jobs, 5u);    // the gate and the four
  EXPECT_EQ(after.commits - before.commits, 2u);  // the gate's batch and one for the four
}

TEST_P(WriteQueueTest, DoneRunsOnlyAfterCommit) {
  WriteQueue queue(*database_);
  constexpr int kJobs = 64;
  std::atomic<int> visible{0};
  std::atomic<int> finished{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kJobs / 8; ++i) {
        const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        auto acknowledged = std::make_shared<std::promise<void>>();
        queue.submit(write_job("Patient", id), [&, id, acknowledged](std::exception_ptr error) {
          EXPECT_EQ(error, nullptr);
          // Another connection sees the write: it is committed, not just written.
          const SqlValue key[] = {std::string("Patient"), id};
          if (!database_->reader()
                   ->query("SELECT 1 FROM resources WHERE resource_type = ? AND id = ?", key)
                   .empty()) {
            ++visible;
          }
          ++finished;
          acknowledged->set_value();
        });
        acknowledged->get_future().wait();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(finished.load(), kJobs);
  EXPECT_EQ(visible.load(), kJobs);
}

TEST_P(WriteQueueTest, ACommitFailureFailsTheWholeBatch) {
  // A deferred foreign key is checked at COMMIT: the batch's COMMIT fails.
  {
    auto setup = database_->writer();
    setup->execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)");
    setup->execute(
        "CREATE TABLE child (parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)");
  }
  ResourceStore store(*database_);
  std::vector<std::promise<std::exception_ptr>> outcomes(3);  // outlives the writer thread
  WriteQueue queue(*database_);
  Gate gate;
  gate.hold(queue);
  queue.submit(write_job("Patient", "innocent"),
               [&](std::exception_ptr e) { outcomes[0].set_value(e); });
  queue.submit([](WriteTransaction& tx) { tx.connection().execute("INSERT INTO child VALUES (42)"); },
               [&](std::exception_ptr e) { outcomes[1].set_value(e); });
  queue.submit([](WriteTransaction&) { throw std::runtime_error("own failure"); },
               [&](std::exception_ptr e) { outcomes[2].set_value(e); });
  gate.release();
  for (auto& outcome : outcomes) {
    const auto error = outcome.get_future().get();
    ASSERT_NE(error, nullptr);
    EXPECT_THROW(std::rethrow_exception(error), DatabaseError);
  }
  EXPECT_FALSE(store.read("Patient", "innocent"));
  // The queue goes on.
  queue.run(write_job("Patient", "later"));
  EXPECT_TRUE(store.read("Patient", "later"));
}

TEST_P(WriteQueueTest, RunRethrowsTheJobsException) {
  WriteQueue queue(*database_);
  EXPECT_THROW(queue.run([](WriteTransaction&) { throw VersionConflict("x"); }), VersionConflict);
  queue.run([](WriteTransaction&) {});
}

TEST_P(WriteQueueTest, DestructorFinishesQueuedJobs) {
  std::atomic<int> done{0};
  {
    WriteQueue queue(*database_);
    Gate gate;
    gate.hold(queue);
    for (int i = 0; i < 100; ++i) {
      queue.submit(write_job("Patient", "d" + std::to_string(i)),
                   [&](std::exception_ptr error) { done += error ? 1000 : 1; });
    }
    gate.release();
  }
  EXPECT_EQ(done.load(), 100);
  const auto rows = database_->reader()->query("SELECT COUNT(*) FROM resources");
  EXPECT_EQ(std::get<std::int64_t>(rows.at(0).at(0)), 100);
}

TEST_P(WriteQueueTest, MaxBatchBoundsTheBatch) {
  WriteQueue queue(*database_, batch_of(10));
  Gate gate;
  gate.hold(queue);
  std::atomic<int> done{0};
  for (int i = 0; i < 95; ++i) {
    queue.submit(write_job("Patient", "m" + std::to_string(i)), [&](std::exception_ptr) { ++done; });
  }
  gate.release();
  while (done.load() < 95) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(queue.stats().jobs, 96u);
  EXPECT_EQ(queue.stats().commits, 1u + 10u);
}

// 32 threads try to create "the" patient with one identifier (conditional create): exactly one
// wins, the others learn who did. `nodes` queues on separate Database objects stand for several
// gateway nodes on one database.
void race_for_one_claim(const testing::ScratchDatabase& scratch, int nodes) {
  std::vector<std::unique_ptr<Database>> databases;
  std::vector<std::unique_ptr<WriteQueue>> queues;
  for (int n = 0; n < nodes; ++n) {
    databases.push_back(scratch.open());
    queues.push_back(std::make_unique<WriteQueue>(*databases.back(), batch_of(4)));
  }
  std::atomic<int> ready{0};
  std::mutex mutex;
  std::vector<std::string> winners;
  std::set<std::string> holders;
  std::vector<std::thread> threads;
  for (int t = 0; t < 32; ++t) {
    threads.emplace_back([&, t] {
      const std::string id = "candidate-" + std::to_string(t);
      ++ready;
      while (ready.load() < 32) std::this_thread::yield();
      bool won = false;
      std::string holder;
      queues[static_cast<std::size_t>(t % nodes)]->run([&](WriteTransaction& tx) {
        won = tx.claim("Patient?identifier", "urn:oid:1.2.392|0001", "Patient", id, &holder);
        if (won) tx.write_version("Patient", id, false, body_for);
      });
      std::lock_guard lock(mutex);
      if (won) {
        winners.push_back(id);
      } else {
        holders.insert(holder);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(winners.size(), 1u);
  ASSERT_EQ(holders.size(), 1u);
  EXPECT_EQ(*holders.begin(), "Patient/" + winners[0]);
  const auto rows = databases[0]->reader()->query("SELECT resource_type, id FROM resources");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(std::get<std::string>(rows[0][1]), winners[0]);
}

TEST_P(WriteQueueTest, ConcurrentClaimsOfOneKeyHaveExactlyOneWinner) {
  race_for_one_claim(*scratch_, 1);
}

TEST_P(WriteQueueTest, ConcurrentClaimsFromTwoNodesHaveExactlyOneWinner) {
  race_for_one_claim(*scratch_, 2);
}

TEST_P(WriteQueueTest, TwoNodesUpdatingOneResourceGetDistinctVersions) {
  auto other = scratch_->open();
  WriteQueue a(*database_);
  WriteQueue b(*other);
  std::vector<std::thread> threads;
  std::atomic<int> conflicts{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 15; ++i) {
        try {
          (t % 2 ? a : b).run(write_job("Patient", "shared"));
        } catch (const VersionConflict&) {
          ++conflicts;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const auto rows = database_->reader()->query(
      "SELECT version FROM resource_versions WHERE id = 'shared' ORDER BY version");
  const int written = 120 - conflicts.load();
  ASSERT_EQ(static_cast<int>(rows.size()), written);
  for (int i = 0; i < written; ++i) EXPECT_EQ(std::get<std::int64_t>(rows[static_cast<std::size_t>(i)][0]), i + 1);
  EXPECT_EQ(ResourceStore(*database_).read("Patient", "shared")->version, written);
  EXPECT_EQ(conflicts.load(), 0);  // FOR UPDATE / the SQLite write lock serialize them
}

}  // namespace
}  // namespace socialrx::gateway::storage
