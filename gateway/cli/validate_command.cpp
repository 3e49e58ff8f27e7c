// `socialrx validate FILE...`: exit 0 when every file is a valid resource; otherwise one
// OperationOutcome (one line of JSON) per invalid file on stdout, in argument order, and exit 1.
// A summary line per file goes to stderr so that stdout stays machine-readable.

#include <boost/program_options.hpp>

#include <malloc.h>
#include <sys/mman.h>

#include <filesystem>

#include <fstream>
#include <iostream>
#include <sstream>

#include "fhir/validator.hpp"
#include "gateway/cli/command.hpp"

namespace socialrx::gateway::cli {
namespace {

namespace po = boost::program_options;

constexpr std::size_t kDefaultMaxBytes = 64u << 20;  // HL7's biggest example Bundle is 35 MB

// Reads a whole file into `bytes`, which is reused from file to file: its capacity stays, so a
// run over many files does not map and fault in fresh memory for each one. Returns the problem.
fhir::Issues read_file(const std::string& path, std::size_t max_bytes, std::string& bytes) {
  fhir::Issues problem;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    problem.error(fhir::IssueType::not_found, "", "cannot open the file " + path);
    return problem;
  }
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::size_t>(in.tellg());
  if (size > max_bytes) {
    problem.error(fhir::IssueType::too_long, "",
                  "the file is " + std::to_string(size) + " bytes; the limit is " +
                      std::to_string(max_bytes) + " (--max-bytes)");
    return problem;
  }
  in.seekg(0);
  bytes.resize(size);
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  return problem;
}

int run(std::span<const std::string> args, Streams streams) {
  po::options_description options("Options");
  options.add_options()("help,h", "show this help")(
      "quiet,q", "no per-file summary on stderr")(
      "max-bytes", po::value<std::size_t>()->default_value(kDefaultMaxBytes),
      "largest file accepted");
  po::options_description hidden;
  hidden.add_options()("file", po::value<std::vector<std::string>>(), "input file");
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("file", -1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(std::vector<std::string>(args.begin(), args.end()))
                  .options(all)
                  .positional(positional)
                  .run(),
              vm);
    po::notify(vm);
  } catch (const po::error& e) {
    streams.err << "socialrx validate: " << e.what() << '\n';
    return 2;
  }
  if (vm.count("help") || !vm.count("file")) {
    (vm.count("help") ? streams.out : streams.err)
        << "Usage: socialrx validate [OPTIONS] FILE...\n\n"
        << "Validates FHIR R4 JSON resources against the base specification.\n"
        << "Exit 0 when every file is valid; otherwise one OperationOutcome per invalid file on\n"
        << "stdout (one JSON document per line, in argument order) and exit 1.\n\n"
        << options;
    return vm.count("help") ? 0 : 2;
  }

  const bool quiet = vm.count("quiet") > 0;
  fhir::json::ParseLimits limits;
  limits.max_bytes = vm["max-bytes"].as<std::size_t>();
  // A batch over many files, some of tens of MB: keep freed memory in the heap for the next file
  // instead of returning it to the kernel and faulting it in again (glibc maps blocks over its
  // threshold and trims the heap top by default). The read buffer is sized once, for the largest.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  const auto& paths = vm["file"].as<std::vector<std::string>>();
  std::string bytes;
  std::uintmax_t largest = 0;
  for (const std::string& path : paths) {
    std::error_code unreadable;
    const std::uintmax_t size = std::filesystem::file_size(path, unreadable);
    if (!unreadable && size <= limits.max_bytes) largest = std::max(largest, size);
  }
  bytes.reserve(static_cast<std::size_t>(largest));
  // Transparent huge pages for the read buffer where the kernel offers them on request: a 35 MB
  // file then costs tens of page faults instead of thousands.
  if (bytes.capacity() >= (4u << 20)) {
    constexpr std::uintptr_t kHuge = 2u << 20;
    const auto begin = (reinterpret_cast<std::uintptr_t>(bytes.data()) + kHuge - 1) & ~(kHuge - 1);
    const auto end = (reinterpret_cast<std::uintptr_t>(bytes.data()) + bytes.capacity()) & ~(kHuge - 1);
    if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
  }

  int exit_code = 0;
  for (const std::string& path : paths) {
    fhir::Issues issues = read_file(path, limits.max_bytes, bytes);
    if (issues.empty()) issues = fhir::validate_in_place(bytes, limits);
    const bool valid = !issues.has_errors();
    if (!quiet) {
      streams.err << path << ": " << (valid ? "valid" : "INVALID");
      if (!issues.empty()) streams.err << " (" << issues.size() << " issue(s))";
      streams.err << '\n';
    }
    if (!valid) {
      streams.out << fhir::to_operation_outcome_json(issues) << '\n';
      exit_code = 1;
    }
  }
  return exit_code;
}

}  // namespace

Command validate_command() {
  return Command{"validate", "check FHIR R4 JSON resources; print an OperationOutcome per invalid file",
                 run};
}

}  // namespace socialrx::gateway::cli
