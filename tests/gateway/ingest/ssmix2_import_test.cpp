// `socialrx import ssmix2 ROOT`, the real binary on a storage tree built here: valid files of
// mapped kinds are imported (a patient's later A08 applied after the earlier one), deleted files
// (condition flag 0) and unmapped kinds are left alone, a second run imports nothing again, a
// broken message fails visibly (exit 1) and waits in state error.

#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "fhir/json.hpp"
#include "tests/gateway/run_binary.hpp"
#include "tests/gateway/support/gateway_process.hpp"
#include "tests/gateway/support/ssmix2_messages.hpp"
#include "tests/gateway/support/temp_dir.hpp"

namespace socialrx::testing {
namespace {

constexpr std::string_view kPatientIdSystem = "urn:oid:1.2.392.100495.20.3.51.10910112341";

void store(const std::filesystem::path& root, const std::string& patient, const std::string& kind,
           const std::string& timestamp, char flag, const std::string& bytes) {
  const auto folder = root / patient.substr(0, 3) / patient.substr(3, 3) / patient / "-" / kind;
  std::filesystem::create_directories(folder);
  const std::string name = patient + "_-_" + kind + "_999999999999999_" + timestamp + "_-_" + flag;
  std::ofstream(folder / name, std::ios::binary) << bytes;
}

std::string count_line(const std::string& out) {
  std::smatch match;
  return std::regex_search(out, match, std::regex("imported [^\n]*")) ? match.str() : out;
}

TEST(Ssmix2Import, ImportsATreeOnceInStorageOrderAndLeavesDeletedFilesAlone) {
  GatewayProcess gateway;
  TempDir tree("ssmix2-storage");
  const auto& root = tree.path();

  AdtPatient first = numbered_patient(1, 1);
  first.control_id = "IMP-0001";
  AdtPatient corrected = first;  // a later A08 of the same patient: moved house
  corrected.control_id = "IMP-0002";
  corrected.address = "栃木県宇都宮市本町４－５";
  AdtPatient second = numbered_patient(1, 2);
  second.control_id = "IMP-0003";
  AdtPatient withdrawn = numbered_patient(1, 3);  // only a deleted file: never imported
  withdrawn.control_id = "IMP-0004";
  // The correction is stored under an earlier directory entry name order but a later timestamp.
  store(root, first.patient_id, "ADT-00", "20261202100000000", '1', adt_message(corrected, Hl7Charset::iso2022jp));
  store(root, first.patient_id, "ADT-00", "20261201090000000", '1', adt_message(first, Hl7Charset::iso2022jp));
  store(root, second.patient_id, "ADT-00", "20261201090000000", '1', adt_message(second, Hl7Charset::cp932));
  store(root, withdrawn.patient_id, "ADT-00", "20261201090000000", '0', adt_message(withdrawn, Hl7Charset::iso2022jp));
  store(root, second.patient_id, "OMP-01", "20261201090000000", '1', "MSH|^~\\&|not mapped\r");

  const std::vector<std::string> import{"import", "ssmix2", root.string(), "--data", gateway.data_dir().string()};
  RunResult run = run_socialrx(import);
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  EXPECT_EQ(count_line(run.out),
            "imported 3, already there 0, data errors 0, rejected 0, not stored 0, unreadable files 0, "
            "deleted (flag 0) 1, kinds not mapped 1");
  EXPECT_NE(run.err.find("100%  3/3 files"), std::string::npos) << run.err;

  run = run_socialrx(import);  // safe to re-run
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  EXPECT_EQ(count_line(run.out).substr(0, 34), "imported 0, already there 3, data ");

  // A broken file (no PID-3) fails visibly and is kept for `socialrx reprocess`.
  AdtPatient broken = numbered_patient(1, 5);
  broken.control_id = "IMP-0005";
  std::string bytes = adt_message(broken, Hl7Charset::utf8);
  bytes.replace(bytes.find(broken.patient_id + "^^^^PI"), broken.patient_id.size() + 6, "");
  store(root, broken.patient_id, "ADT-00", "20261201090000000", '1', bytes);
  run = run_socialrx(import);
  EXPECT_EQ(run.exit_code, 1) << run.err << run.out;
  EXPECT_EQ(count_line(run.out).substr(0, 47), "imported 0, already there 3, data errors 1, rej");
  EXPECT_NE(run.err.find("socialrx reprocess --channel ssmix2-import"), std::string::npos) << run.err;

  gateway.start();
  HttpClient client = gateway.client();
  const auto patient = [&](const std::string& id) {
    const HttpResponse response =
        client.get("/fhir/Patient?identifier=" + std::string(kPatientIdSystem) + "%7C" + id);
    EXPECT_EQ(response.status, 200);
    auto parsed = fhir::json::parse(response.body);
    return std::move(*parsed.document);
  };
  {
    const fhir::json::Document found = patient(first.patient_id);
    const fhir::json::Value* entries = found.root().find("entry");
    ASSERT_NE(entries, nullptr);
    ASSERT_EQ(entries->size(), 1u);
    const fhir::json::Value& resource = *entries->items()[0].find("resource");
    // Applied in storage order: the correction last.
    EXPECT_EQ(resource.find("address")->items()[0].string_at("text"), "栃木県宇都宮市本町４－５");
  }
  EXPECT_EQ(patient(second.patient_id).root().find("entry")->size(), 1u);
  EXPECT_EQ(patient(withdrawn.patient_id).root().find("entry"), nullptr) << "a deleted file was imported";
  EXPECT_EQ(gateway.stop(), 0);
}

}  // namespace
}  // namespace socialrx::testing
