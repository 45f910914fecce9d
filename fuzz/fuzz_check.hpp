// Shared by the fuzz targets: a property check that names what broke before
// aborting (so the crash log says which property failed), and a strict UTF-8
// validator, since every text the decoders produce must be valid UTF-8.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace fuzz {

inline void check(bool ok, const char* property) {
  if (ok) return;
  std::fprintf(stderr, "property failed: %s\n", property);
  std::abort();
}

// Unicode's table 3-7: no overlong forms, no surrogates, nothing past U+10FFFF.
inline bool is_valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto lead = static_cast<unsigned char>(s[i]);
    std::size_t need = 0;
    unsigned char low = 0x80, high = 0xBF;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      need = 1;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      need = 2;
      if (lead == 0xE0) low = 0xA0;
      if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      need = 3;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;
    } else {
      return false;
    }
    if (s.size() - i <= need) return false;
    for (std::size_t k = 1; k <= need; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if (c < low || c > high) return false;
      low = 0x80, high = 0xBF;
    }
    i += need + 1;
  }
  return true;
}

}  // namespace fuzz
