#include "json_strings.hpp"

#include <cstdio>

namespace coronet::net::detail {
namespace {

constexpr int max_depth = 512;

class parser {
 public:
  explicit parser(std::string_view text) : s_(text) {}

  json_result run(std::vector<std::string>& out) {
    skip_space();
    bool top_is_array = peek() == '[';
    bool all_strings = true;
    if (top_is_array) {
      ++p_;
      skip_space();
      if (peek() == ']') {
        ++p_;
      } else {
        for (;;) {
          skip_space();
          if (peek() == '"') {
            std::string item;
            if (!string(&item)) return json_result::syntax_error;
            out.push_back(std::move(item));
          } else {
            all_strings = false;
            if (!value(1)) return json_result::syntax_error;
          }
          skip_space();
          if (peek() == ',') {
            ++p_;
            continue;
          }
          if (peek() == ']') {
            ++p_;
            break;
          }
          return json_result::syntax_error;
        }
      }
    } else if (!value(0)) {
      return json_result::syntax_error;
    }
    skip_space();
    if (p_ != s_.size()) return json_result::syntax_error;
    return top_is_array && all_strings ? json_result::ok : json_result::not_string_array;
  }

 private:
  char peek() const noexcept { return p_ < s_.size() ? s_[p_] : '\0'; }
  bool at_end() const noexcept { return p_ >= s_.size(); }

  void skip_space() noexcept {
    while (!at_end() && (s_[p_] == ' ' || s_[p_] == '\t' || s_[p_] == '\n' || s_[p_] == '\r')) ++p_;
  }

  bool literal(std::string_view word) noexcept {
    if (s_.substr(p_, word.size()) != word) return false;
    p_ += word.size();
    return true;
  }

  bool value(int depth) {
    if (depth > max_depth) return false;
    skip_space();
    switch (peek()) {
      case '"':
        return string(nullptr);
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      case '[':
        return sequence(']', depth);
      case '{':
        return sequence('}', depth);
      default:
        return number();
    }
  }

  // Arrays and objects; for objects each member is "key": value.
  bool sequence(char close, int depth) {
    ++p_;
    skip_space();
    if (peek() == close) return ++p_, true;
    for (;;) {
      skip_space();
      if (close == '}') {
        if (peek() != '"' || !string(nullptr)) return false;
        skip_space();
        if (peek() != ':') return false;
        ++p_;
      }
      if (!value(depth + 1)) return false;
      skip_space();
      if (peek() == ',') {
        ++p_;
        continue;
      }
      if (peek() == close) return ++p_, true;
      return false;
    }
  }

  static bool digit(char c) noexcept { return c >= '0' && c <= '9'; }

  bool number() noexcept {
    if (peek() == '-') ++p_;
    if (peek() == '0') {
      ++p_;
    } else if (digit(peek())) {
      while (digit(peek())) ++p_;
    } else {
      return false;
    }
    if (peek() == '.') {
      ++p_;
      if (!digit(peek())) return false;
      while (digit(peek())) ++p_;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++p_;
      if (peek() == '+' || peek() == '-') ++p_;
      if (!digit(peek())) return false;
      while (digit(peek())) ++p_;
    }
    return true;
  }

  bool hex4(unsigned& out) noexcept {
    if (s_.size() - p_ < 4) return false;
    out = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[p_++];
      unsigned d = c >= '0' && c <= '9'   ? unsigned(c - '0')
                   : c >= 'a' && c <= 'f' ? unsigned(c - 'a' + 10)
                   : c >= 'A' && c <= 'F' ? unsigned(c - 'A' + 10)
                                          : 16;
      if (d == 16) return false;
      out = out * 16 + d;
    }
    return true;
  }

  static void put_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // Reads a string literal; stores it when out is not null.
  bool string(std::string* out) {
    ++p_;  // opening quote
    std::string scratch;
    std::string& text = out ? *out : scratch;
    for (;;) {
      if (at_end()) return false;
      char c = s_[p_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        if (out) text += c;
        continue;
      }
      if (at_end()) return false;
      char e = s_[p_++];
      unsigned cp = 0;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          cp = static_cast<unsigned>(e);
          break;
        case 'b':
          cp = '\b';
          break;
        case 'f':
          cp = '\f';
          break;
        case 'n':
          cp = '\n';
          break;
        case 'r':
          cp = '\r';
          break;
        case 't':
          cp = '\t';
          break;
        case 'u': {
          if (!hex4(cp)) return false;
          // Join a surrogate pair written as two escapes.
          if (cp >= 0xD800 && cp < 0xDC00 && s_.substr(p_, 2) == "\\u") {
            auto save = p_;
            p_ += 2;
            unsigned low = 0;
            if (!hex4(low)) return false;
            if (low >= 0xDC00 && low < 0xE000)
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            else
              p_ = save;
          }
          break;
        }
        default:
          return false;
      }
      if (out) put_utf8(text, cp);
    }
  }

  std::string_view s_;
  std::size_t p_ = 0;
};

}  // namespace

json_result parse_json_string_array(std::string_view text, std::vector<std::string>& out) {
  out.clear();
  return parser(text).run(out);
}

std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace coronet::net::detail
