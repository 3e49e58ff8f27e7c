// Validation throughput over HL7's official R4 examples of socialrx's working set, against a bare
// RapidJSON parse of the same bytes in the same run. The issue's target: parse + validate takes
// at most 3x the bare parse. tests/bench/run_validation_bench.sh runs this and computes the ratio.
//
// Benchmarks (each iteration processes every file of its corpus once, in file-name order):
//   BM_BareRapidJsonParse/<corpus>        the baseline: rapidjson::Document::Parse, default flags
//   BM_BareRapidJsonParseInsitu/<corpus>  for reference: copy into a reused buffer + ParseInsitu
//   BM_ParseOnly/<corpus>                 socialrx::fhir::json::parse
//   BM_ParseAndValidate/<corpus>          socialrx::fhir::parse_and_validate (what `validate` does)
//   BM_ValidateOnly/<corpus>              validate_resource on documents parsed beforehand
// Corpora:
//   all       every working-set example (322 files, 110 MB; 98% of the bytes are ten
//             conformance Bundles of 2-35 MB: StructureDefinitions, ValueSets, SearchParameters)
//   under64k  the working-set examples of at most 64 KiB (299 files, 1.2 MB): the size of what
//             the gateway receives over REST
// Each reports bytes/s (SetBytesProcessed) and files/s (SetItemsProcessed), and the parse-and-
// validate ones count the files found invalid (HL7 ships two that break R4; see
// tests/fhir/official_examples_test.cpp), so a run that validates nothing cannot look fast.
//
// Why Document::Parse with kParseDefaultFlags is the baseline: it is the plain "parse these bytes
// into a DOM" that anyone would write, over the same const bytes that socialrx gets, with no
// preparation. In-situ parsing needs a mutable copy; counting the copy makes it about as costly
// (its string copies are traded for one memcpy), not counting it would compare against work that
// a real caller cannot skip. Default flags do not validate UTF-8 and convert numbers to double,
// while socialrx validates UTF-8 and keeps number literals as text: the two roughly cancel out,
// and the in-situ variant is printed beside it so that the choice can be judged from the figures.
//
// Page faults: socialrx's Document arena takes fresh blocks from malloc for every document, and
// glibc hands blocks over 32 MiB (and, until its thresholds adapt, smaller ones) straight from
// mmap, so each parse of the 35 MB Bundle-resources.json faults in ~8,600 fresh pages; the bare
// RapidJSON parse works in 64 KiB pool chunks that malloc recycles. Each benchmark reports
// "faults" per iteration. main() runs one untimed pass over the corpus first, and the benchmarks
// run in registration order (BM_ValidateOnly, which keeps every document alive, after the
// parses), so that the heap's state, and with it the figures, do not depend on chance.
//
//   socialrx_validation_bench --list_files   prints the corpus "all" (one path per line) and exits;
//                                             the run script feeds the same list to the CLIs.

#include <benchmark/benchmark.h>
#include <rapidjson/document.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/json.hpp"
#include "fhir/validator.hpp"
#include "fhir/working_set.hpp"

namespace {

namespace fs = std::filesystem;
using socialrx::fhir::json::ParseLimits;

constexpr std::size_t kSmallFileLimit = 64u << 10;

struct Corpus {
  std::vector<fs::path> paths;
  std::vector<std::string> files;  // the bytes of each file, loaded once
  std::size_t bytes = 0;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<fs::path> working_set_paths() {
  std::vector<fs::path> paths;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(SOCIALRX_R4_PACKAGE_DIR, error)) {
    const std::string name = entry.path().filename().string();
    const auto dash = name.find('-');
    if (entry.path().extension() != ".json" || dash == std::string::npos) continue;
    if (socialrx::fhir::in_working_set(std::string_view(name).substr(0, dash))) {
      paths.push_back(entry.path());
    }
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

Corpus load(const std::vector<fs::path>& paths, std::size_t max_file_bytes) {
  Corpus corpus;
  for (const fs::path& path : paths) {
    std::string bytes = read_file(path);
    if (bytes.size() > max_file_bytes) continue;
    corpus.bytes += bytes.size();
    corpus.paths.push_back(path);
    corpus.files.push_back(std::move(bytes));
  }
  return corpus;
}

ParseLimits limits() {
  ParseLimits limits;
  limits.max_bytes = 64u << 20;  // as `socialrx validate`: HL7's biggest example is 35 MB
  return limits;
}

// Minor page faults so far: first touches of fresh memory, which the kernel must map (and zero).
// They are a large part of the cost of big documents, so each benchmark reports them per
// iteration as "faults".
long minor_faults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

void report(benchmark::State& state, const Corpus& corpus, long faults_before) {
  state.counters["faults"] =
      state.iterations() > 0
          ? static_cast<double>(minor_faults() - faults_before) / static_cast<double>(state.iterations())
          : 0.0;
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(corpus.bytes));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(corpus.files.size()));
  state.counters["files"] = static_cast<double>(corpus.files.size());
}

bool usable(benchmark::State& state, const Corpus& corpus) {
  if (corpus.files.empty()) {
    state.SkipWithError("no working-set examples found in " SOCIALRX_R4_PACKAGE_DIR
                        " (run `npm ci` in the repository root)");
    return false;
  }
  return true;
}

void BM_BareRapidJsonParse(benchmark::State& state, const Corpus* corpus) {
  if (!usable(state, *corpus)) return;
  std::size_t failed = 0;
  const long faults = minor_faults();
  for (auto _ : state) {
    for (const std::string& file : corpus->files) {
      rapidjson::Document document;
      document.Parse<rapidjson::kParseDefaultFlags>(file.data(), file.size());
      failed += document.HasParseError() ? 1 : 0;
      benchmark::DoNotOptimize(document);
    }
  }
  if (failed != 0) state.SkipWithError("RapidJSON rejected a file");
  report(state, *corpus, faults);
}

void BM_BareRapidJsonParseInsitu(benchmark::State& state, const Corpus* corpus) {
  if (!usable(state, *corpus)) return;
  std::vector<char> buffer;
  std::size_t failed = 0;
  const long faults = minor_faults();
  for (auto _ : state) {
    for (const std::string& file : corpus->files) {
      buffer.resize(file.size() + 1);
      std::memcpy(buffer.data(), file.data(), file.size());
      buffer[file.size()] = '\0';
      rapidjson::Document document;
      document.ParseInsitu<rapidjson::kParseDefaultFlags>(buffer.data());
      failed += document.HasParseError() ? 1 : 0;
      benchmark::DoNotOptimize(document);
    }
  }
  if (failed != 0) state.SkipWithError("RapidJSON rejected a file");
  report(state, *corpus, faults);
}

void BM_ParseOnly(benchmark::State& state, const Corpus* corpus) {
  if (!usable(state, *corpus)) return;
  const ParseLimits parse_limits = limits();
  std::size_t failed = 0;
  const long faults = minor_faults();
  for (auto _ : state) {
    for (const std::string& file : corpus->files) {
      socialrx::fhir::json::ParseResult result = socialrx::fhir::json::parse(file, parse_limits);
      failed += result.document ? 0 : 1;
      benchmark::DoNotOptimize(result);
    }
  }
  if (failed != 0) state.SkipWithError("socialrx's parser rejected a file");
  report(state, *corpus, faults);
}

void BM_ParseAndValidate(benchmark::State& state, const Corpus* corpus) {
  if (!usable(state, *corpus)) return;
  const ParseLimits parse_limits = limits();
  std::size_t invalid = 0;
  const long faults = minor_faults();
  for (auto _ : state) {
    invalid = 0;
    for (const std::string& file : corpus->files) {
      socialrx::fhir::ParsedResource result = socialrx::fhir::parse_and_validate(file, parse_limits);
      invalid += result.valid() ? 0 : 1;
      benchmark::DoNotOptimize(result);
    }
  }
  report(state, *corpus, faults);
  state.counters["invalid"] = static_cast<double>(invalid);
}

void BM_ValidateOnly(benchmark::State& state, const Corpus* corpus) {
  if (!usable(state, *corpus)) return;
  const ParseLimits parse_limits = limits();
  std::vector<socialrx::fhir::json::Document> documents;
  for (const std::string& file : corpus->files) {
    socialrx::fhir::json::ParseResult result = socialrx::fhir::json::parse(file, parse_limits);
    if (!result.document) {
      state.SkipWithError("socialrx's parser rejected a file");
      return;
    }
    documents.push_back(std::move(*result.document));
  }
  std::size_t invalid = 0;
  const long faults = minor_faults();
  for (auto _ : state) {
    invalid = 0;
    for (const auto& document : documents) {
      socialrx::fhir::Issues issues = socialrx::fhir::validate_resource(document.root());
      invalid += issues.has_errors() ? 1 : 0;
      benchmark::DoNotOptimize(issues);
    }
  }
  report(state, *corpus, faults);
  state.counters["invalid"] = static_cast<double>(invalid);
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<fs::path> paths = working_set_paths();
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--list_files") {
      for (const fs::path& path : paths) std::cout << path.string() << '\n';
      return paths.empty() ? 1 : 0;
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  // Loaded once, before any timing; shared by every benchmark.
  static const Corpus all = load(paths, static_cast<std::size_t>(-1));
  static const Corpus small = load(paths, kSmallFileLimit);
  std::fprintf(stderr, "corpus all: %zu files, %zu bytes; under64k: %zu files, %zu bytes (%s)\n",
               all.files.size(), all.bytes, small.files.size(), small.bytes,
               SOCIALRX_R4_PACKAGE_DIR);

  // One untimed pass first, as a long-running gateway would have made: glibc's malloc adapts its
  // mmap and trim thresholds to the first large blocks freed, and until then each large document
  // gets fresh pages from the kernel (page faults). Without this pass the figures depend on which
  // benchmark happens to run first. The "faults" counter shows what is left.
  for (const std::string& file : all.files) {
    benchmark::DoNotOptimize(socialrx::fhir::parse_and_validate(file, limits()));
  }

  using Function = void (*)(benchmark::State&, const Corpus*);
  const std::array<std::pair<const char*, Function>, 5> benchmarks{{
      {"BM_BareRapidJsonParse", BM_BareRapidJsonParse},
      {"BM_BareRapidJsonParseInsitu", BM_BareRapidJsonParseInsitu},
      {"BM_ParseOnly", BM_ParseOnly},
      {"BM_ParseAndValidate", BM_ParseAndValidate},
      {"BM_ValidateOnly", BM_ValidateOnly},
  }};
  for (const auto& [corpus_name, corpus] :
       std::array<std::pair<const char*, const Corpus*>, 2>{{{"all", &all}, {"under64k", &small}}}) {
    for (const auto& [name, function] : benchmarks) {
      benchmark::RegisterBenchmark((std::string(name) + "/" + corpus_name).c_str(), function, corpus)
          ->Unit(benchmark::kMillisecond);
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
