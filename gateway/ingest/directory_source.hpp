#pragma once
// Watched-directory sources: every poll_ms, each regular file directly in the channel's folder
// (names starting with '.' and ending in ".tmp" or ".part" are skipped: write a file under such
// a name, then rename it) is read, given to the pipeline, and — only after its message is
// committed — moved to processed/ (accepted) or error/ (data error, rejected) under that folder.
// A file that could not be stored stays where it is and is tried again at the next poll. After a
// crash between the commit and the move the file is read again: a message with an id is then a
// duplicate and is not processed twice.

#include <memory>
#include <thread>
#include <vector>

#include "gateway/ingest/ingest_pipeline.hpp"

namespace socialrx::gateway::ingest {

class DirectorySources {
 public:
  explicit DirectorySources(IngestPipeline& pipeline);
  ~DirectorySources();
  DirectorySources(const DirectorySources&) = delete;
  DirectorySources& operator=(const DirectorySources&) = delete;

  // One thread per channel with a directory source (creates the folders).
  void start();
  void stop();

  // One pass over a channel's folder (what each poll does). Returns how many files were moved.
  static std::size_t poll_once(IngestPipeline& pipeline, const Channel& channel);

 private:
  struct Watcher;
  IngestPipeline& pipeline_;
  std::vector<std::unique_ptr<Watcher>> watchers_;
};

}  // namespace socialrx::gateway::ingest
