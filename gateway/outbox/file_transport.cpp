#include "gateway/outbox/file_transport.hpp"

#include <fcntl.h>
#include <openssl/sha.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

namespace socialrx::gateway::outbox {
namespace {

constexpr std::size_t kMaxKeyChars = 100;

bool is_safe(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

std::string extension_for(std::string_view content_type) {
  if (content_type.find("hl7-v2") != std::string_view::npos) return ".hl7";
  if (content_type.find("json") != std::string_view::npos) return ".json";
  if (content_type.find("xml") != std::string_view::npos) return ".xml";
  return ".dat";
}

// A name that stays inside the directory and is not a temporary one.
bool is_valid_file_name(std::string_view name) {
  if (name.empty() || name.size() > 255 || name.front() == '.') return false;
  for (const char c : name) {
    if (c == '/' || c == '\0') return false;
  }
  return true;
}

std::string errno_text(const char* step) { return std::string("file: ") + step + ": " + std::strerror(errno); }

// Closes a descriptor on every path out.
struct Descriptor {
  int fd = -1;
  ~Descriptor() {
    if (fd >= 0) ::close(fd);
  }
};

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

std::string random_suffix() {
  thread_local std::mt19937_64 generator(std::random_device{}());
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string suffix;
  std::uint64_t value = generator();
  for (int i = 0; i < 12; ++i, value >>= 4) suffix.push_back(kDigits[value & 15]);
  return suffix;
}

}  // namespace

std::string file_name_for(std::string_view idempotency_key, std::string_view content_type) {
  std::string name;
  for (std::size_t i = 0; i < idempotency_key.size() && name.size() < kMaxKeyChars; ++i) {
    name.push_back(is_safe(idempotency_key[i]) ? idempotency_key[i] : '_');
  }
  while (!name.empty() && name.front() == '.') name.front() = '_';  // never a hidden name
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(idempotency_key.data()), idempotency_key.size(),
         digest);
  static constexpr char kDigits[] = "0123456789abcdef";
  name.push_back('-');
  for (int i = 0; i < 8; ++i) {
    name.push_back(kDigits[digest[i] >> 4]);
    name.push_back(kDigits[digest[i] & 15]);
  }
  return name + extension_for(content_type);
}

DeliveryOutcome FileTransport::send(const Delivery& delivery) {
  DeliveryOutcome outcome;
  outcome.verdict = DeliveryOutcome::Verdict::reject;
  std::string_view destination = delivery.destination;
  if (!destination.starts_with("file:///")) {
    outcome.reason = "not a file:/// destination";
    return outcome;
  }
  destination.remove_prefix(7);  // keep the leading "/"
  std::string directory(destination);
  while (directory.size() > 1 && directory.ends_with('/')) directory.pop_back();
  if (directory.find("/../") != std::string::npos || directory.ends_with("/..")) {
    outcome.reason = "the destination directory must not contain '..'";
    return outcome;
  }
  const std::string name = delivery.path.empty()
                               ? file_name_for(delivery.idempotency_key, delivery.content_type)
                               : delivery.path;
  if (!is_valid_file_name(name)) {
    outcome.reason = "the file name is empty, hidden, too long or has a '/'";
    return outcome;
  }
  const std::string prefix = directory == "/" ? directory : directory + "/";
  const std::string final_path = prefix + name;
  const std::string temporary_path = prefix + "." + name + ".tmp-" + random_suffix();

  // From here on every failure is an I/O problem someone can fix: retry.
  outcome.verdict = DeliveryOutcome::Verdict::retry;
  {
    Descriptor file;
    file.fd = ::open(temporary_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (file.fd < 0) {
      outcome.reason = errno_text("create a temporary file in the destination directory");
      return outcome;
    }
    const char* failed = nullptr;
    if (!write_all(file.fd, delivery.body)) {
      failed = "write";
    } else if (::fsync(file.fd) != 0) {
      failed = "fsync";
    }
    if (failed == nullptr) {
      const int fd = file.fd;
      file.fd = -1;
      if (::close(fd) != 0) failed = "close";
    }
    if (failed != nullptr) {
      outcome.reason = errno_text(failed);
      ::unlink(temporary_path.c_str());
      return outcome;
    }
  }
  if (::rename(temporary_path.c_str(), final_path.c_str()) != 0) {
    outcome.reason = errno_text("rename");
    ::unlink(temporary_path.c_str());
    return outcome;
  }
  // The rename is durable only once the directory is.
  Descriptor directory_fd;
  directory_fd.fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (directory_fd.fd < 0 || ::fsync(directory_fd.fd) != 0) {
    outcome.reason = errno_text("fsync the directory");
    return outcome;
  }
  outcome.verdict = DeliveryOutcome::Verdict::delivered;
  outcome.reason = "written";
  return outcome;
}

}  // namespace socialrx::gateway::outbox
