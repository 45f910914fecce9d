// StringDecoder from node:string_decoder, which socket.setEncoding() uses:
// bytes arrive in chunks, text leaves in chunks, and a character split
// across two chunks comes out whole in the second.
//
// Text is UTF-8 (Node's is UTF-16; the characters are the same): an invalid
// UTF-8 sequence, a lone UTF-16 surrogate and a truncated character at end()
// each become U+FFFD exactly where Node's decoder produces U+FFFD, and each
// write() returns what Node's write() returns for the same chunk.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace coronet::codec {

enum class encoding : std::uint8_t { utf8, utf16le, latin1, ascii, base64, base64url, hex };

// Node's normalizeEncoding: "utf8", "utf-8", "ucs2", "ucs-2", "utf16le",
// "utf-16le", "latin1", "binary", "ascii", "base64", "base64url", "hex", in
// any case. "" means utf8, as `new StringDecoder('')` does. Empty for
// anything else (where Node throws ERR_UNKNOWN_ENCODING).
std::optional<encoding> parse_encoding(std::string_view name) noexcept;

// Node's canonical name: "utf8", "utf16le", "latin1", ...
std::string_view encoding_name(encoding enc) noexcept;

class string_decoder {
 public:
  explicit string_decoder(encoding enc = encoding::utf8) noexcept : enc_(enc) {}

  // decoder.write(bytes): appends the decoded text to `out`, holding back
  // the start of a character (or, for base64, of a 3-byte group) that the
  // next chunk may finish. Appending lets a caller reuse one string.
  void write(std::string_view bytes, std::string& out);

  // decoder.end(): appends what was held back (U+FFFD for an incomplete
  // character; base64 with its padding) and resets the decoder for reuse.
  void end(std::string& out);
  // decoder.end(bytes): write(bytes), then end().
  void end(std::string_view bytes, std::string& out);

  encoding enc() const noexcept { return enc_; }

 private:
  void decode(std::string_view bytes, std::string& out) const;
  std::size_t bytes_to_hold(std::string_view body) noexcept;

  encoding enc_;
  // Node's state: the start of an unfinished character and how many bytes
  // it still waits for. Never more than 4 bytes in all.
  char held_[4]{};
  std::uint8_t held_size_ = 0;
  std::uint8_t missing_ = 0;
};

}  // namespace coronet::codec

namespace coronet::net {
// socket.setEncoding() takes these: net::encoding and net::string_decoder
// keep compiling.
using codec::encoding;
using codec::encoding_name;
using codec::parse_encoding;
using codec::string_decoder;
}  // namespace coronet::net
