#pragma once
// One directory row → the FHIR resources it stands for (the model of directory_model.hpp).
// Pure: no storage, no I/O. The ids are given by the caller (the importer resolves them by
// identifier inside its write transaction), so the same function serves validation before the
// write (with placeholder ids) and the write itself.

#include <string>

#include "gateway/directory/directory_row.hpp"

namespace socialrx::gateway::directory {

struct ResourceIds {
  std::string organization;
  std::string endpoint;  // used only for full recipients
  std::string site;
  std::string area;
  std::string service;
  // The site's managingOrganization: the organization of the first row naming the site (several
  // organizations may share one building, e.g. a city hall); empty = `organization`.
  std::string site_organization;
};

// Each member is the resource's JSON (no id, no meta); endpoint is empty for a light recipient.
struct RowResources {
  std::string organization;
  std::string endpoint;
  std::string site;
  std::string area;
  std::string service;
};

RowResources build_resources(const DirectoryRow& row, const ResourceIds& ids);

}  // namespace socialrx::gateway::directory
