#include "fhir/arena.hpp"

#include <cstdint>
#include <cstdlib>
#include <new>

namespace socialrx::fhir::json {

ChunkArena::~ChunkArena() {
  for (void* chunk : chunks_) std::free(chunk);
}

void* ChunkArena::do_allocate(std::size_t bytes, std::size_t alignment) {
  auto aligned = [alignment](char* pointer) {
    const auto address = reinterpret_cast<std::uintptr_t>(pointer);
    return reinterpret_cast<char*>((address + alignment - 1) & ~(alignment - 1));
  };
  char* start = cursor_ != nullptr ? aligned(cursor_) : nullptr;
  if (start == nullptr || start + bytes > end_) {
    // A request larger than a chunk gets a block of its own; the current chunk stays in use.
    const bool oversized = bytes + alignment > kChunkBytes / 4;
    const std::size_t size = oversized ? bytes + alignment : kChunkBytes;
    void* chunk = std::malloc(size);
    if (chunk == nullptr) throw std::bad_alloc();
    chunks_.push_back(chunk);
    start = aligned(static_cast<char*>(chunk));
    if (oversized) return start;
    end_ = static_cast<char*>(chunk) + size;
  }
  cursor_ = start + bytes;
  return start;
}

}  // namespace socialrx::fhir::json
