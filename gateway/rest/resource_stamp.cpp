#include "gateway/rest/resource_stamp.hpp"

#include <openssl/rand.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <vector>

#include "fhir/date_time.hpp"

namespace socialrx::gateway::rest {

std::string stamp_resource(fhir::json::Document& document, const fhir::json::Value& resource,
                           std::string_view id, const storage::VersionStamp& stamp) {
  using fhir::json::Member;
  using fhir::json::Value;
  std::vector<Member> meta;
  meta.push_back({"versionId", document.make_string(std::to_string(stamp.version))});
  meta.push_back({"lastUpdated", document.make_string(fhir::format_instant(stamp.last_updated_ms))});
  if (const Value* sent = resource.find("meta"); sent != nullptr && sent->is_object()) {
    for (const Member& member : sent->members()) {
      if (member.key != "versionId" && member.key != "lastUpdated") meta.push_back(member);
    }
  }
  std::vector<Member> members;
  members.reserve(resource.size() + 2);
  members.push_back({"resourceType", document.make_string(resource.string_at("resourceType"))});
  members.push_back({"id", document.make_string(id)});
  members.push_back({"meta", document.make_object(meta)});
  for (const Member& member : resource.members()) {
    if (member.key != "resourceType" && member.key != "id" && member.key != "meta") {
      members.push_back(member);
    }
  }
  return fhir::json::serialize(document.make_object(members));
}

std::string new_resource_id() {
  // UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits. Ids made one
  // after the other sort together, so each id-keyed b-tree (resources, versions, search rows by
  // resource) takes a group commit's new rows on its last page instead of one random page per
  // row, which was most of the write-ahead log of a create (tests/bench). The time in the id is
  // no secret: meta.lastUpdated of the first version says the same.
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data() + 6, static_cast<int>(bytes.size() - 6)) != 1) {
    throw std::runtime_error("the random number generator failed");
  }
  const auto ms = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                 std::chrono::system_clock::now().time_since_epoch())
                                                 .count());
  for (int i = 0; i < 6; ++i) bytes[static_cast<std::size_t>(i)] = static_cast<unsigned char>(ms >> (40 - 8 * i));
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0F) | 0x70);  // version 7
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3F) | 0x80);  // RFC 9562 variant
  std::array<char, 37> text{};
  std::snprintf(text.data(), text.size(),
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", bytes[0],
                bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8],
                bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]);
  return text.data();
}

}  // namespace socialrx::gateway::rest
