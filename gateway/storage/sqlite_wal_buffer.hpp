#pragma once

namespace socialrx::gateway::storage {

// Makes the default SQLite VFS one that gives each commit's write-ahead-log frames to the kernel
// in one write instead of two per page (see the .cpp for why that is safe: it relies on
// synchronous = FULL). Idempotent; call before the first connection opens.
void install_sqlite_wal_buffer();

}  // namespace socialrx::gateway::storage
