// Crash safety on SQLite: a child process writes continuously and reports every acknowledged
// write (its done(nullptr)) through a pipe; it is killed with SIGKILL mid-stream. After reopening,
// every acknowledged write is there, and no transaction is half applied.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <future>
#include <chrono>
#include <cstring>
#include <map>
#include <thread>

#include "gateway/storage/resource_store.hpp"
#include "gateway/storage/write_queue.hpp"
#include "tests/gateway/storage/storage_test_support.hpp"

namespace socialrx::gateway::storage {
namespace {

constexpr int kWriters = 8;
constexpr std::size_t kRecord = 32;  // < PIPE_BUF: each record is written atomically

std::string body(const std::string& id, std::int64_t version) {
  return R"({"resourceType":"Patient","id":")" + id + R"(","meta":{"versionId":")" +
         std::to_string(version) + R"("},"text":")" + std::string(600, 'x') + R"("})";
}

// One job: a new Patient with three index rows and a claim, and the writer's Counter resource
// bumped; all of it or nothing must survive.
WriteQueue::Job job(int writer, int n) {
  return [writer, n](WriteTransaction& tx) {
    const std::string id = "w" + std::to_string(writer) + "-" + std::to_string(n);
    tx.write_version("Patient", id, false, [&](const VersionStamp& s) { return body(id, s.version); });
    tx.replace_index("Patient", id,
                     {{"identifier", "urn:test", id, std::nullopt, std::nullopt},
                      {"family", "", "yamada", std::nullopt, std::nullopt},
                      {"birthdate", "", "", std::int64_t{0}, std::int64_t{86'399'999}}});
    if (!tx.claim("Patient?identifier", "urn:test|" + id, "Patient", id)) throw std::logic_error("claim");
    tx.write_version("Basic", "counter-" + std::to_string(writer), false,
                     [](const VersionStamp& s) { return std::to_string(s.version); });
  };
}

[[noreturn]] void child(const std::string& path, int fd) {
  try {
    DatabaseOptions options;
    options.sqlite_path = path;
    auto database = Database::open(options);
    WriteQueueOptions queue_options;
    queue_options.max_batch = 16;
    WriteQueue queue(*database, queue_options);
    std::vector<std::thread> threads;
    for (int w = 0; w < kWriters; ++w) {
      threads.emplace_back([&, w] {
        for (int n = 1;; ++n) {
          auto acknowledged = std::make_shared<std::promise<bool>>();
          queue.submit(job(w, n), [fd, w, n, acknowledged](std::exception_ptr error) {
            if (!error) {
              char record[kRecord] = {};
              std::snprintf(record, sizeof record, "%d %d", w, n);
              if (::write(fd, record, kRecord) != static_cast<ssize_t>(kRecord)) ::_exit(4);
            }
            acknowledged->set_value(error == nullptr);
          });
          if (!acknowledged->get_future().get()) ::_exit(5);
        }
      });
    }
    for (auto& thread : threads) thread.join();
  } catch (...) {
    ::_exit(3);
  }
  ::_exit(0);
}

TEST(SqliteCrash, EveryAcknowledgedWriteSurvivesSigkill) {
  std::size_t total = 0;
  for (int round = 0; round < 3; ++round) {
    testing::ScratchDatabase scratch(Backend::sqlite);
    scratch.open();  // created and migrated before the child starts
    const std::string path = scratch.options().sqlite_path;

    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      child(path, fds[1]);
    }
    ::close(fds[1]);
    // Read acknowledgements, kill after a number unrelated to the batch boundaries, then take
    // whatever the child had acknowledged before it died (the pipe keeps it).
    std::map<int, int> acknowledged;  // writer -> highest acknowledged n (sequential per writer)
    std::size_t seen = 0;
    const std::size_t kill_after = 300 + static_cast<std::size_t>(round) * 137;
    for (;;) {
      char record[kRecord];
      std::size_t got = 0;
      while (got < kRecord) {
        const ssize_t n = ::read(fds[0], record + got, kRecord - got);
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
      }
      if (got < kRecord) break;  // EOF: the child is gone
      int w = 0, n = 0;
      ASSERT_EQ(std::sscanf(record, "%d %d", &w, &n), 2);
      ASSERT_EQ(n, acknowledged[w] + 1);
      acknowledged[w] = n;
      if (++seen == kill_after) {
        // Somewhere within the next batches: mid-statement, mid-fsync or between commits.
        // Round 0 kills at once, as close as possible to an acknowledgement.
        if (round > 0) std::this_thread::sleep_for(std::chrono::microseconds(round * 1700));
        ::kill(pid, SIGKILL);
      }
    }
    ::close(fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the child exited on its own, status " << status;
    ASSERT_GE(seen, kill_after);
    total += seen;

    // Reopen (WAL recovery, migrations) and check.
    auto database = scratch.open();
    ResourceStore store(*database);
    for (const auto& [w, last] : acknowledged) {
      for (int n = 1; n <= last; ++n) {
        const std::string id = "w" + std::to_string(w) + "-" + std::to_string(n);
        const auto resource = store.read("Patient", id);
        ASSERT_TRUE(resource) << id << " was acknowledged but is missing";
        ASSERT_EQ(resource->body, body(id, resource->version));
      }
    }
    // Atomicity: every Patient (acknowledged or not) has its index rows and claim, each current
    // row its version row, and each writer's counter version is the number of its Patients.
    auto reader = database->reader();
    const auto incomplete = reader->query(
        "SELECT COUNT(*) FROM resources r WHERE r.resource_type = 'Patient' AND ("
        " (SELECT COUNT(*) FROM search_index s WHERE s.resource_type = 'Patient'"
        "  AND s.resource_id = r.id) <> 3"
        " OR NOT EXISTS (SELECT 1 FROM unique_claims c WHERE c.resource_id = r.id))");
    EXPECT_EQ(std::get<std::int64_t>(incomplete.at(0).at(0)), 0);
    const auto unversioned = reader->query(
        "SELECT COUNT(*) FROM resources r WHERE NOT EXISTS (SELECT 1 FROM resource_versions v"
        " WHERE v.resource_type = r.resource_type AND v.id = r.id AND v.version = r.version"
        " AND v.seq = r.seq)");
    EXPECT_EQ(std::get<std::int64_t>(unversioned.at(0).at(0)), 0);
    for (int w = 0; w < kWriters; ++w) {
      const auto counter = store.read("Basic", "counter-" + std::to_string(w));
      const SqlValue prefix[] = {"w" + std::to_string(w) + "-%"};
      const auto patients = reader->query(
          "SELECT COUNT(*) FROM resources WHERE resource_type = 'Patient' AND id LIKE ?", prefix);
      const std::int64_t count = std::get<std::int64_t>(patients.at(0).at(0));
      EXPECT_EQ(counter ? counter->version : 0, count) << "writer " << w;
      EXPECT_GE(count, acknowledged[w]) << "writer " << w;
    }
  }
  std::printf("[ figures  ] %zu acknowledged writes checked after 3 SIGKILLs\n", total);
}

}  // namespace
}  // namespace socialrx::gateway::storage
