#pragma once
// The WriteTransaction the write queue hands to its jobs (internal to gateway/storage).

#include <cstdint>
#include <utility>
#include <vector>

#include "gateway/storage/resource_store.hpp"

namespace socialrx::gateway::storage {

class BatchWriteTransaction final : public WriteTransaction {
 public:
  // `last_updated_ms` is the writer's clock floor: every stamp is at least the previous one, so
  // lastUpdated never goes backwards along seq even when the wall clock does.
  BatchWriteTransaction(Connection& connection, std::int64_t& last_updated_ms)
      : connection_(connection), last_updated_ms_(last_updated_ms) {}

  Connection& connection() override { return connection_; }
  std::optional<StoredResource> current(std::string_view type, std::string_view id) override;
  StoredResource write_version(std::string_view type, std::string_view id, bool deleted,
                               const std::function<std::string(const VersionStamp&)>& render,
                               std::optional<std::int64_t> expected_version) override;
  void replace_index(std::string_view type, std::string_view id,
                     const std::vector<IndexRow>& rows) override;
  bool claim(std::string_view scope, std::string_view key, std::string_view type,
             std::string_view id, std::string* holder) override;

  // The versions written since the last call (the write queue takes them after each job).
  std::vector<WrittenVersion> take_written() { return std::exchange(written_, {}); }

 private:
  std::vector<WrittenVersion> written_;
  Connection& connection_;
  std::int64_t& last_updated_ms_;
};

// The greatest last_updated_ms written so far (0 for an empty database).
std::int64_t max_last_updated_ms(Connection& connection);

}  // namespace socialrx::gateway::storage
