// A TLS echo load for bench/tls/compare.sh: CONNS connections, each doing
// ROUNDS sequential round trips of SIZE bytes (TLS 1.3, AES-128-GCM).
// Prints the wall time in ms.
'use strict';
const tls = require('node:tls');
const fs = require('node:fs');
const [port, ca, conns, rounds, size] = process.argv.slice(2);
const message = Buffer.alloc(Number(size), 'm');
let open = Number(conns);
const start = process.hrtime.bigint();
for (let i = 0; i < Number(conns); i++) {
  const s = tls.connect({ port: Number(port), host: '127.0.0.1', servername: 'localhost', ca: fs.readFileSync(ca),
                          ciphers: 'TLS_AES_128_GCM_SHA256' }, () => s.write(message));
  let have = 0, left = Number(rounds);
  s.on('data', (d) => {
    have += d.length;
    if (have < message.length) return;
    have = 0;
    if (--left === 0) { s.end(); return; }
    s.write(message);
  });
  s.on('close', () => {
    if (--open === 0) console.log(Number(process.hrtime.bigint() - start) / 1e6);
  });
}
