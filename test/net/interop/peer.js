// Node's side of the interop tests. Usage:
//   node peer.js client PORT   connect, send "hello from node", end our side,
//                              print what came back (after the server's FIN)
//   node peer.js server        listen on 127.0.0.1:0 with allowHalfOpen, print
//                              the port; for each connection read everything
//                              until the client ends, then answer
//                              "node got: <bytes>" and end; exit after one
'use strict';
const net = require('node:net');
const [mode, port] = process.argv.slice(2);

if (mode === 'client') {
  const s = net.connect({ port: Number(port), host: '127.0.0.1' });
  let got = '';
  s.setEncoding('utf8');
  s.on('connect', () => { s.write('hello from node'); s.end(); });
  s.on('data', (d) => { got += d; });
  s.on('end', () => { console.log(JSON.stringify({ got })); });
  s.on('error', (e) => { console.log(JSON.stringify({ error: e.code })); process.exitCode = 1; });
} else if (mode === 'server') {
  const srv = net.createServer({ allowHalfOpen: true }, (c) => {
    let got = '';
    c.on('data', (d) => { got += d; });
    c.on('end', () => { c.end('node got: ' + got); srv.close(); });
  });
  srv.listen(0, '127.0.0.1', () => { console.log(srv.address().port); });
} else {
  process.exit(2);
}
