#include "gateway/mllp/frame.hpp"

#include <cstring>

namespace socialrx::gateway::mllp {

std::string encode_frame(std::string_view payload) {
  std::string frame;
  frame.reserve(payload.size() + 3);
  frame.push_back(kStartBlock);
  frame.append(payload);
  frame.push_back(kEndBlock);
  frame.push_back(kCarriageReturn);
  return frame;
}

void FrameDecoder::feed(std::string_view bytes) {
  compact();
  input_.append(bytes);
}

void FrameDecoder::compact() {
  if (position_ == 0) return;
  if (position_ >= input_.size()) {
    input_.clear();
  } else {
    input_.erase(0, position_);
  }
  position_ = 0;
}

std::optional<FrameEvent> FrameDecoder::next() {
  while (position_ < input_.size()) {
    const char* begin = input_.data() + position_;
    const std::size_t available = input_.size() - position_;

    if (state_ == State::outside) {
      if (after_end_block_ && *begin == kCarriageReturn) {  // the CR of FS CR
        after_end_block_ = false;
        ++position_;
        continue;
      }
      after_end_block_ = false;
      const void* start = std::memchr(begin, kStartBlock, available);
      if (start == nullptr) {
        skipped_ += available;
        position_ = input_.size();
        break;
      }
      const auto skipped = static_cast<std::size_t>(static_cast<const char*>(start) - begin);
      skipped_ += skipped;
      position_ += skipped + 1;
      state_ = State::inside;
      frame_.clear();
      frame_size_ = 0;
      continue;
    }

    // Inside a frame: up to the first FS or VT.
    std::size_t run = 0;
    while (run < available && begin[run] != kEndBlock && begin[run] != kStartBlock) ++run;
    frame_size_ += run;
    if (state_ == State::inside) {
      if (frame_size_ > max_frame_size_) {
        state_ = State::discarding;  // keep counting, stop keeping
        std::string().swap(frame_);
      } else {
        frame_.append(begin, run);
      }
    }
    position_ += run;
    if (run == available) break;  // the frame goes on in the next read

    const char delimiter = begin[run];
    ++position_;
    if (delimiter == kStartBlock) {
      // A new frame starts before this one ended: drop the partial one.
      skipped_ += frame_size_ + 1;
      frame_.clear();
      frame_size_ = 0;
      state_ = State::inside;
      continue;
    }
    // FS: the frame is complete.
    FrameEvent event;
    event.size = frame_size_;
    if (state_ == State::discarding) {
      event.kind = FrameEvent::Kind::oversized;
    } else {
      event.kind = FrameEvent::Kind::frame;
      event.payload = std::move(frame_);
    }
    frame_ = std::string();
    frame_size_ = 0;
    state_ = State::outside;
    after_end_block_ = true;
    return event;
  }
  compact();
  return std::nullopt;
}

}  // namespace socialrx::gateway::mllp
