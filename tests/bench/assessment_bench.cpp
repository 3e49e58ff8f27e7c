// Assessment throughput: validate + score + extract of a completed SDH screening response
// (conf/questionnaires/sdh-screening.json), against fhir::json::parse of the same bytes in the
// same run. Issue 4's target: at least 20,000 responses/s per core for the whole pipeline.
// tests/bench/run_assessment_bench.sh runs this and prints the figures and the verdict.
//
// Benchmarks (each iteration processes the one response once, single thread):
//   BM_Parse              the baseline: socialrx::fhir::json::parse of the response bytes
//   BM_BareRapidJsonParse for reference: rapidjson::Document::Parse, default flags
//   BM_ParseAndValidate   socialrx::fhir::parse_and_validate (parse + structural validation)
//   BM_Pipeline           parse_and_validate_owned of a copy of the bytes (the gateway parses the
//                         request body in place) + validate_response against the Questionnaire +
//                         score_response + extract (the transaction Bundle as JSON text): what
//                         the gateway does for a created response; the three share one
//                         ResponseTree (their overloads that take it)
//   BM_ValidateResponse   validate_response alone, on a document parsed beforehand
//   BM_Score              score_response alone, on a document parsed beforehand
//   BM_Extract            extract alone (scored beforehand; the evaluator is reset per
//                         iteration, as score_response would)
// The Questionnaire, the scoring and extraction plans and the sdh-domain CodeSystem are loaded
// once, before any timing; one fhirpath::Evaluator is reused, as one per gateway thread would be.
// Each reports responses/s (items_per_second), and the pipeline the Bundle's size and entry
// counts, so that a run that extracts nothing cannot look fast.
//
//   socialrx_assessment_bench [--response FILE] [benchmark flags]
//     FILE defaults to tests/fhir/questionnaire/shipped/valid/01-older-living-alone-lonely.json
//     (a completed response of an older person living alone: 60 items, 4 domains at risk).
//   socialrx_assessment_bench --dump DIR
//     writes, for every shipped valid response, the Bundle extract gives (<name>.bundle.json) and
//     the scored response when calculated answers were filled in (<name>.filled.json), then
//     exits: for checking that a speed change keeps the output byte for byte.
//   socialrx_assessment_bench [--response FILE] --profile N
//     runs the pipeline once to warm up, then N times in profile_loop, and exits: for counting
//     instructions per response with valgrind --tool=callgrind --toggle-collect='*profile_loop*'
//     (repeatable on a loaded machine, unlike times).

#include <benchmark/benchmark.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/fhirpath/expression.hpp"
#include "fhir/json.hpp"
#include "fhir/questionnaire/extraction.hpp"
#include "fhir/questionnaire/questionnaire_index.hpp"
#include "fhir/questionnaire/response_tree.hpp"
#include "fhir/questionnaire/response_validator.hpp"
#include "fhir/questionnaire/scoring.hpp"
#include "fhir/validator.hpp"

namespace {

namespace fs = std::filesystem;
namespace fhir = socialrx::fhir;
namespace q = socialrx::fhir::questionnaire;

const fs::path kSource = SOCIALRX_SOURCE_DIR;
const fs::path kConf = kSource / "conf/questionnaires";
const fs::path kShippedValid = kSource / "tests/fhir/questionnaire/shipped/valid";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Everything loaded once.
struct Setup {
  std::shared_ptr<const q::QuestionnaireIndex> index;
  fhir::json::Document domains;  // the sdh-domain CodeSystem (the extraction plan points into it)
  std::shared_ptr<const q::ExtractionPlan> plan;
  std::string response_path;
  std::string response;  // the bytes
  std::string error;     // set when something could not be loaded
};

Setup& setup() {
  static Setup instance;
  return instance;
}

bool load(const fs::path& response_path) {
  Setup& s = setup();
  fhir::json::ParseResult questionnaire = fhir::json::parse(read_file(kConf / "sdh-screening.json"));
  if (!questionnaire.document) {
    s.error = "conf/questionnaires/sdh-screening.json does not parse";
    return false;
  }
  q::LoadResult loaded = q::QuestionnaireIndex::load(std::move(*questionnaire.document));
  if (loaded.issues.has_errors()) {
    s.error = "sdh-screening.json: " + fhir::to_operation_outcome_json(loaded.issues);
    return false;
  }
  s.index = loaded.index;
  q::ScoringLoad scoring = q::ScoringPlan::compile(s.index);
  if (!scoring.plan) {
    s.error = "scoring plan: " + fhir::to_operation_outcome_json(scoring.issues);
    return false;
  }
  fhir::json::ParseResult domains = fhir::json::parse(read_file(kConf / "codesystem-sdh-domain.json"));
  if (!domains.document) {
    s.error = "codesystem-sdh-domain.json does not parse";
    return false;
  }
  s.domains = std::move(*domains.document);
  s.plan = q::ExtractionPlan::build(scoring.plan, &s.domains.root());
  s.response_path = response_path.string();
  s.response = read_file(response_path);
  if (s.response.empty()) {
    s.error = "cannot read " + s.response_path;
    return false;
  }
  return true;
}

// The whole pipeline for one response. Returns the Bundle's size (0 when something failed).
struct PipelineOutput {
  std::size_t bundle_bytes = 0;
  std::size_t entries = 0;
  bool ok = false;
};

PipelineOutput pipeline(std::string_view bytes, fhir::fhirpath::Evaluator& evaluator) {
  const Setup& s = setup();
  PipelineOutput out;
  // As the gateway does: the request body (a string of its own, copied here) is parsed in place.
  fhir::ParsedResource parsed = fhir::parse_and_validate_owned(std::string(bytes));
  if (!parsed.valid()) return out;
  const fhir::json::Value& response = parsed.document->root();
  // One tree of the response for validation, scoring and extraction.
  const q::ResponseTree tree = q::ResponseTree::build(*s.index, response);
  fhir::Issues validation = q::validate_response(*s.index, response, tree);
  if (validation.has_errors()) return out;
  q::ScoreResult score = q::score_response(s.plan->scoring(), response, evaluator, tree);
  if (score.issues.has_errors()) return out;
  // Scoring that filled calculated answers in gives a new response, with a tree of its own.
  const fhir::json::Value& scored = score.response(response);
  q::ExtractionResult extraction =
      score.filled_document ? q::extract(*s.plan, scored, score, evaluator)
                            : q::extract(*s.plan, scored, score, evaluator, tree);
  if (extraction.issues.has_errors() || extraction.bundle_json.empty()) return out;
  out.bundle_bytes = extraction.bundle_json.size();
  out.entries = extraction.observations + extraction.conditions + extraction.service_requests;
  out.ok = true;
  benchmark::DoNotOptimize(extraction.bundle_json.data());
  return out;
}

bool usable(benchmark::State& state) {
  if (!setup().error.empty()) {
    state.SkipWithError(setup().error.c_str());
    return false;
  }
  return true;
}

void per_response(benchmark::State& state) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(setup().response.size()));
}

void BM_Parse(benchmark::State& state) {
  if (!usable(state)) return;
  const std::string& bytes = setup().response;
  bool failed = false;
  for (auto _ : state) {
    fhir::json::ParseResult result = fhir::json::parse(bytes);
    failed = failed || !result.document;
    benchmark::DoNotOptimize(result);
  }
  if (failed) state.SkipWithError("the response does not parse");
  per_response(state);
}

void BM_BareRapidJsonParse(benchmark::State& state) {
  if (!usable(state)) return;
  const std::string& bytes = setup().response;
  bool failed = false;
  for (auto _ : state) {
    rapidjson::Document document;
    document.Parse<rapidjson::kParseDefaultFlags>(bytes.data(), bytes.size());
    failed = failed || document.HasParseError();
    benchmark::DoNotOptimize(document);
  }
  if (failed) state.SkipWithError("RapidJSON rejected the response");
  per_response(state);
}

void BM_ParseAndValidate(benchmark::State& state) {
  if (!usable(state)) return;
  const std::string& bytes = setup().response;
  bool failed = false;
  for (auto _ : state) {
    fhir::ParsedResource result = fhir::parse_and_validate(bytes);
    failed = failed || !result.valid();
    benchmark::DoNotOptimize(result);
  }
  if (failed) state.SkipWithError("the response is not valid FHIR");
  per_response(state);
}

void BM_Pipeline(benchmark::State& state) {
  if (!usable(state)) return;
  const std::string& bytes = setup().response;
  fhir::fhirpath::Evaluator evaluator;
  PipelineOutput last;
  bool failed = false;
  for (auto _ : state) {
    last = pipeline(bytes, evaluator);
    failed = failed || !last.ok;
  }
  if (failed) {
    state.SkipWithError("the pipeline failed (invalid response, scoring or extraction errors)");
    return;
  }
  per_response(state);
  state.counters["bundle_bytes"] = static_cast<double>(last.bundle_bytes);
  state.counters["entries"] = static_cast<double>(last.entries);
}

// Parsed once, for the per-stage benchmarks.
const fhir::json::Document* parsed_response(benchmark::State& state) {
  static std::optional<fhir::json::Document> document;
  if (!document) {
    fhir::json::ParseResult result = fhir::json::parse(setup().response);
    if (!result.document) {
      state.SkipWithError("the response does not parse");
      return nullptr;
    }
    document = std::move(*result.document);
  }
  return &*document;
}

void BM_ValidateResponse(benchmark::State& state) {
  if (!usable(state)) return;
  const fhir::json::Document* document = parsed_response(state);
  if (document == nullptr) return;
  bool failed = false;
  for (auto _ : state) {
    fhir::Issues issues = q::validate_response(*setup().index, document->root());
    failed = failed || issues.has_errors();
    benchmark::DoNotOptimize(issues);
  }
  if (failed) state.SkipWithError("the response is not valid against the Questionnaire");
  per_response(state);
}

void BM_Score(benchmark::State& state) {
  if (!usable(state)) return;
  const fhir::json::Document* document = parsed_response(state);
  if (document == nullptr) return;
  fhir::fhirpath::Evaluator evaluator;
  bool failed = false;
  for (auto _ : state) {
    q::ScoreResult score = q::score_response(setup().plan->scoring(), document->root(), evaluator);
    failed = failed || score.issues.has_errors();
    benchmark::DoNotOptimize(score);
  }
  if (failed) state.SkipWithError("scoring failed");
  per_response(state);
}

void BM_Extract(benchmark::State& state) {
  if (!usable(state)) return;
  const fhir::json::Document* document = parsed_response(state);
  if (document == nullptr) return;
  fhir::fhirpath::Evaluator evaluator;
  // Scored with a second evaluator, so that resetting the extraction's does not free its results.
  fhir::fhirpath::Evaluator scoring_evaluator;
  const q::ScoreResult score =
      q::score_response(setup().plan->scoring(), document->root(), scoring_evaluator);
  const fhir::json::Value& scored = score.response(document->root());
  bool failed = false;
  for (auto _ : state) {
    evaluator.reset();
    q::ExtractionResult extraction = q::extract(*setup().plan, scored, score, evaluator);
    failed = failed || extraction.issues.has_errors() || extraction.bundle_json.empty();
    benchmark::DoNotOptimize(extraction);
  }
  if (failed) state.SkipWithError("extraction failed");
  per_response(state);
}

// --dump DIR: the output of every shipped valid response, for byte-for-byte comparison.
int dump(const fs::path& directory) {
  std::error_code error;
  fs::create_directories(directory, error);
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kShippedValid)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  fhir::fhirpath::Evaluator evaluator;
  for (const fs::path& file : files) {
    fhir::json::ParseResult parsed = fhir::json::parse(read_file(file));
    if (!parsed.document) {
      std::cerr << file << ": does not parse\n";
      return 1;
    }
    const fhir::json::Value& response = parsed.document->root();
    q::ScoreResult score = q::score_response(setup().plan->scoring(), response, evaluator);
    q::ExtractionResult extraction = q::extract(*setup().plan, score.response(response), score, evaluator);
    const std::string stem = file.stem().string();
    // The pipeline's way (one tree shared by the three steps) must give the same.
    {
      const q::ResponseTree tree = q::ResponseTree::build(*setup().index, response);
      fhir::fhirpath::Evaluator other;
      q::ScoreResult shared = q::score_response(setup().plan->scoring(), response, other, tree);
      q::ExtractionResult again =
          shared.filled_document ? q::extract(*setup().plan, shared.response(response), shared, other)
                                 : q::extract(*setup().plan, response, shared, other, tree);
      if (again.bundle_json != extraction.bundle_json ||
          q::validate_response(*setup().index, response, tree).size() !=
              q::validate_response(*setup().index, response).size()) {
        std::cerr << stem << ": the shared-tree pipeline gives another result\n";
        return 1;
      }
    }
    std::ofstream(directory / (stem + ".bundle.json"), std::ios::binary) << extraction.bundle_json;
    std::ofstream(directory / (stem + ".issues.json"), std::ios::binary)
        << fhir::to_operation_outcome_json(score.issues) << '\n'
        << fhir::to_operation_outcome_json(extraction.issues) << '\n';
    if (score.filled_json) {
      std::ofstream(directory / (stem + ".filled.json"), std::ios::binary) << *score.filled_json;
    }
    std::cout << stem << ": " << extraction.bundle_json.size() << " bytes, " << extraction.observations
              << " observations, " << extraction.conditions << " conditions, "
              << extraction.service_requests << " service requests\n";
  }
  return 0;
}

// --profile N: the pipeline N times, nothing else (see the header).
[[gnu::noinline]] bool profile_loop(long count, fhir::fhirpath::Evaluator& evaluator) {
  bool ok = true;
  for (long i = 0; i < count; ++i) ok = pipeline(setup().response, evaluator).ok && ok;
  return ok;
}

int profile(long count) {
  fhir::fhirpath::Evaluator evaluator;
  if (!pipeline(setup().response, evaluator).ok || !profile_loop(count, evaluator)) {
    std::fprintf(stderr, "assessment_bench: the pipeline fails on %s\n", setup().response_path.c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path response = kShippedValid / "01-older-living-alone-lonely.json";
  std::optional<fs::path> dump_directory;
  long profile_count = 0;
  // Our own flags first; the rest goes to Google Benchmark.
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if ((arg == "--response" || arg == "--dump") && i + 1 < argc) {
      (arg == "--response" ? response : dump_directory.emplace()) = argv[++i];
    } else if (arg == "--profile" && i + 1 < argc) {
      profile_count = std::strtol(argv[++i], nullptr, 10);
    } else {
      rest.push_back(argv[i]);
    }
  }
  if (!load(response)) {
    std::fprintf(stderr, "assessment_bench: %s\n", setup().error.c_str());
    return 2;
  }
  if (dump_directory) return dump(*dump_directory);
  if (profile_count > 0) return profile(profile_count);

  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());
  if (benchmark::ReportUnrecognizedArguments(rest_argc, rest.data())) return 1;
  std::fprintf(stderr, "response: %s (%zu bytes)\n", setup().response_path.c_str(), setup().response.size());

  // One untimed pass, so that the first benchmark does not pay for warming the heap.
  {
    fhir::fhirpath::Evaluator evaluator;
    if (!pipeline(setup().response, evaluator).ok) {
      std::fprintf(stderr, "assessment_bench: the pipeline fails on %s\n", setup().response_path.c_str());
    }
  }
  for (auto [name, function] : std::initializer_list<std::pair<const char*, void (*)(benchmark::State&)>>{
           {"BM_Parse", BM_Parse},
           {"BM_BareRapidJsonParse", BM_BareRapidJsonParse},
           {"BM_ParseAndValidate", BM_ParseAndValidate},
           {"BM_Pipeline", BM_Pipeline},
           {"BM_ValidateResponse", BM_ValidateResponse},
           {"BM_Score", BM_Score},
           {"BM_Extract", BM_Extract},
       }) {
    benchmark::RegisterBenchmark(name, function)->Unit(benchmark::kMicrosecond);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
