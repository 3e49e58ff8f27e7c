#pragma once
// Writes Bundles (searchset, history, transaction-response, batch-response) as JSON text,
// embedding stored resource bodies as they are, without parsing them again.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace socialrx::gateway::rest {

class BundleWriter {
 public:
  explicit BundleWriter(std::string_view type);  // "searchset", "history", …
  ~BundleWriter();

  void total(std::int64_t count);
  void link(std::string_view relation, std::string_view url);  // all links before the entries

  struct Entry {
    std::string full_url;
    std::string_view resource;       // raw JSON of a resource, or empty
    std::string search_mode;         // "match", "include", "outcome", or empty
    std::string request_method;      // history entries
    std::string request_url;
    std::string response_status;     // "201 Created"
    std::string response_location;
    std::string response_etag;
    std::string response_last_modified;  // instant
    std::string response_outcome;    // raw OperationOutcome JSON, or empty
  };
  void entry(const Entry& entry);

  std::string finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace socialrx::gateway::rest
