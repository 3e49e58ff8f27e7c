#include "gateway/assessment/publish_resources.hpp"

#include <vector>

#include "gateway/rest/resource_stamp.hpp"
#include "gateway/search/index_extractor.hpp"
#include "gateway/storage/write_transaction.hpp"

namespace socialrx::gateway::assessment {
namespace {

// The resource without id and meta, serialized: what "changed" compares.
std::string content_of(fhir::json::Document& document, const fhir::json::Value& resource) {
  std::vector<fhir::json::Member> members;
  for (const fhir::json::Member& member : resource.members()) {
    if (member.key != "id" && member.key != "meta") members.push_back(member);
  }
  return fhir::json::serialize(document.make_object(members));
}

}  // namespace

std::size_t publish_resources(const QuestionnaireLibrary& library, storage::WriteQueue& writes) {
  std::size_t written = 0;
  for (const auto& shipped : library.resources()) {
    // A copy to build the stamped JSON in: the library's documents stay untouched (read-only
    // once loaded, shared by every thread).
    fhir::json::ParseResult copy = fhir::json::parse(fhir::json::serialize(shipped->document.root()));
    fhir::json::Document& document = *copy.document;
    const std::string content = content_of(document, document.root());
    const auto index = search::extract_index_rows(shipped->type, document.root());
    writes.run([&](storage::WriteTransaction& transaction) {
      const auto current = transaction.current(shipped->type, shipped->id);
      if (current && !current->deleted) {
        fhir::json::ParseResult stored = fhir::json::parse(current->body);
        if (stored.document && content_of(*stored.document, stored.document->root()) == content) return;
      }
      transaction.write_version(
          shipped->type, shipped->id, false,
          [&](const storage::VersionStamp& stamp) {
            return rest::stamp_resource(document, document.root(), shipped->id, stamp);
          },
          current ? std::optional<std::int64_t>(current->version) : std::optional<std::int64_t>(0));
      transaction.replace_index(shipped->type, shipped->id, index);
      ++written;
    });
  }
  return written;
}

}  // namespace socialrx::gateway::assessment
