#pragma once
// "file": a message is one file dropped into a directory (a shared folder another system picks
// up from, e.g. an SS-MIX2-style exchange folder or a certification office's import directory):
//   destination  file:///absolute/directory   (the directory must exist; it is not created);
//   path         the file name to use, or empty: a name built from the idempotency key;
//   body         the file's bytes, exactly.
// Written crash-safely: a temporary file in the same directory (name starting with ".", which
// pickers must ignore), fsync, rename over the final name, fsync of the directory. A retry of the
// same message renames onto the same name, so it replaces what an earlier attempt left and never
// makes a second file; nobody ever sees a half-written file under the final name.
//   delivered  the rename and the directory fsync succeeded;
//   retry      any I/O error (the directory missing or unwritable, disk full): it may be fixed;
//   dead       a destination that is not a file:/// URL of an absolute path, or a bad file name.

#include <string>
#include <string_view>

#include "gateway/outbox/transport.hpp"

namespace socialrx::gateway::outbox {

// The file name a message without `path` gets: the idempotency key with every byte outside
// [A-Za-z0-9._-] replaced by '_' (at most 100 of them), "-", and the first 16 hex digits of the
// key's SHA-256 (two keys that differ only in replaced bytes still get two names), plus ".hl7",
// ".json", ".xml" or ".dat" by content type.
std::string file_name_for(std::string_view idempotency_key, std::string_view content_type);

class FileTransport final : public Transport {
 public:
  DeliveryOutcome send(const Delivery& delivery) override;
};

}  // namespace socialrx::gateway::outbox
