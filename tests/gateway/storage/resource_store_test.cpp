// ResourceStore reads and the WriteTransaction operations, through the write queue, on both
// backends.

#include "gateway/storage/resource_store.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "gateway/storage/write_queue.hpp"
#include "tests/gateway/storage/storage_test_support.hpp"

namespace socialrx::gateway::storage {
namespace {

using testing::BackendTest;

std::string patient_body(const VersionStamp& stamp, const std::string& family) {
  return R"({"resourceType":"Patient","meta":{"versionId":")" + std::to_string(stamp.version) +
         R"(","lastUpdated":)" + std::to_string(stamp.last_updated_ms) + R"(},"name":[{"family":")" +
         family + R"("}]})";
}

ResourceStore::HistoryQuery history_query(std::string type = "", std::string id = "",
                                          std::optional<std::int64_t> since_ms = std::nullopt,
                                          std::optional<std::int64_t> before_seq = std::nullopt,
                                          std::size_t count = 50) {
  ResourceStore::HistoryQuery query;
  query.type = std::move(type);
  query.id = std::move(id);
  query.since_ms = since_ms;
  query.before_seq = before_seq;
  query.count = count;
  return query;
}

class ResourceStoreTest : public BackendTest {
 protected:
  StoredResource write(WriteQueue& queue, const std::string& type, const std::string& id,
                       const std::string& family, bool deleted = false,
                       std::optional<std::int64_t> expected = std::nullopt) {
    StoredResource out;
    queue.run([&](WriteTransaction& tx) {
      out = tx.write_version(
          type, id, deleted, [&](const VersionStamp& stamp) { return patient_body(stamp, family); },
          expected);
    });
    return out;
  }
};
SOCIALRX_INSTANTIATE_BACKENDS(ResourceStoreTest);

TEST_P(ResourceStoreTest, WritesReadsVersionsAndDeletes) {
  WriteQueue queue(*database_);
  ResourceStore store(*database_);
  EXPECT_FALSE(store.read("Patient", "p1"));

  const auto v1 = write(queue, "Patient", "p1", "Yamada");
  EXPECT_EQ(v1.version, 1);
  EXPECT_FALSE(v1.deleted);
  EXPECT_GT(v1.seq, 0);
  EXPECT_EQ(v1.body, patient_body({1, v1.last_updated_ms}, "Yamada"));
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  EXPECT_LE(v1.last_updated_ms, now_ms);
  EXPECT_GT(v1.last_updated_ms, now_ms - 60'000);

  const auto read1 = store.read("Patient", "p1");
  ASSERT_TRUE(read1);
  EXPECT_EQ(read1->type, "Patient");
  EXPECT_EQ(read1->id, "p1");
  EXPECT_EQ(read1->version, 1);
  EXPECT_EQ(read1->seq, v1.seq);
  EXPECT_EQ(read1->last_updated_ms, v1.last_updated_ms);
  EXPECT_EQ(read1->body, v1.body);

  const auto v2 = write(queue, "Patient", "p1", "Sato");
  EXPECT_EQ(v2.version, 2);
  EXPECT_GT(v2.seq, v1.seq);
  EXPECT_GE(v2.last_updated_ms, v1.last_updated_ms);
  const auto other = write(queue, "Observation", "o1", "x");
  EXPECT_EQ(other.version, 1);
  EXPECT_GT(other.seq, v2.seq);

  bool rendered = false;
  StoredResource v3;
  queue.run([&](WriteTransaction& tx) {
    v3 = tx.write_version("Patient", "p1", true, [&](const VersionStamp&) {
      rendered = true;
      return std::string("ignored");
    });
  });
  EXPECT_FALSE(rendered);
  EXPECT_EQ(v3.version, 3);
  EXPECT_TRUE(v3.deleted);
  EXPECT_EQ(v3.body, "");

  const auto current = store.read("Patient", "p1");
  ASSERT_TRUE(current);
  EXPECT_TRUE(current->deleted);
  EXPECT_EQ(current->version, 3);
  EXPECT_EQ(current->body, "");

  const auto old = store.vread("Patient", "p1", 1);
  ASSERT_TRUE(old);
  EXPECT_EQ(old->body, v1.body);
  EXPECT_EQ(old->seq, v1.seq);
  EXPECT_EQ(store.vread("Patient", "p1", 2)->body, v2.body);
  EXPECT_TRUE(store.vread("Patient", "p1", 3)->deleted);
  EXPECT_FALSE(store.vread("Patient", "p1", 4));
  EXPECT_FALSE(store.vread("Patient", "p2", 1));

  // Re-creating after a delete continues the version sequence.
  const auto v4 = write(queue, "Patient", "p1", "Suzuki");
  EXPECT_EQ(v4.version, 4);
  EXPECT_FALSE(store.read("Patient", "p1")->deleted);

  // Same id, another type: a different resource.
  EXPECT_EQ(write(queue, "Group", "p1", "g").version, 1);
}

TEST_P(ResourceStoreTest, HistoryNewestFirstWithPagingAndSince) {
  WriteQueue queue(*database_);
  ResourceStore store(*database_);
  std::vector<StoredResource> written;
  for (int i = 0; i < 5; ++i) written.push_back(write(queue, "Patient", "a", "v" + std::to_string(i)));
  written.push_back(write(queue, "Patient", "b", "b"));
  written.push_back(write(queue, "Observation", "a", "o"));

  auto instance = store.history(history_query("Patient", "a"));
  ASSERT_EQ(instance.size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(instance[i].version, static_cast<std::int64_t>(5 - i));
    EXPECT_EQ(instance[i].type, "Patient");
    EXPECT_EQ(instance[i].id, "a");
    if (i > 0) {
      EXPECT_LT(instance[i].seq, instance[i - 1].seq);
    }
  }
  EXPECT_EQ(instance[0].body, written[4].body);

  auto page1 = store.history(history_query("Patient", "a", std::nullopt, std::nullopt, 2));
  ASSERT_EQ(page1.size(), 2u);
  auto page2 = store.history(history_query("Patient", "a", std::nullopt, page1.back().seq, 2));
  ASSERT_EQ(page2.size(), 2u);
  EXPECT_EQ(page2[0].version, 3);
  EXPECT_EQ(page2[1].version, 2);
  auto page3 = store.history(history_query("Patient", "a", std::nullopt, page2.back().seq, 2));
  ASSERT_EQ(page3.size(), 1u);
  EXPECT_EQ(page3[0].version, 1);

  auto type = store.history(history_query("Patient"));
  ASSERT_EQ(type.size(), 6u);
  EXPECT_EQ(type[0].id, "b");
  auto system = store.history(history_query());
  ASSERT_EQ(system.size(), 7u);
  EXPECT_EQ(system[0].type, "Observation");
  for (std::size_t i = 1; i < system.size(); ++i) {
    EXPECT_LT(system[i].seq, system[i - 1].seq);
    EXPECT_LE(system[i].last_updated_ms, system[i - 1].last_updated_ms);
  }

  auto since = store.history(history_query("", "", written.back().last_updated_ms + 1));
  EXPECT_TRUE(since.empty());
  auto since_all = store.history(history_query("", "", written.front().last_updated_ms));
  EXPECT_EQ(since_all.size(), 7u);
  auto since_type = store.history(history_query("Observation", "", 0));
  ASSERT_EQ(since_type.size(), 1u);
}

TEST_P(ResourceStoreTest, LastUpdatedNeverGoesBackwards) {
  WriteQueue queue(*database_);
  // A version stamped in the future (a clock that was ahead): later writes are not earlier.
  const std::int64_t future = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count() +
                              3'600'000;
  auto writer = database_->writer();
  const SqlValue row[] = {std::string("Patient"), std::string("old"), future};
  writer->execute(
      "INSERT INTO resource_versions (resource_type, id, version, last_updated_ms, deleted, body) "
      "VALUES (?, ?, 1, ?, 0, '{}')",
      row);
  WriteQueue fresh(*database_);
  const auto next = write(fresh, "Patient", "new", "n");
  EXPECT_GE(next.last_updated_ms, future);
}

TEST_P(ResourceStoreTest, ExpectedVersionConflicts) {
  WriteQueue queue(*database_);
  ResourceStore store(*database_);
  EXPECT_THROW(write(queue, "Patient", "p", "x", false, 1), VersionConflict);  // does not exist
  EXPECT_FALSE(store.read("Patient", "p"));
  EXPECT_EQ(write(queue, "Patient", "p", "x", false, 0).version, 1);  // 0: must not exist
  EXPECT_THROW(write(queue, "Patient", "p", "y", false, 0), VersionConflict);
  EXPECT_EQ(write(queue, "Patient", "p", "y", false, 1).version, 2);
  EXPECT_THROW(write(queue, "Patient", "p", "z", false, 1), VersionConflict);
  EXPECT_EQ(store.read("Patient", "p")->version, 2);

  // A job that catches the conflict can go on writing in the same transaction.
  queue.run([&](WriteTransaction& tx) {
    EXPECT_THROW(tx.write_version("Patient", "p", false,
                                  [](const VersionStamp& s) { return patient_body(s, "no"); }, 7),
                 VersionConflict);
    tx.write_version("Patient", "q", false, [](const VersionStamp& s) { return patient_body(s, "q"); });
  });
  EXPECT_EQ(store.read("Patient", "p")->version, 2);
  EXPECT_TRUE(store.read("Patient", "q"));
}

TEST_P(ResourceStoreTest, CurrentSeesTheTransactionsOwnWrites) {
  WriteQueue queue(*database_);
  queue.run([&](WriteTransaction& tx) {
    EXPECT_FALSE(tx.current("Patient", "c"));
    tx.write_version("Patient", "c", false, [](const VersionStamp& s) { return patient_body(s, "c"); });
    const auto current = tx.current("Patient", "c");
    ASSERT_TRUE(current);
    EXPECT_EQ(current->version, 1);
    EXPECT_EQ(current->body, patient_body({1, current->last_updated_ms}, "c"));
    tx.write_version("Patient", "c", false, [](const VersionStamp& s) { return patient_body(s, "d"); });
    EXPECT_EQ(tx.current("Patient", "c")->version, 2);
  });
}

TEST_P(ResourceStoreTest, ReplacesIndexRows) {
  WriteQueue queue(*database_);
  auto count_rows = [&](const std::string& id) {
    const SqlValue params[] = {std::string("Patient"), id};
    return std::get<std::int64_t>(
        database_->reader()
            ->query("SELECT COUNT(*) FROM search_index WHERE resource_type = ? AND resource_id = ?",
                    params)
            .at(0)
            .at(0));
  };
  std::vector<IndexRow> rows;
  for (int i = 0; i < 23; ++i) {  // 16 + 4 + 1 + 1 + 1
    rows.push_back({"identifier", "urn:sys", "v" + std::to_string(i), std::nullopt, std::nullopt});
  }
  rows.push_back({"birthdate", "", "", std::int64_t{-631152000000}, std::int64_t{-631065600001}});
  queue.run([&](WriteTransaction& tx) { tx.replace_index("Patient", "i1", rows); });
  queue.run([&](WriteTransaction& tx) { tx.replace_index("Patient", "i2", {rows[0]}); });
  EXPECT_EQ(count_rows("i1"), 24);
  EXPECT_EQ(count_rows("i2"), 1);

  const SqlValue params[] = {std::string("Patient"), std::string("birthdate"), std::int64_t{-631100000000}};
  const auto found = database_->reader()->query(
      "SELECT resource_id, system, value, low, high FROM search_index "
      "WHERE resource_type = ? AND param = ? AND low <= ? ORDER BY resource_id",
      params);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(std::get<std::string>(found[0][0]), "i1");
  EXPECT_EQ(std::get<std::string>(found[0][1]), "");
  EXPECT_EQ(std::get<std::int64_t>(found[0][3]), -631152000000);
  EXPECT_EQ(std::get<std::int64_t>(found[0][4]), -631065600001);
  const auto nulls = database_->reader()->query(
      "SELECT low, high FROM search_index WHERE param = 'identifier' AND value = 'v0' AND resource_id = 'i1'");
  ASSERT_EQ(nulls.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<std::nullptr_t>(nulls[0][0]));

  queue.run([&](WriteTransaction& tx) { tx.replace_index("Patient", "i1", {rows[1], rows[2]}); });
  EXPECT_EQ(count_rows("i1"), 2);
  queue.run([&](WriteTransaction& tx) { tx.replace_index("Patient", "i1", {}); });
  EXPECT_EQ(count_rows("i1"), 0);
  EXPECT_EQ(count_rows("i2"), 1);
}

TEST_P(ResourceStoreTest, UniqueClaimsNameTheHolder) {
  WriteQueue queue(*database_);
  bool first = false;
  queue.run([&](WriteTransaction& tx) {
    first = tx.claim("Patient?identifier", "urn:mrn|123", "Patient", "p1");
  });
  EXPECT_TRUE(first);

  std::string holder = "unchanged";
  bool second = true;
  queue.run([&](WriteTransaction& tx) {
    second = tx.claim("Patient?identifier", "urn:mrn|123", "Patient", "p2", &holder);
    // The transaction is still usable after a lost claim.
    tx.write_version("Patient", "p2", false, [](const VersionStamp& s) { return patient_body(s, "p2"); });
    EXPECT_FALSE(tx.claim("Patient?identifier", "urn:mrn|123", "Patient", "p3"));  // no holder out
  });
  EXPECT_FALSE(second);
  EXPECT_EQ(holder, "Patient/p1");
  EXPECT_TRUE(ResourceStore(*database_).read("Patient", "p2"));

  // The holder claiming again succeeds; other scopes and keys are independent.
  queue.run([&](WriteTransaction& tx) {
    EXPECT_TRUE(tx.claim("Patient?identifier", "urn:mrn|123", "Patient", "p1"));
    EXPECT_TRUE(tx.claim("Patient?identifier", "urn:mrn|124", "Patient", "p2"));
    EXPECT_TRUE(tx.claim("Practitioner?identifier", "urn:mrn|123", "Practitioner", "x"));
  });
  const auto rows = database_->reader()->query("SELECT COUNT(*) FROM unique_claims");
  EXPECT_EQ(std::get<std::int64_t>(rows.at(0).at(0)), 3);
}

TEST_P(ResourceStoreTest, ReadsByPrimaryKeyAreFast) {
  WriteQueue queue(*database_);
  ResourceStore store(*database_);
  queue.run([&](WriteTransaction& tx) {
    for (int i = 0; i < 200; ++i) {
      tx.write_version("Patient", "r" + std::to_string(i), false,
                       [](const VersionStamp& s) { return patient_body(s, std::string(1000, 'x')); });
    }
  });
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(store.read("Patient", "r" + std::to_string(i)));  // warm
  const int reads = 5000;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < reads; ++i) {
    const auto resource = store.read("Patient", "r" + std::to_string(i % 200));
    ASSERT_TRUE(resource);
  }
  const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() / reads;
  std::printf("[ figures  ] %s: ResourceStore::read by primary key (1 KB body): %.1f us\n",
              testing::backend_name(GetParam()).c_str(), us);
  EXPECT_LT(us, 2000.0);  // a generous bound; the figure is what matters
}

}  // namespace
}  // namespace socialrx::gateway::storage
