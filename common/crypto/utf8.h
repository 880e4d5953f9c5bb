// UTF-8 decoding with Go's rules (unicode/utf8): surrogates, overlong forms and code points
// above U+10FFFF are invalid. Shared by GoQuote (encoding.h) and the x509 string checks (csr.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace joinguard::crypto {

// Length of the valid UTF-8 sequence starting at s[i] (1..4), with its code point in *rune; 0
// when the bytes there are not valid UTF-8 (Go's utf8.DecodeRune returning RuneError of width 1).
size_t DecodeUtf8(std::string_view s, size_t i, uint32_t* rune);

// Every byte of s belongs to a valid UTF-8 sequence (Go's utf8.ValidString).
bool IsValidUtf8(std::string_view s);

}  // namespace joinguard::crypto
