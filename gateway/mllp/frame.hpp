#pragma once
// MLLP framing (HL7 v2 Minimal Lower Layer Protocol, release 1/2 block format):
//   <VT 0x0B> message bytes <FS 0x1C><CR 0x0D>
// The decoder is pure (no I/O) so that every framing rule is tested without sockets:
//   - a frame may arrive split over many reads, and several frames may arrive in one read;
//   - bytes outside a frame (a stray CR or LF, keep-alive noise, garbage) are skipped and counted;
//   - FS ends a frame; the CR after it is expected but a missing one is tolerated (the next byte
//     is then simply outside a frame, and skipped unless it is the next VT);
//   - a VT inside a frame means the sender gave up on that frame and started a new one: the
//     partial frame is dropped (counted as skipped) and never handed on;
//   - a frame larger than max_frame_size is read to its FS and discarded; the caller is told
//     (FrameEvent::oversized) so that it can answer with a reject instead of the message.
// Message content cannot contain VT or FS in any encoding HL7 uses here (ISO-2022-JP is 7-bit
// with ESC sequences, Shift_JIS trail bytes are 0x40-0xFC, UTF-8 continuation bytes >= 0x80).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace socialrx::gateway::mllp {

inline constexpr char kStartBlock = '\x0b';  // VT
inline constexpr char kEndBlock = '\x1c';    // FS
inline constexpr char kCarriageReturn = '\x0d';

// VT + payload + FS CR.
std::string encode_frame(std::string_view payload);

struct FrameEvent {
  enum class Kind {
    frame,      // `payload` holds the message bytes (without VT, FS, CR)
    oversized,  // a frame larger than the limit ended; `size` is how many bytes it had
  };
  Kind kind = Kind::frame;
  std::string payload;
  std::size_t size = 0;  // payload bytes (also for oversized frames, whose bytes are not kept)
};

class FrameDecoder {
 public:
  explicit FrameDecoder(std::size_t max_frame_size) : max_frame_size_(max_frame_size) {}

  // Appends bytes as read from the connection.
  void feed(std::string_view bytes);
  // The next complete frame (or oversized notice) from what was fed, or nullopt when more bytes
  // are needed. Memory stays bounded by max_frame_size plus the unscanned input of one feed().
  std::optional<FrameEvent> next();

  // A frame has begun (VT seen) and has not ended yet.
  bool in_frame() const { return state_ != State::outside; }
  // Fed bytes that next() has not looked at yet (frames queued behind the current one).
  bool has_unscanned_input() const { return position_ < input_.size(); }
  // Bytes outside frames and dropped partial frames, for statistics.
  std::uint64_t skipped_bytes() const { return skipped_; }

 private:
  enum class State { outside, inside, discarding };
  void compact();

  std::size_t max_frame_size_;
  State state_ = State::outside;
  std::string input_;        // fed, not yet scanned from position_
  std::size_t position_ = 0;
  std::string frame_;        // the frame being collected (inside)
  std::size_t frame_size_ = 0;
  bool after_end_block_ = false;  // the previous byte ended a frame: a CR here is its trailer
  std::uint64_t skipped_ = 0;
};

}  // namespace socialrx::gateway::mllp
