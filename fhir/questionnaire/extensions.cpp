#include "fhir/questionnaire/extensions.hpp"

namespace socialrx::fhir::questionnaire {

const json::Value* find_extension(const json::Value& element, std::string_view url) {
  const json::Value* list = element.find("extension");
  if (list == nullptr) return nullptr;
  for (const json::Value& extension : list->items()) {
    if (extension.string_at("url") == url) return &extension;
  }
  return nullptr;
}

std::vector<const json::Value*> find_extensions(const json::Value& element,
                                                std::string_view url) {
  std::vector<const json::Value*> found;
  const json::Value* list = element.find("extension");
  if (list == nullptr) return found;
  for (const json::Value& extension : list->items()) {
    if (extension.string_at("url") == url) found.push_back(&extension);
  }
  return found;
}

}  // namespace socialrx::fhir::questionnaire
