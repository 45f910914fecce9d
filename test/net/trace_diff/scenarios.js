// Event traces of small node:net scenarios, one event a line, for the
// differential test: `node scenarios.js NAME` prints NAME's trace, and
// driver.cpp runs the C++ twin of each scenario and compares line by line.
// Ports and timings never appear in a trace, so the lines are stable.
'use strict';
const net = require('net');

const fs = require('fs');
const log = (line) => fs.writeSync(1, `${line}\n`);  // synchronous: nothing lost at exit
const watch = (s, who, events) => {
  for (const e of events) {
    s.on(e, (a) => {
      if (e === 'data') log(`${who} data ${a}`);
      else if (e === 'error') log(`${who} error ${a.code}`);
      else if (e === 'close') log(`${who} close ${a === true}`);
      else log(`${who} ${e}`);
    });
  }
};
const socketEvents = ['connect', 'ready', 'data', 'end', 'finish', 'error', 'close', 'timeout', 'drain'];

// A loopback server; `onConn` gets each connection; `then(port)` once listening.
function serve(onConn, then, options = {}) {
  const srv = net.createServer(options, (s) => {
    s.on('error', () => {});  // a reset peer is not part of the trace
    onConn(s);
  });
  srv.listen(0, '127.0.0.1', () => then(srv, srv.address().port));
  return srv;
}

const scenarios = {
  'server-ends'() {
    serve((c) => c.end('hi'), (srv, port) => {
      const c = net.connect(port, '127.0.0.1');
      c.setEncoding('utf8');
      watch(c, 'client', socketEvents);
      c.on('close', () => srv.close());
    });
  },
  'refused'() {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const port = probe.address().port;
      probe.close(() => {
        const c = net.connect(port, '127.0.0.1');
        watch(c, 'client', socketEvents);
      });
    });
  },
  'client-ends-first'() {
    serve((s) => {
      s.setEncoding('utf8');
      // Not the server's close: when it comes against the client's end is a
      // race between two sockets, not part of either one's contract.
      watch(s, 'server', ['data', 'end', 'finish']);
    }, (srv, port) => {
      const c = net.connect(port, '127.0.0.1', () => c.end('bye'));
      watch(c, 'client', socketEvents);
      c.on('close', () => srv.close());
    });
  },
  'half-open'() {
    serve((s) => s.end('half'), (srv, port) => {
      const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
      c.setEncoding('utf8');
      watch(c, 'client', socketEvents);
      c.on('end', () => c.end());
      c.on('close', () => srv.close());
    }, { allowHalfOpen: false });
  },
  'reset-unconnected'() {
    const c = new net.Socket();
    c.on('error', (e) => log(`client error ${e.code}`));
    c.on('close', () => log('client close'));
    c.resetAndDestroy();
  },
  'server-close-order'() {
    serve(() => {}, (srv) => {
      srv.on('close', () => log('server close listener 1'));
      srv.close((e) => log(`server close callback ${e ? e.code : 'ok'}`));
      srv.on('close', () => log('server close listener 2'));
    });
  },
  'write-after-end-epipe'() {
    serve((s) => s.end(), (srv, port) => {
      const c = net.connect(port, '127.0.0.1');
      watch(c, 'client', ['end', 'error', 'close']);
      c.on('end', () => {
        c.end();
        c.write('x', (e) => log(`client write cb ${e ? e.code : 'ok'}`));
      });
      c.on('close', () => srv.close());
    });
  },
  'end-callback'() {
    serve((s) => s.resume(), (srv, port) => {
      const c = net.connect(port, '127.0.0.1');
      watch(c, 'client', ['connect', 'finish', 'close']);
      c.end('x', () => log('client end cb'));
      c.on('close', () => {
        c.end(() => log('client end cb after close'));
        srv.close();
      });
    });
  },
  'idle-timeout'() {
    serve(() => {}, (srv, port) => {
      const c = net.connect(port, '127.0.0.1');
      watch(c, 'client', socketEvents);
      c.setTimeout(20, () => c.destroy());
      c.on('close', () => srv.close());
    });
  },
};

const name = process.argv[2];
if (name === '--list') {
  log(Object.keys(scenarios).join('\n'));
} else if (!scenarios[name]) {
  console.error(`no scenario ${name}`);
  process.exit(2);
} else {
  scenarios[name]();
  // A peer that lingers must not hang the test: the trace is complete by then.
  setTimeout(() => process.exit(0), 3000).unref();
}
