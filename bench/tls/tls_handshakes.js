// A fresh-connection TLS load for bench/tls/compare.sh --handshakes: CONNS
// loops, each connecting anew (full TLS 1.3 handshake, AES-128-GCM, no
// session reuse), doing one SIZE-byte round trip and closing, for SECONDS.
// Prints "connections ms" when the last loop has closed.
'use strict';
const tls = require('node:tls');
const fs = require('node:fs');
const [port, caFile, conns, seconds, size] = process.argv.slice(2);
const ca = fs.readFileSync(caFile);
const message = Buffer.alloc(Number(size || 64), 'm');
const start = process.hrtime.bigint();
const stopAt = start + BigInt(Math.round(Number(seconds) * 1e9));
let done = 0, open = Number(conns);
function one() {
  if (process.hrtime.bigint() >= stopAt) {
    if (--open === 0) console.log(done, Number(process.hrtime.bigint() - start) / 1e6);
    return;
  }
  const s = tls.connect({ port: Number(port), host: '127.0.0.1', servername: 'localhost', ca,
                          ciphers: 'TLS_AES_128_GCM_SHA256', minVersion: 'TLSv1.3' }, () => s.write(message));
  let have = 0;
  s.on('data', (d) => {
    have += d.length;
    if (have >= message.length) s.end();
  });
  s.on('error', (e) => { console.error(e.code); process.exit(1); });
  s.on('close', () => { ++done; one(); });
}
for (let i = 0; i < Number(conns); i++) one();
