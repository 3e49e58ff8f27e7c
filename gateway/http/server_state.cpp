#include "gateway/http/server_state.hpp"

#include "gateway/http/connection.hpp"

namespace socialrx::gateway::http::detail {

server_state::registry::iterator server_state::add(std::weak_ptr<connection> connection) {
  std::lock_guard lock(mutex_);
  open_.fetch_add(1, std::memory_order_acq_rel);
  return connections_.insert(connections_.end(), std::move(connection));
}

void server_state::remove(registry::iterator position) {
  std::lock_guard lock(mutex_);
  connections_.erase(position);
  const std::size_t left = open_.fetch_sub(1, std::memory_order_acq_rel) - 1;
  if (left == 0 && stopping() && alive_ && drained_) drained_();
}

std::vector<std::shared_ptr<connection>> server_state::snapshot() const {
  std::vector<std::shared_ptr<connection>> result;
  std::lock_guard lock(mutex_);
  result.reserve(connections_.size());
  for (const auto& weak : connections_) {
    if (auto strong = weak.lock()) result.push_back(std::move(strong));
  }
  return result;
}

void server_state::on_drained(std::function<void()> callback) {
  std::lock_guard lock(mutex_);
  drained_ = std::move(callback);
}

std::vector<std::shared_ptr<connection>> server_state::shut_down() {
  std::vector<std::shared_ptr<connection>> result;
  std::lock_guard lock(mutex_);
  alive_ = false;
  drained_ = nullptr;
  for (const auto& weak : connections_) {
    if (auto strong = weak.lock()) result.push_back(std::move(strong));
  }
  return result;
}

}  // namespace socialrx::gateway::http::detail
