// A SQLite VFS shim that hands each commit's WAL frames to the kernel in one write.
//
// Why: SQLite writes every WAL frame as two pwrite calls (a 24-byte header, then the page), so a
// group commit of a few HL7 messages or REST creates (~100 dirty index pages) costs ~200 system
// calls before its fsync. On the paravirtualized 2-core machines we run on, a system call costs a
// few microseconds, and those calls were a third of the writer thread's time (perf, MLLP ingest
// benchmark). Buffered here, the commit is one pwrite of the contiguous frames, then the fsync.
//
// Why it is safe: only files SQLite opens as write-ahead logs are buffered, and the buffer is
// written out before anything could observe the file — before every xSync, xRead of an
// overlapping range, xFileSize, xTruncate, xFetch and xClose, and before any write that does not
// continue it. A commit becomes visible to readers (through the WAL index in shared memory) only
// after SQLite has synced the log when synchronous = FULL, which every socialrx connection sets
// and checks (sqlite_connection.cpp): so no reader, in this process or another, can see a frame
// that is still in the buffer. A crash loses only frames of a commit that was never synced, hence
// never acknowledged, which SQLite's recovery discards by their checksums anyway.

#include "gateway/storage/sqlite_wal_buffer.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace socialrx::gateway::storage {
namespace {

// Larger writes (a big transaction spilling) go through in pieces of this size.
constexpr sqlite3_int64 kBufferCapacity = 8 << 20;
// SQLite's unix VFS writes at most 0x1ffff bytes per call (seekAndWriteFd masks the length, and a
// longer write fails as "disk is full"): the buffer goes out in pieces just under that.
constexpr sqlite3_int64 kMaxWrite = 31 * 4096;

struct BufferedWal {
  sqlite3_file base;   // pMethods: kBufferedWalMethods
  sqlite3_file* real;  // the underlying VFS's file, in the same allocation right after this
  char* buffer;        // kBufferCapacity bytes once the first write came
  sqlite3_int64 offset;  // file offset of buffer[0]
  sqlite3_int64 length;  // bytes held
};

sqlite3_vfs* underlying_vfs = nullptr;
sqlite3_vfs buffered_vfs;

BufferedWal& wal(sqlite3_file* file) { return *reinterpret_cast<BufferedWal*>(file); }

int write_through(BufferedWal& file, const char* data, sqlite3_int64 amount, sqlite3_int64 offset) {
  for (sqlite3_int64 done = 0; done < amount;) {
    const int piece = static_cast<int>(std::min(kMaxWrite, amount - done));
    if (const int rc = file.real->pMethods->xWrite(file.real, data + done, piece, offset + done); rc != SQLITE_OK) {
      return rc;
    }
    done += piece;
  }
  return SQLITE_OK;
}

int flush(BufferedWal& file) {
  if (file.length == 0) return SQLITE_OK;
  const int rc = write_through(file, file.buffer, file.length, file.offset);
  // Dropped on failure too: SQLite fails the commit, and the frames are written again by the
  // next one from its own page cache.
  file.length = 0;
  return rc;
}

bool overlaps(const BufferedWal& file, sqlite3_int64 offset, sqlite3_int64 amount) {
  return file.length > 0 && offset < file.offset + file.length && file.offset < offset + amount;
}

int wal_close(sqlite3_file* pointer) {
  BufferedWal& file = wal(pointer);
  const int flushed = flush(file);
  const int closed = file.real->pMethods != nullptr ? file.real->pMethods->xClose(file.real) : SQLITE_OK;
  std::free(file.buffer);
  file.buffer = nullptr;
  return flushed != SQLITE_OK ? flushed : closed;
}

int wal_read(sqlite3_file* pointer, void* out, int amount, sqlite3_int64 offset) {
  BufferedWal& file = wal(pointer);
  if (overlaps(file, offset, amount)) {
    if (const int rc = flush(file); rc != SQLITE_OK) return rc;
  }
  return file.real->pMethods->xRead(file.real, out, amount, offset);
}

int wal_write(sqlite3_file* pointer, const void* data, int amount, sqlite3_int64 offset) {
  BufferedWal& file = wal(pointer);
  const bool continues = file.length > 0 && offset == file.offset + file.length;
  if (!continues || file.length + amount > kBufferCapacity) {
    if (const int rc = flush(file); rc != SQLITE_OK) return rc;
  }
  if (amount > kBufferCapacity) return write_through(file, static_cast<const char*>(data), amount, offset);
  if (file.buffer == nullptr) {
    file.buffer = static_cast<char*>(std::malloc(kBufferCapacity));
    if (file.buffer == nullptr) return write_through(file, static_cast<const char*>(data), amount, offset);
  }
  if (file.length == 0) file.offset = offset;
  std::memcpy(file.buffer + file.length, data, static_cast<std::size_t>(amount));
  file.length += amount;
  return SQLITE_OK;
}

int wal_truncate(sqlite3_file* pointer, sqlite3_int64 size) {
  BufferedWal& file = wal(pointer);
  if (const int rc = flush(file); rc != SQLITE_OK) return rc;
  return file.real->pMethods->xTruncate(file.real, size);
}

int wal_sync(sqlite3_file* pointer, int flags) {
  BufferedWal& file = wal(pointer);
  if (const int rc = flush(file); rc != SQLITE_OK) return rc;
  return file.real->pMethods->xSync(file.real, flags);
}

int wal_file_size(sqlite3_file* pointer, sqlite3_int64* size) {
  BufferedWal& file = wal(pointer);
  if (const int rc = flush(file); rc != SQLITE_OK) return rc;
  return file.real->pMethods->xFileSize(file.real, size);
}

int wal_fetch(sqlite3_file* pointer, sqlite3_int64 offset, int amount, void** out) {
  BufferedWal& file = wal(pointer);
  if (const int rc = flush(file); rc != SQLITE_OK) return rc;
  return file.real->pMethods->xFetch(file.real, offset, amount, out);
}

// The rest only passes through to the underlying file.
int wal_lock(sqlite3_file* f, int level) { return wal(f).real->pMethods->xLock(wal(f).real, level); }
int wal_unlock(sqlite3_file* f, int level) { return wal(f).real->pMethods->xUnlock(wal(f).real, level); }
int wal_check_reserved(sqlite3_file* f, int* out) {
  return wal(f).real->pMethods->xCheckReservedLock(wal(f).real, out);
}
int wal_file_control(sqlite3_file* f, int op, void* arg) {
  return wal(f).real->pMethods->xFileControl(wal(f).real, op, arg);
}
int wal_sector_size(sqlite3_file* f) { return wal(f).real->pMethods->xSectorSize(wal(f).real); }
int wal_device(sqlite3_file* f) { return wal(f).real->pMethods->xDeviceCharacteristics(wal(f).real); }
int wal_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return wal(f).real->pMethods->xShmMap(wal(f).real, region, size, extend, out);
}
int wal_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return wal(f).real->pMethods->xShmLock(wal(f).real, offset, n, flags);
}
void wal_shm_barrier(sqlite3_file* f) { wal(f).real->pMethods->xShmBarrier(wal(f).real); }
int wal_shm_unmap(sqlite3_file* f, int delete_flag) {
  return wal(f).real->pMethods->xShmUnmap(wal(f).real, delete_flag);
}
int wal_unfetch(sqlite3_file* f, sqlite3_int64 offset, void* page) {
  return wal(f).real->pMethods->xUnfetch(wal(f).real, offset, page);
}

const sqlite3_io_methods kBufferedWalMethods = {
    3,           wal_close,     wal_read,      wal_write,     wal_truncate,   wal_sync,
    wal_file_size, wal_lock,    wal_unlock,    wal_check_reserved, wal_file_control,
    wal_sector_size, wal_device, wal_shm_map,  wal_shm_lock,  wal_shm_barrier, wal_shm_unmap,
    wal_fetch,   wal_unfetch,
};

int open_file(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* pointer, int flags, int* out_flags) {
  if ((flags & SQLITE_OPEN_WAL) == 0) {
    // Every other file is the underlying VFS's own (this allocation is large enough for it).
    return underlying_vfs->xOpen(underlying_vfs, name, pointer, flags, out_flags);
  }
  BufferedWal& file = wal(pointer);
  file.base.pMethods = nullptr;  // until the real open succeeded: SQLite then does not close it
  file.real = reinterpret_cast<sqlite3_file*>(&file + 1);
  file.buffer = nullptr;
  file.offset = 0;
  file.length = 0;
  const int rc = underlying_vfs->xOpen(underlying_vfs, name, file.real, flags, out_flags);
  if (rc != SQLITE_OK) return rc;
  file.base.pMethods = &kBufferedWalMethods;
  return SQLITE_OK;
}

}  // namespace

void install_sqlite_wal_buffer() {
  static std::once_flag once;
  std::call_once(once, [] {
    underlying_vfs = sqlite3_vfs_find(nullptr);
    // The forwarding methods above call the version-3 methods (shared memory, fetch).
    if (underlying_vfs == nullptr || underlying_vfs->iVersion < 3) return;
    buffered_vfs = *underlying_vfs;
    buffered_vfs.zName = "socialrx-wal-buffer";
    buffered_vfs.pNext = nullptr;
    buffered_vfs.szOsFile = static_cast<int>(sizeof(BufferedWal)) + underlying_vfs->szOsFile;
    buffered_vfs.xOpen = open_file;
    sqlite3_vfs_register(&buffered_vfs, 1);  // the default: Poco opens with it
  });
}

}  // namespace socialrx::gateway::storage
