#pragma once
// The memory a JSON Document's values live in: fixed 64 KiB chunks from malloc, released together
// when the document dies. Why not std::pmr::monotonic_buffer_resource: its blocks grow
// geometrically, so a large document ends up in blocks of tens of MB that glibc maps and unmaps
// for every message (a page fault per 4 KiB each time); small fixed chunks are recycled by the
// heap instead, as RapidJSON's own MemoryPoolAllocator does.

#include <cstddef>
#include <memory_resource>
#include <vector>

namespace socialrx::fhir::json {

class ChunkArena final : public std::pmr::memory_resource {
 public:
  static constexpr std::size_t kChunkBytes = 64 * 1024;

  ChunkArena() = default;
  ChunkArena(const ChunkArena&) = delete;
  ChunkArena& operator=(const ChunkArena&) = delete;
  ~ChunkArena() override;

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override;
  void do_deallocate(void*, std::size_t, std::size_t) override {}  // freed with the arena
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }

  std::vector<void*> chunks_;
  char* cursor_ = nullptr;
  char* end_ = nullptr;
};

}  // namespace socialrx::fhir::json
