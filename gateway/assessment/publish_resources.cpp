#include "gateway/assessment/publish_resources.hpp"

#include "gateway/rest/resource_upsert.hpp"
#include "gateway/storage/write_transaction.hpp"

namespace socialrx::gateway::assessment {

std::size_t publish_resources(const QuestionnaireLibrary& library, storage::WriteQueue& writes) {
  std::size_t written = 0;
  for (const auto& shipped : library.resources()) {
    const std::string json = fhir::json::serialize(shipped->document.root());
    writes.run([&](storage::WriteTransaction& transaction) {
      if (rest::write_if_changed(transaction, shipped->type, shipped->id, json)) ++written;
    });
  }
  return written;
}

}  // namespace socialrx::gateway::assessment
