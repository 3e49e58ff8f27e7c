#pragma once
// Imports an SS-MIX2 storage tree through the ingest pipeline, file by file, as if each file had
// arrived on `channel`: stored raw in the inbound store, decoded by the channel's plugin and
// mapping, applied in one commit with its message (gateway/ingest/README.md).
//
// Safe to re-run: a message already stored on this channel (same sender and MSH-10) is a
// duplicate and is not processed again. A patient's files are sent one after another in storage
// order (ssmix2_storage.hpp); different patients in parallel.

#include <cstddef>
#include <functional>
#include <string>

#include "gateway/ingest/ingest_pipeline.hpp"
#include "gateway/ingest/ssmix2_storage.hpp"

namespace socialrx::gateway::ingest::ssmix2 {

struct ImportSummary {
  std::size_t imported = 0;    // accepted and processed now
  std::size_t duplicates = 0;  // stored before (an earlier run): not processed again
  std::size_t data_errors = 0; // stored as error (AE): fix the mapping, then `socialrx reprocess`
  std::size_t rejected = 0;    // stored as error (AR): unreadable or not a supported message
  std::size_t not_stored = 0;  // could not be stored (database): run the import again
  std::size_t unreadable_files = 0;  // the file could not be read
};

// `progress` is called after each file. `parallel` patients at a time (at least 1).
ImportSummary import_files(IngestPipeline& pipeline, const std::string& channel, const std::filesystem::path& root,
                           const StorageScan& scan, int parallel, const std::function<void()>& progress);

}  // namespace socialrx::gateway::ingest::ssmix2
