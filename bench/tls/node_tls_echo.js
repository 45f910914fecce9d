// Node 26's TLS echo server, the reference for bench/tls/compare.sh.
'use strict';
const tls = require('node:tls');
const fs = require('node:fs');
const [key, cert] = process.argv.slice(2);
const srv = tls.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (s) => s.pipe(s));
srv.listen(0, '127.0.0.1', () => console.log('node_tls_echo: listening on 127.0.0.1:' + srv.address().port));
