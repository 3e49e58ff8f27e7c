#include "gateway/rest/bundle_writer.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace socialrx::gateway::rest {

struct BundleWriter::Impl {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer{buffer};
  bool links_open = false;
  bool entries_open = false;

  void string(std::string_view text) {
    writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  }
  void key(std::string_view text) {
    writer.Key(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  }
  void member(std::string_view name, std::string_view value) {
    if (value.empty()) return;
    key(name);
    string(value);
  }
  void raw(std::string_view name, std::string_view json) {
    key(name);
    writer.RawValue(json.data(), json.size(), rapidjson::kObjectType);
  }
  void close_links() {
    if (links_open) writer.EndArray();
    links_open = false;
  }
};

BundleWriter::BundleWriter(std::string_view type) : impl_(std::make_unique<Impl>()) {
  impl_->writer.StartObject();
  impl_->member("resourceType", "Bundle");
  impl_->member("type", type);
}

BundleWriter::~BundleWriter() = default;

void BundleWriter::total(std::int64_t count) {
  impl_->key("total");
  impl_->writer.Int64(count);
}

void BundleWriter::link(std::string_view relation, std::string_view url) {
  if (!impl_->links_open) {
    impl_->key("link");
    impl_->writer.StartArray();
    impl_->links_open = true;
  }
  impl_->writer.StartObject();
  impl_->member("relation", relation);
  impl_->member("url", url);
  impl_->writer.EndObject();
}

void BundleWriter::entry(const Entry& entry) {
  impl_->close_links();
  if (!impl_->entries_open) {
    impl_->key("entry");
    impl_->writer.StartArray();
    impl_->entries_open = true;
  }
  auto& w = impl_->writer;
  w.StartObject();
  impl_->member("fullUrl", entry.full_url);
  if (!entry.resource.empty()) impl_->raw("resource", entry.resource);
  if (!entry.search_mode.empty()) {
    impl_->key("search");
    w.StartObject();
    impl_->member("mode", entry.search_mode);
    w.EndObject();
  }
  if (!entry.request_method.empty()) {
    impl_->key("request");
    w.StartObject();
    impl_->member("method", entry.request_method);
    impl_->member("url", entry.request_url);
    w.EndObject();
  }
  if (!entry.response_status.empty()) {
    impl_->key("response");
    w.StartObject();
    impl_->member("status", entry.response_status);
    impl_->member("location", entry.response_location);
    impl_->member("etag", entry.response_etag);
    impl_->member("lastModified", entry.response_last_modified);
    if (!entry.response_outcome.empty()) impl_->raw("outcome", entry.response_outcome);
    w.EndObject();
  }
  w.EndObject();
}

std::string BundleWriter::finish() {
  impl_->close_links();
  if (impl_->entries_open) impl_->writer.EndArray();
  impl_->writer.EndObject();
  return std::string(impl_->buffer.GetString(), impl_->buffer.GetSize());
}

}  // namespace socialrx::gateway::rest
