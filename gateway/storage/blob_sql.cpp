#include "gateway/storage/blob_sql.hpp"

namespace socialrx::gateway::storage {
namespace {

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 0;
}

std::string unhex(std::string_view digits) {
  std::string out;
  out.reserve(digits.size() / 2);
  for (std::size_t i = 0; i + 1 < digits.size(); i += 2) {
    out += static_cast<char>(nibble(digits[i]) * 16 + nibble(digits[i + 1]));
  }
  return out;
}

std::string text(const SqlValue& value) {
  return std::holds_alternative<std::string>(value) ? std::get<std::string>(value) : std::string();
}

}  // namespace

std::string blob_parameter(Backend backend) {
  return backend == Backend::sqlite ? "CAST(? AS BLOB)" : "decode(?, 'hex')";
}

SqlValue blob_value(Backend backend, std::string_view bytes) {
  return backend == Backend::sqlite ? std::string(bytes) : hex(bytes);
}

std::string blob_column(Backend backend, std::string_view column) {
  return backend == Backend::sqlite ? std::string(column) : "encode(" + std::string(column) + ", 'hex')";
}

std::string blob_bytes(Backend backend, const SqlValue& value) {
  return backend == Backend::sqlite ? text(value) : unhex(text(value));
}

}  // namespace socialrx::gateway::storage
