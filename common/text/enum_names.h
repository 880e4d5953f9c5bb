// Names of the enumerators of a contiguous enum (values 0..N-1, as declared) from one table in
// declaration order: the one way this code base turns an enum into its wire / log / metric name.
#pragma once

#include <cstddef>
#include <string_view>

namespace joinguard::text {

// names[value], or `fallback` for a value outside the table (a cast from a bad integer).
template <typename Enum, size_t N>
constexpr std::string_view EnumName(Enum value, const std::string_view (&names)[N],
                                    std::string_view fallback) {
  const auto index = static_cast<size_t>(value);
  return index < N ? names[index] : fallback;
}

}  // namespace joinguard::text
