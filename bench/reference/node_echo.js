// node_echo: the echo server in Node's own net module, where coronet's API
// comes from. Run with Node 26: "$(scripts/node26.sh)" bench/reference/node_echo.js PORT
'use strict';
const net = require('node:net');
const port = Number(process.argv[2] || 7000);
net.createServer({ noDelay: true }, (socket) => {
  socket.on('error', () => {});  // a client that resets is not our failure
  socket.pipe(socket);
}).listen(port, '127.0.0.1');
