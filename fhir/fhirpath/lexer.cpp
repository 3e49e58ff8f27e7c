#include "fhir/fhirpath/lexer.hpp"

namespace socialrx::fhir::fhirpath {
namespace {

bool is_identifier_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_identifier_char(char c) { return is_identifier_start(c) || (c >= '0' && c <= '9'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Appends the UTF-8 form of a code point (from a \uXXXX escape).
void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  LexResult run() {
    LexResult result;
    while (true) {
      skip_space_and_comments();
      if (!error_.empty()) break;
      if (pos_ >= text_.size()) {
        result.tokens.push_back({TokenKind::end, "", static_cast<std::uint32_t>(pos_)});
        break;
      }
      Token token;
      if (!next(token)) break;
      result.tokens.push_back(std::move(token));
    }
    result.error = error_;
    result.error_position = static_cast<std::uint32_t>(error_pos_);
    return result;
  }

 private:
  void fail(std::size_t at, std::string message) {
    if (error_.empty()) {
      error_ = std::move(message);
      error_pos_ = at;
    }
  }

  void skip_space_and_comments() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        ++pos_;
      } else if (text_.substr(pos_, 2) == "//") {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (text_.substr(pos_, 2) == "/*") {
        std::size_t close = text_.find("*/", pos_ + 2);
        if (close == std::string_view::npos) {
          fail(pos_, "unterminated comment");
          return;
        }
        pos_ = close + 2;
      } else {
        return;
      }
    }
  }

  // A quoted run ('…' or `…`) with FHIRPath escapes; pos_ is at the opening quote.
  bool quoted(char quote, std::string& out) {
    std::size_t start = pos_;
    ++pos_;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == quote) {
        ++pos_;
        return true;
      }
      if (c == '\\') {
        if (pos_ + 1 >= text_.size()) break;
        char e = text_[pos_ + 1];
        pos_ += 2;
        switch (e) {
          case '\'': out.push_back('\''); break;
          case '"': out.push_back('"'); break;
          case '`': out.push_back('`'); break;
          case '\\': out.push_back('\\'); break;
          case '/': out.push_back('/'); break;
          case 'f': out.push_back('\f'); break;
          case 'n': out.push_back('\n'); break;
          case 'r': out.push_back('\r'); break;
          case 't': out.push_back('\t'); break;
          case 'u': {
            if (pos_ + 4 > text_.size()) {
              fail(pos_ - 2, "incomplete \\u escape");
              return false;
            }
            std::uint32_t cp = 0;
            for (int i = 0; i < 4; ++i) {
              char h = text_[pos_ + static_cast<std::size_t>(i)];
              cp <<= 4;
              if (h >= '0' && h <= '9') cp |= static_cast<std::uint32_t>(h - '0');
              else if (h >= 'a' && h <= 'f') cp |= static_cast<std::uint32_t>(h - 'a' + 10);
              else if (h >= 'A' && h <= 'F') cp |= static_cast<std::uint32_t>(h - 'A' + 10);
              else {
                fail(pos_ - 2, "bad \\u escape");
                return false;
              }
            }
            append_utf8(out, cp);
            pos_ += 4;
            break;
          }
          default:
            fail(pos_ - 2, std::string("unknown escape \\") + e);
            return false;
        }
        continue;
      }
      out.push_back(c);
      ++pos_;
    }
    fail(start, quote == '\'' ? "unterminated string" : "unterminated delimited identifier");
    return false;
  }

  bool next(Token& token) {
    token.position = static_cast<std::uint32_t>(pos_);
    char c = text_[pos_];
    if (c == '\'') {
      token.kind = TokenKind::string;
      return quoted('\'', token.text);
    }
    if (c == '`') {
      token.kind = TokenKind::delimited_identifier;
      return quoted('`', token.text);
    }
    if (is_identifier_start(c)) {
      std::size_t start = pos_;
      while (pos_ < text_.size() && is_identifier_char(text_[pos_])) ++pos_;
      token.kind = TokenKind::identifier;
      token.text = std::string(text_.substr(start, pos_ - start));
      return true;
    }
    if (is_digit(c)) {
      std::size_t start = pos_;
      while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
      // A '.' belongs to the number only when a digit follows (1.foo() is not a decimal).
      if (pos_ + 1 < text_.size() && text_[pos_] == '.' && is_digit(text_[pos_ + 1])) {
        ++pos_;
        while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
      }
      token.kind = TokenKind::number;
      token.text = std::string(text_.substr(start, pos_ - start));
      return true;
    }
    if (c == '@') {
      std::size_t start = ++pos_;
      // Date/time characters; the parser checks the form.
      while (pos_ < text_.size()) {
        char d = text_[pos_];
        // A '.' is a fraction of seconds only when a digit follows (@2024-01.toString()).
        bool fraction = d == '.' && pos_ + 1 < text_.size() && is_digit(text_[pos_ + 1]);
        if (is_digit(d) || d == '-' || d == ':' || d == 'T' || d == 'Z' || fraction ||
            (d == '+' && pos_ > start)) {
          ++pos_;
        } else {
          break;
        }
      }
      token.kind = TokenKind::date_time;
      token.text = std::string(text_.substr(start, pos_ - start));
      if (token.text.empty()) {
        fail(start - 1, "'@' without a date or time");
        return false;
      }
      return true;
    }
    if (c == '%') {
      ++pos_;
      token.kind = TokenKind::constant;
      if (pos_ < text_.size() && (text_[pos_] == '\'' || text_[pos_] == '`')) {
        return quoted(text_[pos_], token.text);
      }
      std::size_t start = pos_;
      while (pos_ < text_.size() && is_identifier_char(text_[pos_])) ++pos_;
      token.text = std::string(text_.substr(start, pos_ - start));
      if (token.text.empty()) {
        fail(start - 1, "'%' without a name");
        return false;
      }
      return true;
    }
    if (c == '$') {
      std::size_t start = ++pos_;
      while (pos_ < text_.size() && is_identifier_char(text_[pos_])) ++pos_;
      token.kind = TokenKind::special;
      token.text = std::string(text_.substr(start, pos_ - start));
      if (token.text != "this" && token.text != "index" && token.text != "total") {
        fail(start - 1, "unknown special variable $" + token.text);
        return false;
      }
      return true;
    }
    static constexpr std::string_view kTwoChar[] = {"!=", "!~", "<=", ">="};
    for (std::string_view op : kTwoChar) {
      if (text_.substr(pos_, 2) == op) {
        token.kind = TokenKind::symbol;
        token.text = std::string(op);
        pos_ += 2;
        return true;
      }
    }
    static constexpr std::string_view kOneChar = ".[](){},=~<>+-*/|&";
    if (kOneChar.find(c) != std::string_view::npos) {
      token.kind = TokenKind::symbol;
      token.text = std::string(1, c);
      ++pos_;
      return true;
    }
    fail(pos_, std::string("unexpected character '") + c + "'");
    return false;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::string error_;
  std::size_t error_pos_ = 0;
};

}  // namespace

LexResult tokenize(std::string_view text) { return Lexer(text).run(); }

}  // namespace socialrx::fhir::fhirpath
