#include "fhir/reference.hpp"

#include <gtest/gtest.h>

namespace socialrx::fhir {
namespace {

TEST(Reference, Forms) {
  auto relative = parse_reference("Patient/123");
  EXPECT_EQ(relative.form, ReferenceForm::relative);
  EXPECT_EQ(relative.resource_type, "Patient");
  EXPECT_EQ(relative.id, "123");

  auto versioned = parse_reference("Task/t-1/_history/7");
  EXPECT_EQ(versioned.form, ReferenceForm::relative);
  EXPECT_EQ(versioned.id, "t-1");
  EXPECT_EQ(versioned.version, "7");

  auto absolute = parse_reference("https://hub.example.jp/fhir/ServiceRequest/sr1");
  EXPECT_EQ(absolute.form, ReferenceForm::absolute);
  EXPECT_EQ(absolute.base, "https://hub.example.jp/fhir");
  EXPECT_EQ(absolute.resource_type, "ServiceRequest");

  EXPECT_EQ(parse_reference("https://example.org/some/page").form, ReferenceForm::other_url);
  EXPECT_EQ(parse_reference("#c1").form, ReferenceForm::local);
  EXPECT_EQ(parse_reference("#").form, ReferenceForm::local);
  EXPECT_EQ(parse_reference("urn:uuid:c757873d-ec9a-4326-a141-556f43239520").form,
            ReferenceForm::uuid);
  EXPECT_EQ(parse_reference("urn:oid:1.2.3").form, ReferenceForm::oid);

  auto conditional = parse_reference("Patient?identifier=urn:oid:1.2|0000123456");
  EXPECT_EQ(conditional.form, ReferenceForm::conditional);
  EXPECT_EQ(conditional.query, "identifier=urn:oid:1.2|0000123456");
  // A URL inside the query does not make the reference a URL.
  auto with_url = parse_reference("Organization?identifier=http://jpfhir.jp/fhir/core/IdSystem/insurance-medical-institution-no|9910000001");
  EXPECT_EQ(with_url.form, ReferenceForm::conditional);
  EXPECT_EQ(with_url.resource_type, "Organization");
  EXPECT_EQ(parse_reference("https://example.org/fhir/Patient?identifier=x|1").form, ReferenceForm::other_url);
}

TEST(Reference, Malformed) {
  for (const char* bad : {"", "Patient", "Patient/", "Unicorn/1", "Patient/1/2", "Patient/a b",
                          "urn:uuid:XYZ", "#bad id", "Resource/1", "Patient/1/_history/",
                          "Patient?"}) {
    auto parts = parse_reference(bad);
    EXPECT_EQ(parts.form, ReferenceForm::invalid) << bad;
    EXPECT_FALSE(parts.problem.empty()) << bad;
  }
}

}  // namespace
}  // namespace socialrx::fhir
