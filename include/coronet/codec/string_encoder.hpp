// Buffer.from(string, encoding) from node:buffer, which socket.write(data,
// encoding) and socket.end(data, encoding) use to turn a string into bytes.
//
// Node's strings are UTF-16 and coronet's are UTF-8, so encode() first reads
// `text` as the UTF-16 code units Node would hold for it: a character past
// U+FFFF is two units (a surrogate pair), and every encoding that looks at
// single units (latin1, ascii, hex, base64) sees those two units, as Node
// does. A Node string cannot hold invalid UTF-8; here each byte of `text`
// that does not belong to a well-formed UTF-8 sequence stands for U+FFFD.
// (string_decoder is coarser: there a cut-short sequence such as E2 82 is a
// single U+FFFD, as WHATWG decoding has it. Here it is two.)
#pragma once

#include <coronet/codec/string_decoder.hpp>  // encoding, parse_encoding()

#include <string>
#include <string_view>

namespace coronet::codec {

// Appends the bytes Node's Buffer.from(text, enc) gives for `text` to `out`:
//
//   utf8       the UTF-8 of `text`, invalid bytes written as EF BF BD.
//   utf16le    each code unit, low byte first.
//   latin1     the low byte of each code unit ("binary" is the same, and so
//   ascii      is "ascii": Node does not clear the top bit when writing).
//   hex        a byte per pair of hex digits (either case), stopping at the
//              first pair that is not two hex digits; an odd last digit is
//              dropped.
//   base64,    lenient, as Node is: either alphabet in either encoding ('+'
//   base64url  and '-' are 62, '/' and '_' are 63), other characters skipped
//              (whitespace, punctuation, anything non-ASCII whose low byte is
//              not itself a base64 character), decoding stops at the first
//              '=', and a final group of 2 or 3 characters gives 1 or 2
//              bytes whether or not padding follows.
//
// Node judges hex digits, base64 characters and '=' by each code unit's low
// byte, so U+0141 counts as 'A' and U+013D as '='; so does this. Never throws
// except std::bad_alloc.
void encode(std::string_view text, encoding enc, std::string& out);

}  // namespace coronet::codec

namespace coronet::net {
// socket.write(text, encoding) uses it: net::encode keeps compiling.
using codec::encode;
}  // namespace coronet::net
