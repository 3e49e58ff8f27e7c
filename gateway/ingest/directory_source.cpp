#include "gateway/ingest/directory_source.hpp"

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <mutex>
#include <sstream>

namespace socialrx::gateway::ingest {
namespace {

namespace fs = std::filesystem;

bool skipped_name(const std::string& name) {
  return name.empty() || name.front() == '.' || name.ends_with(".tmp") || name.ends_with(".part");
}

// Moves `file` into `folder`, under a new name when one of that name is there already.
void move_into(const fs::path& file, const fs::path& folder) {
  fs::create_directories(folder);
  fs::path target = folder / file.filename();
  for (int n = 1; fs::exists(target); ++n) {
    target = folder / (file.filename().string() + "." + std::to_string(n));
  }
  fs::rename(file, target);
}

}  // namespace

struct DirectorySources::Watcher {
  const Channel* channel = nullptr;
  std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;
  std::thread thread;
};

std::size_t DirectorySources::poll_once(IngestPipeline& pipeline, const Channel& channel) {
  const fs::path folder = channel.options.source.directory;
  std::vector<fs::path> files;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    if (entry.is_regular_file() && !skipped_name(entry.path().filename().string())) files.push_back(entry.path());
  }
  // File names usually carry a time or sequence: their order is the order of arrival.
  std::sort(files.begin(), files.end());
  std::size_t moved = 0;
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) continue;
    std::ostringstream bytes;
    bytes << in.rdbuf();
    in.close();
    std::promise<IngestReply> promise;
    auto future = promise.get_future();
    pipeline.receive(channel.options.name, "file:" + file.filename().string(), bytes.str(),
                     [&promise](IngestReply reply) { promise.set_value(std::move(reply)); });
    const IngestReply reply = future.get();
    if (!reply.stored) break;  // the store is busy or down: this file and the rest wait
    try {
      move_into(file, folder / (reply.disposition == plugins::Disposition::accepted ? "processed" : "error"));
      ++moved;
    } catch (const fs::filesystem_error& failure) {
      // Stored already; moved next time (then a duplicate when it has an id).
      std::cerr << "socialrx: ingest channel " << channel.options.name << ": cannot move a file: "
                << failure.code().message() << '\n';
    }
  }
  return moved;
}

void DirectorySources::start() {
  for (const auto& [name, channel] : pipeline_.channels()) {
    if (channel.options.source.kind != ChannelSource::Kind::directory) continue;
    fs::create_directories(channel.options.source.directory);
    auto watcher = std::make_unique<Watcher>();
    watcher->channel = &channel;
    Watcher* raw = watcher.get();
    watcher->thread = std::thread([this, raw] {
      std::unique_lock lock(raw->mutex);
      while (!raw->stopping) {
        lock.unlock();
        try {
          poll_once(pipeline_, *raw->channel);
        } catch (const std::exception& failure) {
          std::cerr << "socialrx: ingest channel " << raw->channel->options.name
                    << ": polling the folder failed: " << failure.what() << '\n';
        }
        lock.lock();
        raw->wake.wait_for(lock, raw->channel->options.source.poll_interval, [raw] { return raw->stopping; });
      }
    });
    watchers_.push_back(std::move(watcher));
  }
}

DirectorySources::DirectorySources(IngestPipeline& pipeline) : pipeline_(pipeline) {}
DirectorySources::~DirectorySources() { stop(); }

void DirectorySources::stop() {
  for (auto& watcher : watchers_) {
    {
      std::lock_guard lock(watcher->mutex);
      watcher->stopping = true;
    }
    watcher->wake.notify_all();
  }
  for (auto& watcher : watchers_) {
    if (watcher->thread.joinable()) watcher->thread.join();
  }
  watchers_.clear();
}

}  // namespace socialrx::gateway::ingest
