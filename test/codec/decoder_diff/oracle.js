// The Node.js side of string_decoder_differential. driver.cpp writes one case
// per line and this prints Node's answer for each, one line per case:
//
//   D <encoding> <chunk>,<chunk>,...[,!<last chunk>]
//       Feed each chunk (hex) to one StringDecoder's write(); a chunk marked
//       with '!' goes to end(chunk) instead of a bare end(). Prints what each
//       call returned as hex of its UTF-8 bytes, comma-separated, so the
//       comparison is byte-exact (a lone surrogate prints as U+FFFD, as
//       Buffer.from(text) writes it).
//   N <name in hex>
//       Prints the encoding `new StringDecoder(name)` settles on, or "throws".
'use strict';
const fs = require('fs');
const { StringDecoder } = require('string_decoder');

if (process.argv[2] === '--version') {
  console.log(process.version);
  process.exit(0);
}

const utf8hex = (text) => Buffer.from(text, 'utf8').toString('hex');
const out = [];
for (const line of fs.readFileSync(process.argv[2], 'latin1').split('\n')) {
  if (line === '') continue;
  const [kind, a, b] = line.split(' ');
  if (kind === 'N') {
    try {
      out.push(new StringDecoder(Buffer.from(a, 'hex').toString('latin1')).encoding);
    } catch {
      out.push('throws');
    }
    continue;
  }
  const decoder = new StringDecoder(a);
  const results = [];
  let ended = false;
  for (const chunk of (b ?? '').split(',')) {
    if (chunk.startsWith('!')) {
      results.push(utf8hex(decoder.end(Buffer.from(chunk.slice(1), 'hex'))));
      ended = true;
    } else {
      results.push(utf8hex(decoder.write(Buffer.from(chunk, 'hex'))));
    }
  }
  if (!ended) results.push(utf8hex(decoder.end()));
  out.push(results.join(','));
}
process.stdout.write(out.join('\n') + '\n');
