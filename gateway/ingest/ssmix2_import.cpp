#include "gateway/ingest/ssmix2_import.hpp"

#include <atomic>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

namespace socialrx::gateway::ingest::ssmix2 {
namespace {

std::optional<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return std::move(bytes).str();
}

// [begin, end) ranges of scan.to_import that belong to one patient.
std::vector<std::pair<std::size_t, std::size_t>> patient_groups(const StorageScan& scan) {
  std::vector<std::pair<std::size_t, std::size_t>> groups;
  for (std::size_t i = 0; i < scan.to_import.size();) {
    std::size_t j = i + 1;
    while (j < scan.to_import.size() && scan.to_import[j].name.patient_id == scan.to_import[i].name.patient_id) ++j;
    groups.emplace_back(i, j);
    i = j;
  }
  return groups;
}

}  // namespace

ImportSummary import_files(IngestPipeline& pipeline, const std::string& channel, const std::filesystem::path& root,
                           const StorageScan& scan, int parallel, const std::function<void()>& progress) {
  const auto groups = patient_groups(scan);
  std::atomic<std::size_t> next_group{0};
  std::mutex mutex;
  ImportSummary summary;
  const auto count = [&](std::size_t ImportSummary::*field) {
    std::lock_guard lock(mutex);
    ++(summary.*field);
  };
  const auto worker = [&] {
    for (;;) {
      const std::size_t group = next_group.fetch_add(1);
      if (group >= groups.size()) return;
      for (std::size_t i = groups[group].first; i < groups[group].second; ++i) {
        const StorageFile& file = scan.to_import[i];
        auto bytes = read_file(file.path);
        if (!bytes) {
          count(&ImportSummary::unreadable_files);
          progress();
          continue;
        }
        // The peer is the file's place in the tree: where to look when a message needs fixing.
        const std::string peer = "file:" + file.path.lexically_relative(root).generic_string();
        std::promise<IngestReply> answered;
        auto reply = answered.get_future();
        pipeline.receive(channel, peer, std::move(*bytes),
                         [&answered](IngestReply result) { answered.set_value(std::move(result)); });
        const IngestReply result = reply.get();
        if (!result.stored) {
          count(&ImportSummary::not_stored);
        } else if (result.duplicate) {
          count(&ImportSummary::duplicates);
        } else if (result.disposition == plugins::Disposition::accepted) {
          count(&ImportSummary::imported);
        } else if (result.disposition == plugins::Disposition::data_error) {
          count(&ImportSummary::data_errors);
        } else {
          count(&ImportSummary::rejected);
        }
        progress();
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < std::max(1, parallel); ++t) threads.emplace_back(worker);
  for (std::thread& thread : threads) thread.join();
  return summary;
}

}  // namespace socialrx::gateway::ingest::ssmix2
