// The Node.js side of string_encoder_differential. driver.cpp writes one case
// per line and this prints, one line per case, the hex of what Node's
// Buffer.from(text, encoding) returns:
//
//   <encoding> <code point>.<code point>...
//       The text as code points in hex ("" for the empty string). Code
//       points keep the text exact: the driver never sends a surrogate.
'use strict';
const fs = require('fs');

if (process.argv[2] === '--version') {
  console.log(process.version);
  process.exit(0);
}

const out = [];
for (const line of fs.readFileSync(process.argv[2], 'latin1').split('\n')) {
  if (line === '') continue;
  const [encoding, points = ''] = line.split(' ');
  const text = points === '' ? '' : String.fromCodePoint(...points.split('.').map((p) => parseInt(p, 16)));
  out.push(Buffer.from(text, encoding).toString('hex'));
}
process.stdout.write(out.join('\n') + '\n');
