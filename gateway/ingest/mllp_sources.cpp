#include "gateway/ingest/mllp_sources.hpp"

#include <stdexcept>

#include "gateway/config/gateway_config.hpp"

namespace socialrx::gateway::ingest {
namespace {

class ChannelHandler : public mllp::MllpHandler {
 public:
  ChannelHandler(IngestPipeline& pipeline, std::string channel)
      : pipeline_(pipeline), channel_(std::move(channel)) {}

  void on_message(std::string bytes, const mllp::Peer& peer, mllp::Reply reply) override {
    pipeline_.receive(channel_, peer.address, std::move(bytes),
                      [reply = std::move(reply)](IngestReply result) {
                        // Not stored: no ACK at all, so that the sender sends it again.
                        reply(result.stored ? std::move(result.bytes) : std::string());
                      });
  }

  void on_oversized(std::size_t frame_size, const mllp::Peer&, mllp::Reply reply) override {
    const Channel* channel = pipeline_.channel(channel_);
    if (channel == nullptr) {
      reply({});
      return;
    }
    plugins::PluginIssue issue;
    issue.code = "too-long";
    issue.diagnostics = "the message (" + std::to_string(frame_size) +
                        " bytes) is larger than this channel's MLLP frame limit; it was not stored";
    reply(channel->codec->acknowledge({}, plugins::Disposition::rejected, {issue}));
  }

 private:
  IngestPipeline& pipeline_;
  std::string channel_;
};

}  // namespace

struct MllpSources::Source {
  std::string channel;
  std::string host;
  ChannelHandler handler;
  std::unique_ptr<mllp::MllpServer> server;

  Source(IngestPipeline& pipeline, std::string name, std::string listen_host)
      : channel(name), host(std::move(listen_host)), handler(pipeline, std::move(name)) {}
};

MllpSources::MllpSources(IngestPipeline& pipeline, MllpSourceOptions options) {
  for (const auto& [name, channel] : pipeline.channels()) {
    if (channel.options.source.kind != ChannelSource::Kind::mllp) continue;
    mllp::MllpServerOptions server_options;
    config::parse_listen_address(channel.options.source.mllp_listen, "ingest.channels." + name + ".source.mllp",
                                 server_options.host, server_options.port);
    const ChannelSource& settings = channel.options.source;
    server_options.max_frame_size = settings.mllp_max_frame_size.value_or(options.max_frame_size);
    server_options.idle_timeout = settings.mllp_idle_timeout.value_or(options.idle_timeout);
    server_options.max_connections = settings.mllp_max_connections.value_or(options.max_connections);
    server_options.threads = options.threads;
    server_options.tls = settings.mllp_tls;
    auto source = std::make_unique<Source>(pipeline, name, server_options.host);
    try {
      source->server = std::make_unique<mllp::MllpServer>(server_options, source->handler);
    } catch (const std::exception& error) {
      throw std::runtime_error("ingest channel " + name + ": cannot listen for MLLP on " +
                               channel.options.source.mllp_listen + ": " + error.what());
    }
    sources_.push_back(std::move(source));
  }
}

// Each MllpServer's destructor stops it without grace and waits for its threads.
MllpSources::~MllpSources() = default;

void MllpSources::start() {
  for (auto& source : sources_) source->server->start();
}

void MllpSources::stop(std::chrono::milliseconds grace) {
  for (auto& source : sources_) source->server->stop(grace);
}

void MllpSources::wait() {
  for (auto& source : sources_) source->server->wait();
}

std::vector<MllpSources::Listener> MllpSources::listeners() const {
  std::vector<Listener> listeners;
  for (const auto& source : sources_) {
    listeners.push_back({source->channel, source->host, source->server->port()});
  }
  return listeners;
}

}  // namespace socialrx::gateway::ingest
