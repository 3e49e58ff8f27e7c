// Group commit, measured: N single-resource writes (a ~1 KB Patient, four index rows, a claim)
// submitted by 32 threads, each waiting for its acknowledgement like an HTTP client, against one
// thread writing sequentially (every batch of size 1). Prints jobs/s and the mean batch size.
// The 32-thread load runs twice: with ids in ascending order ("c0", "c1"…) and with random
// UUID-shaped ids as the REST API assigns them (every id-keyed b-tree then gets its rows on
// random pages, which is what the HTTP create benchmark writes).
//   SOCIALRX_STORAGE_BENCH_JOBS=20000 SOCIALRX_TEST_POSTGRESQL_URL=<url>
//     build/tests/socialrx_gateway_tests --gtest_filter='Backends/WriteQueueBenchmark.*'
// Defaults to 4,000 jobs so that the suite stays quick.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <thread>

#include "gateway/storage/write_queue.hpp"
#include "tests/gateway/storage/storage_test_support.hpp"

namespace socialrx::gateway::storage {
namespace {

using testing::BackendTest;

std::size_t jobs_from_environment() {
  if (const char* text = std::getenv("SOCIALRX_STORAGE_BENCH_JOBS")) {
    const long value = std::strtol(text, nullptr, 10);
    if (value > 0) return static_cast<std::size_t>(value);
  }
  return 4000;
}

WriteQueue::Job patient_job(const std::string& id) {
  return [id](WriteTransaction& tx) {
    if (!tx.claim("Patient?identifier", "urn:oid:1.2.392.100495.20.3.51|" + id, "Patient", id)) {
      throw std::logic_error("claim lost");
    }
    tx.write_version("Patient", id, false, [&](const VersionStamp& stamp) {
      return R"({"resourceType":"Patient","id":")" + id + R"(","meta":{"versionId":")" +
             std::to_string(stamp.version) + R"(","lastUpdated":")" +
             std::to_string(stamp.last_updated_ms) +
             R"("},"identifier":[{"system":"urn:oid:1.2.392.100495.20.3.51","value":")" + id +
             R"("}],"name":[{"family":"山田","given":["太郎"]}],"gender":"male",)"
             R"("birthDate":"1950-04-01","address":[{"text":")" + std::string(800, 'x') + R"("}]})";
    });
    tx.replace_index("Patient", id,
                     {{"identifier", "urn:oid:1.2.392.100495.20.3.51", id, std::nullopt, std::nullopt},
                      {"family", "", "山田", std::nullopt, std::nullopt},
                      {"gender", "http://hl7.org/fhir/administrative-gender", "male", std::nullopt, std::nullopt},
                      {"birthdate", "", "", std::int64_t{-623'000'000'000}, std::int64_t{-622'913'600'001}}});
  };
}

struct Figures {
  double jobs_per_second;
  double mean_batch;
  // Counted by the kernel for this process (/proc/self/io; 0 where unreadable): bytes and
  // calls of write and read, per job. Unlike jobs/s they do not depend on how busy the machine
  // is, so a change to the schema or the pragmas shows in them even on a shared machine.
  double write_bytes_per_job = 0;
  double write_calls_per_job = 0;
  double read_calls_per_job = 0;
};

struct IoCounters {
  double wchar = 0, syscw = 0, syscr = 0;
};

IoCounters io_counters() {
  IoCounters counters;
  std::ifstream in("/proc/self/io");
  std::string key;
  double value = 0;
  while (in >> key >> value) {
    if (key == "wchar:") counters.wchar = value;
    if (key == "syscw:") counters.syscw = value;
    if (key == "syscr:") counters.syscr = value;
  }
  return counters;
}

// A random version-4 UUID's text, like the ids the REST API gives new resources.
std::string random_uuid() {
  static thread_local std::mt19937_64 generator{std::random_device{}()};
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) out += '-';
    out += hex[generator() & 15];
  }
  return out;
}

Figures measure(Database& database, std::size_t jobs, int threads, const std::string& prefix,
                bool random_ids = false) {
  WriteQueue queue(database);
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> failures{0};
  const IoCounters io_before = io_counters();
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> clients;
  for (int t = 0; t < threads; ++t) {
    clients.emplace_back([&] {
      for (std::size_t i = next++; i < jobs; i = next++) {
        try {
          queue.run(patient_job(random_ids ? random_uuid() : prefix + std::to_string(i)));
        } catch (...) {
          ++failures;
        }
      }
    });
  }
  for (auto& client : clients) client.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const IoCounters io_after = io_counters();
  EXPECT_EQ(failures.load(), 0u);
  const auto stats = queue.stats();
  EXPECT_EQ(stats.jobs, jobs);
  const double n = static_cast<double>(jobs);
  return {n / seconds,
          static_cast<double>(stats.jobs) / static_cast<double>(std::max<std::uint64_t>(1, stats.commits)),
          (io_after.wchar - io_before.wchar) / n, (io_after.syscw - io_before.syscw) / n,
          (io_after.syscr - io_before.syscr) / n};
}

class WriteQueueBenchmark : public BackendTest {};
SOCIALRX_INSTANTIATE_BACKENDS(WriteQueueBenchmark);

TEST_P(WriteQueueBenchmark, GroupCommitThroughput) {
  const std::size_t jobs = jobs_from_environment();
  const std::size_t sequential_jobs = std::min<std::size_t>(jobs, 1000);
  const Figures concurrent = measure(*database_, jobs, 32, "c");
  const Figures sequential = measure(*database_, sequential_jobs, 1, "s");
  const Figures random = measure(*database_, jobs, 32, "", true);
  const std::string name = testing::backend_name(GetParam());
  std::printf("[ figures  ] %s: %zu jobs from 32 threads: %.0f jobs/s, mean batch %.1f\n",
              name.c_str(), jobs, concurrent.jobs_per_second, concurrent.mean_batch);
  std::printf("[ figures  ] %s: %zu jobs from 1 thread:   %.0f jobs/s, mean batch %.1f\n",
              name.c_str(), sequential_jobs, sequential.jobs_per_second, sequential.mean_batch);
  std::printf("[ figures  ] %s: %zu jobs from 32 threads, random ids: %.0f jobs/s, mean batch %.1f\n",
              name.c_str(), jobs, random.jobs_per_second, random.mean_batch);
  // The PostgreSQL server does its I/O in its own processes: nothing to count here.
  for (const auto& [label, figures] : {std::pair{"32 threads", concurrent}, std::pair{"1 thread", sequential},
                                       std::pair{"random ids", random}}) {
    if (GetParam() != Backend::sqlite) break;
    std::printf("[ figures  ] %s: %s: per job %.0f bytes in %.1f writes, %.1f reads\n",
                name.c_str(), label, figures.write_bytes_per_job, figures.write_calls_per_job,
                figures.read_calls_per_job);
  }
  std::printf("[ figures  ] %s: group commit speed-up %.1fx\n", name.c_str(),
              concurrent.jobs_per_second / sequential.jobs_per_second);
  EXPECT_NEAR(sequential.mean_batch, 1.0, 1e-9);
  EXPECT_GT(concurrent.mean_batch, 1.5);  // concurrent writes do share commits
}

}  // namespace
}  // namespace socialrx::gateway::storage
