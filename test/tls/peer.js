// Node 26's side of the TLS interop tests. Usage:
//   node peer.js client PORT CERTS  two connections to a coronet server:
//       the first with a client certificate, SNI "localhost" and ALPN,
//       sends 16 MiB, ends its side and reads to the server's end; the
//       second resumes the first's session. Prints one JSON line.
//   node peer.js server CERTS       a server (client certificates asked
//       for, ALPN h2 and http/1.1, allowHalfOpen) on 127.0.0.1:0; prints
//       the port, then for each of two connections reads to the client's
//       end and answers with a JSON line of what it saw, then ends.
//   node peer.js sni PORT CERTS     tls.connect({servername}) to a coronet
//       server for each of other.test, localhost, unknown.test in turn;
//       prints one JSON line: servername -> [subject CN, authorized].
'use strict';
const tls = require('node:tls');
const fs = require('node:fs');
const crypto = require('node:crypto');
const [mode, a, b] = process.argv.slice(2);
const file = (dir, name) => fs.readFileSync(dir + '/' + name);
const total = 16 << 20;
function pattern(at, n) {  // the same bytes as the C++ side's pattern()
  const buf = Buffer.alloc(n);
  for (let i = 0; i < n; i++) { const j = at + i; buf[i] = (j * 31 + Math.floor(j / 7919)) % 251; }
  return buf;
}

if (mode === 'client') {
  const port = Number(a), dir = b;
  const opts = { port, host: '127.0.0.1', servername: 'localhost', ca: file(dir, 'ca.crt'),
                 key: file(dir, 'client.key'), cert: file(dir, 'client.crt'), ALPNProtocols: ['http/1.1'] };
  const out = {};
  let session;
  const s = tls.connect(opts, () => {
    out.authorized = s.authorized;
    out.alpn = s.alpnProtocol;
    out.protocol = s.getProtocol();
    for (let at = 0; at < total; at += 65536) s.write(pattern(at, 65536));
    s.end();
  });
  s.on('session', (sess) => { session = sess; });
  const hash = crypto.createHash('sha256');
  let got = 0;
  s.on('data', (d) => { got += d.length; hash.update(d); });
  s.on('end', () => { out.got = got; out.sha256 = hash.digest('hex'); });
  s.on('error', (e) => { out.error = e.code; });
  s.on('close', () => {
    const again = tls.connect({ ...opts, session }, () => {
      out.reused = again.isSessionReused();
      again.end();
    });
    again.on('data', () => {});
    again.on('error', (e) => { out.error2 = e.code; });
    again.on('close', () => { console.log(JSON.stringify(out)); });
  });
} else if (mode === 'server') {
  const dir = a;
  let left = 2;
  const srv = tls.createServer({ key: file(dir, 'server.key'), cert: file(dir, 'server.crt'), ca: file(dir, 'ca.crt'),
                                 requestCert: true, ALPNProtocols: ['h2', 'http/1.1'], allowHalfOpen: true }, (c) => {
    const hash = crypto.createHash('sha256');
    let got = 0;
    c.on('data', (d) => { got += d.length; hash.update(d); });
    c.on('end', () => {
      const cert = c.getPeerCertificate();
      c.end(JSON.stringify({ got, sha256: hash.digest('hex'), servername: c.servername, alpn: c.alpnProtocol,
                             authorized: c.authorized, client: cert.subject ? cert.subject.CN : null,
                             reused: c.isSessionReused() }));
      if (--left === 0) srv.close();
    });
  });
  srv.listen(0, '127.0.0.1', () => { console.log(srv.address().port); });
} else if (mode === 'sni') {
  const port = Number(a), dir = b;
  const names = ['other.test', 'localhost', 'unknown.test'];
  const out = {};
  const next = (i) => {
    if (i === names.length) { console.log(JSON.stringify(out)); return; }
    const s = tls.connect({ port, host: '127.0.0.1', servername: names[i], ca: file(dir, 'ca.crt'),
                            rejectUnauthorized: false }, () => {
      out[names[i]] = [s.getPeerCertificate().subject.CN, s.authorized];
      s.end();
    });
    s.on('data', () => {});
    s.on('error', (e) => { out[names[i]] = [e.code, false]; });
    s.on('close', () => next(i + 1));
  };
  next(0);
} else {
  process.exit(2);
}
