#pragma once
// Tokens of FHIRPath text (hl7.org/fhirpath, N1 grammar): identifiers (plain and `delimited`),
// 'strings', numbers, @date/@dateTime/@time literals, %constants, $this/$index/$total,
// punctuation and operators. Comments (// and /* */) and whitespace are skipped.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace socialrx::fhir::fhirpath {

enum class TokenKind : std::uint8_t {
  end,
  identifier,           // text: the name (backticks removed)
  delimited_identifier, // `…`: never a keyword
  string,               // text: the unescaped value
  number,               // text: the literal
  date_time,            // text after '@' (date, dateTime or T-time)
  constant,             // text: the name after '%'
  special,              // $this, $index, $total: text without '$'
  symbol,               // . [ ] ( ) { } , = != ~ !~ < <= > >= + - * / | &
};

struct Token {
  TokenKind kind = TokenKind::end;
  std::string text;
  std::uint32_t position = 0;  // 0-based offset in the expression
};

struct LexResult {
  std::vector<Token> tokens;  // ends with an `end` token
  std::string error;          // set on failure
  std::uint32_t error_position = 0;
};

LexResult tokenize(std::string_view text);

}  // namespace socialrx::fhir::fhirpath
