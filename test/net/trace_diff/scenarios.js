// Event traces of small node:net scenarios, one event a line, for the
// differential test: `node scenarios.js NAME` prints NAME's trace, and
// trace_diff_test.cpp runs the C++ twin of each scenario and compares them.
// Every line starts with its actor ("client", "server", "client2", ...);
// the test compares each actor's lines in order, not how two actors'
// lines interleave (that is a race between two sockets, not a contract).
// Ports, paths and timings never appear in a trace, so the lines are stable:
// `node scenarios.js --stable 10` runs every scenario ten times and names
// those whose trace changed. Each scenario names the Node test it learns from
// (test/parallel/test-net-*.js); none is copied.
'use strict';
const net = require('net');
const fs = require('fs');
const os = require('os');
const path = require('path');

const log = (line) => fs.writeSync(1, `${line}\n`);  // synchronous: nothing lost at exit
const code = (e) => (e ? e.code : 'ok');
const boom = () => Object.assign(new Error('boom'), { code: 'EBOOM' });
const watch = (s, who, events = socketEvents) => {
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
const attempt = (who, f) => {
  try {
    f();
    log(`${who} no throw`);
  } catch (e) {
    log(`${who} throws ${e.code}`);
  }
};
// A path for a Unix socket, gone first; the abstract form starts with '\0'.
const ipcPath = (tag) => {
  const p = path.join(os.tmpdir(), `coronet-trace-${process.pid}-${tag}.sock`);
  try { fs.unlinkSync(p); } catch {}
  return p;
};

// A loopback server; `onConn` gets each connection; `then(srv, port)` once listening.
function serve(onConn, then, options = {}) {
  const srv = net.createServer(options, (s) => {
    s.on('error', () => {});  // a reset peer is not part of the trace unless watched
    onConn(s);
  });
  srv.listen(0, '127.0.0.1', () => then(srv, srv.address().port));
  return srv;
}
// A port that refuses: listened on, then closed.
function refusedPort(then) {
  const probe = net.createServer().listen(0, '127.0.0.1', () => {
    const port = probe.address().port;
    probe.close(() => then(port));
  });
}
// Connects to `port` and closes `srv` once the client closed.
function client(srv, port, options = {}, who = 'client', events = socketEvents) {
  const c = net.connect({ port, host: '127.0.0.1', ...options });
  watch(c, who, events);
  c.on('close', () => srv.close());
  return c;
}

const scenarios = {
  // --- connect, refuse, reset (test-net-connect-*, test-net-socket-reset-*) ---
  'server-ends'() {
    serve((c) => c.end('hi'), (srv, port) => {
      client(srv, port).setEncoding('utf8');
    });
  },
  'refused'() {
    refusedPort((port) => watch(net.connect(port, '127.0.0.1'), 'client'));
  },
  'connect-callback'() {  // test-net-connect-options-port: the callback is a once('connect')
    serve((s) => s.end(), (srv, port) => {
      const c = net.connect(port, '127.0.0.1', () => log('client connect callback'));
      watch(c, 'client');
      c.on('close', () => srv.close());
    });
  },
  'server-resets'() {  // test-net-server-reset
    // Resets once the client's bytes arrive: a reset inside 'connection' can
    // beat the client's own connect completion, a race between two sockets.
    serve((s) => s.on('data', () => s.resetAndDestroy()), (srv, port) => {
      const c = client(srv, port);
      c.on('connect', () => c.write('x'));
    });
  },
  'reset-connected'() {  // test-net-socket-reset-twice
    serve((s) => watch(s, 'server', ['end', 'error', 'close']), (srv, port) => {
      const c = client(srv, port);
      c.on('connect', () => c.resetAndDestroy());
    });
  },
  'reset-connecting'() {  // test-net-socket-reset-send: resets once connected
    serve((s) => watch(s, 'server', ['end', 'error', 'close']), (srv, port) => {
      client(srv, port).resetAndDestroy();
    });
  },
  'reset-unconnected'() {
    const c = new net.Socket();
    c.on('error', (e) => log(`client error ${e.code}`));
    c.on('close', () => log('client close'));
    c.resetAndDestroy();
  },
  'connect-port-only'() {  // test-net-connect-options-port: no host means localhost
    serve((s) => s.end(), (srv, port) => {
      const c = new net.Socket();
      watch(c, 'client', ['connect', 'end', 'close']);
      c.on('close', () => srv.close());
      c.connect(port);
    });
  },

  // --- half-open (test-net-allow-half-open, test-net-server-unref-persistent) ---
  'client-ends-first'() {
    serve((s) => {
      s.setEncoding('utf8');
      watch(s, 'server', ['data', 'end', 'finish']);
    }, (srv, port) => {
      const c = client(srv, port);
      c.on('connect', () => c.end('bye'));
    });
  },
  'half-open'() {
    serve((s) => s.end('half'), (srv, port) => {
      const c = client(srv, port, { allowHalfOpen: true });
      c.setEncoding('utf8');
      c.on('end', () => c.end());
    });
  },
  'half-open-server'() {  // the server keeps writing after the client's FIN
    serve((s) => {
      s.setEncoding('utf8');
      watch(s, 'server', ['data', 'end', 'finish', 'close']);
      s.on('end', () => s.end('late'));
    }, (srv, port) => {
      const c = client(srv, port);
      c.setEncoding('utf8');
      c.on('connect', () => c.end('bye'));
    }, { allowHalfOpen: true });
  },
  'auto-end'() {  // allowHalfOpen false: the peer's FIN ends our side too
    serve((s) => watch(s, 'server', ['end', 'finish', 'close']), (srv, port) => {
      const c = client(srv, port, { allowHalfOpen: true }, 'client', ['end', 'finish', 'close']);
      c.on('connect', () => c.end());
    });
  },
  'half-open-writes-after-peer-end'() {
    serve((s) => {
      s.setEncoding('utf8');
      watch(s, 'server', ['data', 'end', 'close']);
      s.end();
    }, (srv, port) => {
      const c = client(srv, port, { allowHalfOpen: true });
      c.on('end', () => c.end('more'));
    });
  },

  // --- pause and resume (test-net-pause-resume-connecting, test-net-socket-end-before-connect) ---
  'pause-inside-data'() {
    serve((s) => s.end('abc'), (srv, port) => {
      const c = client(srv, port);
      c.setEncoding('utf8');
      c.on('data', () => {
        c.pause();
        log(`client paused ${c.isPaused()}`);
        setTimeout(() => {
          log('client resume');
          c.resume();
        }, 50);
      });
    });
  },
  'end-while-paused'() {
    serve((s) => s.end('x'), (srv, port) => {
      const c = client(srv, port);
      c.setEncoding('utf8');
      c.pause();
      setTimeout(() => {
        log('client resume');
        c.resume();
      }, 100);
    });
  },
  'no-data-listener'() {  // a socket never resumed does not flow, so no 'end'
    serve((s) => s.end('x'), (srv, port) => {
      const c = client(srv, port, {}, 'client', ['connect', 'end', 'close']);
      setTimeout(() => {
        log('client gives up');
        c.destroy();
      }, 100);
    });
  },
  'pause-state'() {
    const c = new net.Socket();
    log(`client paused ${c.isPaused()}`);
    c.pause();
    log(`client paused ${c.isPaused()}`);
    c.resume();
    log(`client paused ${c.isPaused()}`);
    c.destroy();
  },

  // --- timeouts (test-net-socket-timeout, test-net-settimeout, test-net-connect-options-timeout) ---
  'idle-timeout'() {
    serve(() => {}, (srv, port) => {
      const c = client(srv, port);
      c.setTimeout(250, () => c.destroy());  // counts from here: longer than a slow connect
    });
  },
  'timeout-before-connect'() {
    serve(() => {}, (srv, port) => {
      const c = new net.Socket();
      c.setTimeout(250);  // counts from here: longer than a slow connect
      watch(c, 'client');
      c.on('timeout', () => c.destroy());
      c.on('close', () => srv.close());
      c.connect(port, '127.0.0.1');
    });
  },
  'timeout-zero-disables'() {
    serve(() => {}, (srv, port) => {
      const c = client(srv, port);
      c.setTimeout(30);
      c.setTimeout(0);
      setTimeout(() => {
        log('client still idle');
        c.destroy();
      }, 100);
    });
  },
  'timeout-property'() {
    const c = new net.Socket();
    log(`client timeout ${c.timeout}`);
    c.setTimeout(30);
    log(`client timeout ${c.timeout}`);
    c.setTimeout(0);
    log(`client timeout ${c.timeout}`);
    c.destroy();
  },
  'timeout-option'() {
    serve(() => {}, (srv, port) => {
      const c = client(srv, port, { timeout: 250 });
      c.on('timeout', () => c.destroy());
    });
  },
  'timeout-out-of-range'() {
    const c = new net.Socket();
    attempt('client -1', () => c.setTimeout(-1));
    attempt('client NaN', () => c.setTimeout(NaN));
    attempt('client Infinity', () => c.setTimeout(Infinity));
    c.destroy();  // (c.timeout then reads Infinity: Node stores it before validating)
  },
  'server-side-timeout'() {
    serve((s) => {
      watch(s, 'server', ['timeout', 'end', 'finish', 'close']);
      s.setTimeout(30, () => s.end());
    }, (srv, port) => client(srv, port, {}, 'client', ['end', 'finish', 'close']));
  },

  // --- end and destroy orders (test-net-end-destroyed, test-net-socket-destroy-send,
  //     test-net-connect-immediate-destroy, test-net-destroy-soon) ---
  'end-callback'() {
    serve((s) => s.resume(), (srv, port) => {
      const c = client(srv, port, {}, 'client', ['connect', 'finish', 'close']);
      c.end('x', () => log('client end cb'));
      c.on('close', () => c.end(() => log('client end cb after close')));
    });
  },
  'write-after-end-epipe'() {
    serve((s) => s.end(), (srv, port) => {
      const c = client(srv, port, {}, 'client', ['end', 'error', 'close']);
      c.on('end', () => {
        c.end();
        c.write('x', (e) => log(`client write cb ${code(e)}`));
      });
    });
  },
  'write-after-end'() {
    serve((s) => s.resume(), (srv, port) => {
      const c = client(srv, port, {}, 'client', ['finish', 'error', 'close']);
      c.on('connect', () => {
        c.end();
        c.write('x', (e) => log(`client write cb ${code(e)}`));
      });
    });
  },
  'destroy-error'() {
    serve(() => {}, (srv, port) => {
      const c = client(srv, port);
      c.on('connect', () => c.destroy(boom()));
    });
  },
  'destroy-error-write-pending'() {  // more than the kernel takes: the write is still pending
    let conn;
    serve((s) => { conn = s; }, (srv, port) => {
      const c = client(srv, port, {}, 'client', ['error', 'close', 'drain']);
      c.on('close', () => conn.destroy());  // paused, it would never see the FIN
      c.on('connect', () => {
        c.write(Buffer.alloc(1 << 25, 'x'), (e) => log(`client write cb ${code(e)}`));
        c.destroy(boom());
      });
    }, { pauseOnConnect: true });
  },
  'destroy-connecting'() {
    serve(() => {}, (srv, port) => {
      const c = client(srv, port);
      c.destroy();
      log('client destroyed');
    });
  },
  'destroy-connecting-write-pending'() {
    serve(() => {}, (srv, port) => {
      const c = client(srv, port);
      c.write('x', (e) => log(`client write cb ${code(e)}`));
      c.destroy();
      log('client destroyed');
    });
  },
  'destroy-twice'() {
    serve(() => {}, (srv, port) => {
      const c = client(srv, port);
      c.on('connect', () => {
        c.destroy();
        c.destroy();
      });
    });
  },
  'end-then-destroy'() {
    serve((s) => s.resume(), (srv, port) => {
      const c = client(srv, port);
      c.on('connect', () => {
        c.end('x');
        c.destroy();
      });
    });
  },
  'destroy-soon'() {
    serve((s) => {
      s.setEncoding('utf8');
      watch(s, 'server', ['data', 'end']);
    }, (srv, port) => {
      const c = client(srv, port);
      c.on('connect', () => {
        c.write('x');
        c.destroySoon();
      });
    });
  },
  'end-with-encoding'() {
    serve((s) => {
      s.setEncoding('utf8');
      watch(s, 'server', ['data', 'end']);
    }, (srv, port) => {
      const c = client(srv, port, {}, 'client', ['finish', 'close']);
      c.end('6869', 'hex', () => log('client end cb'));
    });
  },

  // --- write callbacks, drain, byte counts (test-net-write-cb-on-destroy-before-connect,
  //     test-net-bytes-written-large, test-net-bytes-stats, test-net-write-connect-write) ---
  'write-callbacks-in-order'() {
    let got = '';
    serve((s) => {
      s.setEncoding('utf8');
      s.on('data', (d) => { got += d; });
      s.on('end', () => log(`server got ${got}`));
    }, (srv, port) => {
      const c = client(srv, port, {}, 'client', ['finish', 'close']);
      for (const w of ['a', 'b', 'c']) c.write(w, (e) => log(`client write cb ${w} ${code(e)}`));
      c.end();
    });
  },
  'drain-before-callback'() {
    serve((s) => s.resume(), (srv, port) => {
      const c = client(srv, port, {}, 'client', ['connect', 'drain', 'finish', 'close']);
      // Queued while connecting: a connected socket's kernel may take it all at once.
      const ok = c.write(Buffer.alloc(100000, 'x'), (e) => log(`client write cb ${code(e)}`));
      log(`client write returned ${ok}`);
      c.on('drain', () => c.end());
    });
  },
  'high-water-mark'() {
    serve((s) => s.resume(), (srv, port) => {
      const c = client(srv, port, {}, 'client', ['connect', 'drain', 'close']);
      log(`client hwm ${c.writableHighWaterMark}`);
      log(`client write returned ${c.write(Buffer.alloc(65535, 'x'))}`);
      log(`client write returned ${c.write('x')}`);
      log(`client writableLength ${c.writableLength}`);
      c.on('drain', () => c.end());
    });
  },
  'bytes-written-connecting'() {
    serve((s) => s.resume(), (srv, port) => {
      const c = client(srv, port, {}, 'client', ['connect', 'close']);
      c.write('1234567');
      log(`client bytesWritten ${c.bytesWritten}`);
      c.end();
      c.on('close', () => log(`client bytesWritten ${c.bytesWritten}`));
    });
  },
  'bytes-read-written'() {
    serve((s) => {
      s.on('data', (d) => s.write(d));
      s.on('end', () => s.end());
      s.on('close', () => log(`server bytesRead ${s.bytesRead} bytesWritten ${s.bytesWritten}`));
    }, (srv, port) => {
      const c = client(srv, port, {}, 'client', ['end', 'close']);
      c.on('data', () => {});
      c.end('hello');
      c.on('close', () => log(`client bytesRead ${c.bytesRead} bytesWritten ${c.bytesWritten}`));
    });
  },
  'bytes-written-reconnect'() {
    serve((s) => s.resume(), (srv, port) => {
      const c = net.connect(port, '127.0.0.1');
      c.end('abc');
      c.once('close', () => {
        log(`client bytesWritten ${c.bytesWritten}`);
        c.connect(port, '127.0.0.1');
        c.end('de');
        c.once('close', () => {
          log(`client bytesWritten ${c.bytesWritten}`);
          srv.close();
        });
      });
    });
  },

  // --- readyState (test-net-socket-ready-state, test-net-readystate) ---
  'ready-state'() {
    serve((s) => s.resume(), (srv, port) => {
      const c = new net.Socket();
      const state = (when) => log(`client ${when} ${c.readyState}`);
      state('new');
      c.connect(port, '127.0.0.1');
      state('connecting');
      c.on('connect', () => {
        state('connect');
        c.end();
        state('ended');
      });
      c.on('end', () => state('end'));
      c.on('close', () => {
        state('close');
        srv.close();
      });
    });
  },
  'ready-state-half-open'() {
    serve((s) => s.end(), (srv, port) => {
      const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
      const state = (when) => log(`client ${when} ${c.readyState}`);
      c.on('end', () => {
        state('end');
        c.end();
      });
      c.on('finish', () => state('finish'));
      c.on('close', () => {
        state('close');
        srv.close();
      });
    });
  },

  // --- maxConnections (test-net-server-max-connections, test-net-server-drop-connections) ---
  'max-connections-zero'() {
    const srv = net.createServer(() => log('server connection'));
    srv.maxConnections = 0;
    srv.on('drop', (d) => log(`server drop ${d.localAddress} ${d.localFamily} ${d.remoteAddress} ${d.remoteFamily}`));
    srv.listen(0, '127.0.0.1', () => client(srv, srv.address().port));
  },
  'max-connections-one'() {
    const srv = net.createServer((s) => {
      log('server connection');
      s.on('end', () => s.end());
    });
    srv.maxConnections = 1;
    srv.dropMaxConnection = true;
    srv.on('drop', () => log('server drop'));
    srv.listen(0, '127.0.0.1', () => {
      const port = srv.address().port;
      const first = net.connect(port, '127.0.0.1');
      watch(first, 'first', ['connect', 'end', 'close']);
      first.on('connect', () => {
        const second = net.connect(port, '127.0.0.1');
        watch(second, 'second', ['connect', 'end', 'close']);
        second.on('close', () => first.end());
      });
      first.on('close', () => srv.close());
    });
  },

  // --- listen errors and states (test-net-listen-error, test-net-server-listen-options,
  //     test-net-server-call-listen-multiple-times, test-net-server-close) ---
  'server-close-order'() {
    serve(() => {}, (srv) => {
      srv.on('close', () => log('server close listener 1'));
      srv.close((e) => log(`server close callback ${code(e)}`));
      srv.on('close', () => log('server close listener 2'));
    });
  },
  'listen-eaddrinuse'() {
    serve(() => {}, (srv, port) => {
      const b = net.createServer();
      b.on('listening', () => log('second listening'));
      b.on('error', (e) => {
        log(`second error ${e.code} ${e.syscall} listening ${b.listening}`);
        b.listen(0, '127.0.0.1', () => {
          log('second listening again');
          b.close();
          srv.close();
        });
      });
      b.listen(port, '127.0.0.1');
    });
  },
  'listen-bad-options'() {
    const srv = net.createServer();
    attempt('server host only', () => srv.listen({ host: '127.0.0.1' }));
    attempt('server exclusive only', () => srv.listen({ exclusive: true }));
    attempt('server port -1', () => srv.listen({ port: -1 }));
    attempt('server port 65536', () => srv.listen({ port: 65536 }));
    log(`server listening ${srv.listening}`);
  },
  'listen-twice'() {
    serve(() => {}, (srv) => {
      attempt('server listen again', () => srv.listen(0, '127.0.0.1'));
      srv.close(() => log('server closed'));
    });
  },
  'close-then-listen'() {
    serve(() => {}, (srv) => {
      srv.close(() => log('server close callback'));
      srv.listen(0, '127.0.0.1', () => {
        log(`server listening ${srv.listening}`);
        srv.close();
      });
    });
  },
  'close-not-running'() {
    const srv = net.createServer();
    srv.on('close', () => log('server close listener'));
    srv.close((e) => log(`server close callback ${code(e)}`));
  },
  'listening-state'() {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      log(`server listening ${srv.listening} ${a.address} ${a.family}`);
      srv.close();
    });
    log(`server listening ${srv.listening} address ${srv.address()}`);
  },
  'listen-no-arguments'() {
    const srv = net.createServer();
    srv.on('listening', () => {
      const a = srv.address();
      log(`server listening ${a.address} ${a.family} port>0 ${a.port > 0}`);
      srv.close();
    });
    srv.listen();
  },

  // --- server close while connections live (test-net-server-close, test-net-server-close-before-ipc-response) ---
  'server-close-live'() {
    const srv = net.createServer((s) => {
      watch(s, 'server', ['end', 'close']);
      srv.close(() => log('server close callback'));
      srv.getConnections((e, n) => log(`server connections ${code(e)} ${n}`));
      log(`server listening ${srv.listening}`);
      s.on('end', () => s.end());
    });
    srv.listen(0, '127.0.0.1', () => {
      const c = net.connect(srv.address().port, '127.0.0.1');
      watch(c, 'client', ['connect', 'end', 'close']);
      c.on('connect', () => setTimeout(() => c.end(), 30));
    });
  },
  'refused-after-close'() {
    let port;
    const srv = net.createServer((s) => {
      srv.close();
      const second = net.connect(port, '127.0.0.1');
      watch(second, 'second', ['connect', 'error', 'close']);
      second.on('close', () => s.destroy());
    });
    srv.listen(0, '127.0.0.1', () => {
      port = srv.address().port;
      const first = net.connect(port, '127.0.0.1');
      first.on('error', () => {});
      watch(first, 'first', ['connect', 'close']);
    });
  },

  // --- IPC (test-net-pipe-connect-errors, test-net-server-listen-path,
  //     test-net-listen-ipv6only, test-pipe-abstract-socket) ---
  'ipc-echo'() {
    const p = ipcPath('echo');
    const srv = net.createServer((s) => s.pipe(s));
    srv.listen(p, () => {
      log(`server address is the path ${srv.address() === p}`);
      const c = net.connect(p);
      c.setEncoding('utf8');
      watch(c, 'client');
      c.on('connect', () => {
        log(`client remoteAddress ${c.remoteAddress}`);
        c.end('ping');
      });
      c.on('close', () => srv.close());
    });
  },
  'ipc-refused'() {
    watch(net.connect(ipcPath('missing')), 'client');
  },
  'ipc-eaddrinuse'() {
    const p = ipcPath('inuse');
    const a = net.createServer().listen(p, () => {
      const b = net.createServer();
      b.on('error', (e) => {
        log(`second error ${e.code}`);
        a.close();
      });
      b.listen(p);
    });
  },
  'ipc-abstract-flags'() {
    const srv = net.createServer();
    attempt('server readableAll', () => srv.listen({ path: '\0coronet-trace-flags', readableAll: true }));
    attempt('server writableAll', () => srv.listen({ path: '\0coronet-trace-flags', writableAll: true }));
    log(`server listening ${srv.listening}`);
  },
  'ipc-abstract'() {
    const name = `\0coronet-trace-${process.pid}`;
    const srv = net.createServer((s) => s.end('hi'));
    srv.listen(name, () => {
      log(`server address is the name ${srv.address() === name}`);
      const c = net.connect(name);
      c.setEncoding('utf8');
      watch(c, 'client');
      c.on('close', () => srv.close());
    });
  },

  // --- lookup and autoSelectFamily (test-net-autoselectfamily, test-net-dns-custom-lookup,
  //     test-net-connect-options-invalid, test-net-localerror) ---
  'custom-lookup'() {
    serve((s) => s.end(), (srv, port) => {
      const lookup = (host, opts, cb) => {
        log(`client lookup ${host} all ${!!opts.all}`);
        if (opts.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
        else cb(null, '127.0.0.1', 4);
      };
      const c = client(srv, port, { host: 'coronet.test', lookup }, 'client', ['connect', 'end', 'close']);
      c.on('lookup', (e, address, family, host) => log(`client lookup event ${code(e)} ${address} ${family} ${host}`));
    });
  },
  'lookup-bad-family'() {
    serve(() => {}, (srv, port) => {
      const lookup = (host, opts, cb) => (opts.all ? cb(null, [{ address: '127.0.0.1', family: 100 }])
                                                   : cb(null, '127.0.0.1', 100));
      for (const autoSelectFamily of [false, true]) {
        const c = net.connect({ port, host: 'localhost', lookup, autoSelectFamily });
        c.on('error', (e) => log(`client ${autoSelectFamily} error ${e.code} ${e.message.replace(String(port), 'PORT')}`));
        c.on('connect', () => log(`client ${autoSelectFamily} connect`));
        c.on('close', () => autoSelectFamily && srv.close());
      }
    });
  },
  'lookup-error'() {
    const lookup = (host, opts, cb) => cb(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }));
    watch(net.connect({ port: 9, host: 'coronet.test', lookup }), 'client');
  },
  'family-validation'() {
    attempt('client family 5', () => net.connect({ port: 9, host: 'localhost', family: 5 }));
    attempt('client localAddress foobar', () => net.connect({ port: 9, host: '127.0.0.1', localAddress: 'foobar' }));
    attempt('client port 65536', () => net.connect({ port: 65536, host: '127.0.0.1' }));
  },
  'autoselect-attempts'() {
    serve((s) => s.end(), (srv, port) => {
      const lookup = (host, opts, cb) => cb(null, [{ address: '::1', family: 6 }, { address: '127.0.0.1', family: 4 }]);
      const c = net.connect({ port, host: 'coronet.test', lookup, autoSelectFamily: true });
      c.on('connectionAttempt', (ip, p, family) => log(`client attempt ${ip} ${family}`));
      c.on('connectionAttemptFailed', (ip, p, family, e) => log(`client attempt failed ${ip} ${family} ${e.code}`));
      c.on('connect', () => log(`client connect ${c.remoteAddress} ${c.autoSelectFamilyAttemptedAddresses.length}`));
      c.on('close', () => srv.close());
    });
  },
  'connection-attempt-next-turn'() {
    serve((s) => s.end(), (srv, port) => {
      const c = client(srv, port, {}, 'client', ['connect', 'close']);
      c.on('connectionAttempt', (ip, p, family) => log(`client attempt ${ip} ${family}`));
    });
  },

  // --- more from test-net-*: write-after-close, socket-end-before-connect,
  //     pause-resume-connecting, socket-timeout, end-close, server-pause-on-connect,
  //     local-address-port, remote-address, connect-options-ipv6 ---
  'write-after-destroy'() {
    serve(() => {}, (srv, port) => {
      const c = client(srv, port);
      c.on('connect', () => {
        c.destroy();
        c.write('x', (e) => log(`client write cb ${code(e)}`));
      });
    });
  },
  'end-while-connecting'() {
    serve((s) => {
      watch(s, 'server', ['end', 'finish', 'close']);
    }, (srv, port) => {
      client(srv, port).end();
    });
  },
  'pause-while-connecting'() {
    serve((s) => s.end('x'), (srv, port) => {
      const c = client(srv, port);
      c.setEncoding('utf8');
      c.pause();
      c.on('connect', () => setTimeout(() => {
        log('client resume');
        c.resume();
      }, 50));
    });
  },
  'timeout-fires-once'() {
    serve(() => {}, (srv, port) => {
      const c = client(srv, port);
      c.on('connect', () => c.setTimeout(50, () => log('client timeout cb')));
      c.on('timeout', () => setTimeout(() => {
        log('client waited');
        c.destroy();
      }, 200));
    });
  },
  'end-twice'() {
    serve((s) => s.resume(), (srv, port) => {
      const c = client(srv, port, {}, 'client', ['finish', 'close']);
      c.end('x', () => log('client end cb 1'));
      c.end(() => log('client end cb 2'));
    });
  },
  'pause-on-connect'() {
    serve((s) => {
      s.setEncoding('utf8');
      watch(s, 'server', ['data', 'end']);
      setTimeout(() => {
        log(`server resume paused ${s.isPaused()}`);
        s.resume();
      }, 50);
    }, (srv, port) => client(srv, port, {}, 'client', ['finish', 'end', 'close']).end('x'),
    { pauseOnConnect: true });
  },
  'local-address'() {
    serve((s) => {
      log(`server remote ${s.remoteAddress} ${s.remoteFamily}`);
      s.end();
    }, (srv, port) => {
      const c = client(srv, port, { localAddress: '127.0.0.1' }, 'client', ['close']);
      c.on('connect', () => log(`client local ${c.localAddress} ${c.localFamily} port>0 ${c.localPort > 0}`));
    });
  },
  'addresses-after-close'() {
    serve((s) => s.end(), (srv, port) => {
      const c = client(srv, port, {}, 'client', []);
      const show = (when) => log(`client ${when} ${c.remoteAddress} ${c.remoteFamily} ${c.remotePort === port}`);
      show('connecting');
      c.on('connect', () => show('connect'));
      c.on('close', () => show('close'));
    });
  },
  'ipv6-connect'() {
    const srv = net.createServer((s) => s.end());
    srv.listen(0, '::1', () => {
      const c = net.connect(srv.address().port, '::1');
      c.on('connect', () => log(`client connect ${c.remoteAddress} ${c.remoteFamily}`));
      watch(c, 'client', ['end', 'close']);
      c.on('close', () => srv.close());
    });
  },

  // --- AbortSignal (test-net-connect-abort-controller, test-net-server-listen-options-signal) ---
  'abort-before-connect'() {
    serve(() => {}, (srv, port) => {
      const ac = new AbortController();
      ac.abort();
      const c = client(srv, port, { signal: ac.signal });
      c.on('error', (e) => log(`client error name ${e.name}`));
    });
  },
  'abort-while-connecting'() {
    serve(() => {}, (srv, port) => {
      const ac = new AbortController();
      const c = client(srv, port, { signal: ac.signal });
      c.on('error', (e) => log(`client error name ${e.name}`));
      ac.abort();
    });
  },
  'abort-connected'() {
    serve(() => {}, (srv, port) => {
      const ac = new AbortController();
      const c = client(srv, port, { signal: ac.signal });
      c.on('error', (e) => log(`client error name ${e.name}`));
      c.on('connect', () => ac.abort());
    });
  },
  'abort-listen'() {
    const ac = new AbortController();
    const srv = net.createServer();
    srv.on('close', () => log(`server close listening ${srv.listening}`));
    srv.on('error', (e) => log(`server error ${e.code}`));
    srv.listen({ port: 0, host: '127.0.0.1', signal: ac.signal }, () => {
      log('server listening');
      ac.abort();
    });
  },
};

// Each actor's lines in order, actors by name: what the test compares.
function perActor(text) {
  const by = {};
  for (const line of text.split('\n').filter(Boolean)) (by[line.split(' ')[0]] ||= []).push(line);
  return JSON.stringify(Object.entries(by).sort());
}

const name = process.argv[2];
if (name === '--list') {
  log(Object.keys(scenarios).join('\n'));
} else if (name === '--stable') {
  // Runs every scenario (or those named after the count) N times, each
  // bounded to 10 s, and names those whose per-actor trace changed.
  const { spawnSync } = require('child_process');
  const runs = Number(process.argv[3] || 10);
  const names = process.argv.length > 4 ? process.argv.slice(4) : Object.keys(scenarios);
  for (const n of names) {
    const seen = new Set();
    for (let i = 0; i < runs; i++) {
      const r = spawnSync(process.execPath, [__filename, n], { timeout: 10000, encoding: 'utf8' });
      seen.add(r.status === 0 ? perActor(r.stdout) : `exit ${r.status} ${r.signal}`);
    }
    log(`${seen.size === 1 ? 'stable  ' : 'UNSTABLE'} ${n}${seen.size === 1 ? '' : ` (${seen.size} traces)`}`);
  }
} else if (!scenarios[name]) {
  console.error(`no scenario ${name}`);
  process.exit(2);
} else {
  scenarios[name]();
  // A peer that lingers must not hang the test: the trace is complete by then.
  setTimeout(() => process.exit(0), 3000).unref();
}
