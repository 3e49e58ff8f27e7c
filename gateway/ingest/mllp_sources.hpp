#pragma once
// The MLLP sources of the ingest channels: one MllpServer (gateway/mllp) per channel whose source
// is {"mllp": "HOST:PORT"}, handing every frame to the IngestPipeline and writing back the
// codec's reply (the HL7 ACK) only once the pipeline has committed the message.
//
// When the pipeline could not store a message (queue full, database unreachable) nothing is
// written back and the connection is closed: an HL7 sender that sees no ACK sends the same
// message again, which is the only answer that cannot lose it. An oversized frame (its bytes are
// gone) is answered with the codec's reject (AR, issue too-long).

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gateway/ingest/ingest_pipeline.hpp"
#include "gateway/mllp/server.hpp"

namespace socialrx::gateway::ingest {

struct MllpSourceOptions {
  std::size_t max_frame_size = 1u << 20;
  std::chrono::milliseconds idle_timeout{300'000};
  std::size_t max_connections = 256;
  int threads = 2;
};

class MllpSources {
 public:
  // Binds a listener for every mllp channel the pipeline has (throws std::runtime_error naming
  // the channel when one cannot bind). Accepting starts with start().
  MllpSources(IngestPipeline& pipeline, MllpSourceOptions options = {});
  ~MllpSources();
  MllpSources(const MllpSources&) = delete;
  MllpSources& operator=(const MllpSources&) = delete;

  void start();
  // Stops accepting; messages being stored finish and get their reply; then the connections close.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(10'000));
  void wait();

  struct Listener {
    std::string channel;
    std::string host;
    std::uint16_t port = 0;  // the bound port (also when 0 was asked for)
  };
  std::vector<Listener> listeners() const;

 private:
  struct Source;
  std::vector<std::unique_ptr<Source>> sources_;
};

}  // namespace socialrx::gateway::ingest
