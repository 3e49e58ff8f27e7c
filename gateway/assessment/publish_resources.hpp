#pragma once
// Makes the shipped Questionnaires and CodeSystems readable through the FHIR API: each is stored
// under its own id, as a new version only when its content changed since the last start (so a
// restart does not grow the history, and an edited file shows up as version n+1).

#include <cstddef>

#include "gateway/assessment/questionnaire_library.hpp"
#include "gateway/storage/write_queue.hpp"

namespace socialrx::gateway::assessment {

// Returns how many resources were written (new or changed). Throws on a database failure.
std::size_t publish_resources(const QuestionnaireLibrary& library, storage::WriteQueue& writes);

}  // namespace socialrx::gateway::assessment
