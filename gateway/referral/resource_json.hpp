#pragma once
// Small builders for the resources the referral workflow writes itself (downstream
// ServiceRequest and Task, status changes, AuditEvents). Values live in the document's arena.

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/json.hpp"

namespace socialrx::gateway::referral {

class JsonBuilder {
 public:
  explicit JsonBuilder(fhir::json::Document& document) : doc_(document) {}

  fhir::json::Value string(std::string_view text) { return doc_.make_string(text); }
  fhir::json::Value object(std::initializer_list<fhir::json::Member> members);
  fhir::json::Value array(std::initializer_list<fhir::json::Value> items);
  fhir::json::Value array(const std::vector<fhir::json::Value>& items);
  // {"reference": "Type/id", "display": …}
  fhir::json::Value reference(std::string_view reference, std::string_view display = {});
  fhir::json::Value coding(std::string_view system, std::string_view code, std::string_view display = {});
  // {"coding": [coding], "text": …}
  fhir::json::Value codeable(std::string_view system, std::string_view code, std::string_view display = {},
                            std::string_view text = {});
  fhir::json::Value text_concept(std::string_view text);  // {"text": …}
  // Annotation {"time": instant, "text": …}
  fhir::json::Value annotation(std::string_view text, std::string_view time);

  // `object` with `key` set (a copy; the document's values are immutable).
  fhir::json::Value with(const fhir::json::Value& object, std::string_view key, fhir::json::Value value) {
    return doc_.with_member(object, key, value);
  }
  fhir::json::Value without(const fhir::json::Value& object, std::string_view key) {
    return doc_.without_member(object, key);
  }

 private:
  fhir::json::Document& doc_;
};

// "Type/id" of a Reference object whose reference is relative or absolute ("" otherwise, e.g.
// a logical reference by identifier or a missing one).
std::string reference_key(const fhir::json::Value* reference);

// Every "Type/id" among the Reference objects of an array element (e.g. supportingInfo).
std::vector<std::string> reference_keys(const fhir::json::Value& resource, std::string_view element);

// True when a CodeableConcept (or an array of them) has a coding with this system and code;
// an empty code matches any code of the system.
bool has_coding(const fhir::json::Value* concepts, std::string_view system, std::string_view code = {});
// Task.statusReason.text ("" when there is none).
std::string_view status_reason_text(const fhir::json::Value& task);
// The code of the first coding with this system in a CodeableConcept or an array of them.
std::string_view code_in(const fhir::json::Value* concepts, std::string_view system);

}  // namespace socialrx::gateway::referral
