// The Node.js side of the node_differential test. It reads cases written by
// driver.cpp (one per line, arguments hex-encoded so any byte survives) and
// prints Node's answer for each, one line per case, in the format the driver
// prints its own answers in. `node oracle.js --features` lists what the
// installed Node supports, so the driver only asks for what exists.
'use strict';
const fs = require('fs');
const net = require('net');
const { BlockList, SocketAddress } = net;

const probe = new BlockList();
const features = {
  parse: typeof SocketAddress.parse === 'function',
  remove: typeof probe.removeAddress === 'function',
  cidr: typeof probe.addCIDR === 'function',
  json: typeof probe.toJSON === 'function' && typeof probe.fromJSON === 'function',
  clear: typeof probe.clear === 'function',
};

if (process.argv[2] === '--features') {
  console.log(`version ${process.version}`);
  for (const [name, ok] of Object.entries(features)) console.log(`${name} ${ok ? 1 : 0}`);
  process.exit(0);
}

const unhex = (h) => Buffer.from(h, 'hex').toString('latin1');

// SocketAddress.parse as Node's main branch defines it: v26 parses
// 'http://' + input with the URL parser, which drops an explicit :80 (the
// scheme's default port); the fix keeps it. coronet follows the fix, so the
// oracle restores a port the http URL dropped. An https URL of the same input
// keeps 80 (its own default is 443), and its host rules are the same.
function explicitHttpPort(input) {
  try {
    return new URL(`https://${input}`).port === '80' ? 80 : 0;
  } catch {
    return 0;
  }
}

function parse(input) {
  const s = parseAsV26(input);
  if (s === undefined || s.port !== 0 || explicitHttpPort(input) !== 80) return s;
  return new SocketAddress({ address: s.address, family: s.family, port: 80 });
}

// SocketAddress.parse as Node 22.13+/23.4+ defines it, for older Nodes.
function parseAsV26(input) {
  if (features.parse) return SocketAddress.parse(input);
  try {
    const { hostname, port } = new URL(`http://${input}`);
    if (hostname.startsWith('[') && hostname.endsWith(']')) {
      return new SocketAddress({ address: hostname.slice(1, -1), port: port | 0, family: 'ipv6' });
    }
    return new SocketAddress({ address: hostname, port: port | 0 });
  } catch {
    return undefined;
  }
}

function attempt(fn) {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return e.code || e.name;
  }
}

function runList(spec) {
  const list = new BlockList();
  const errors = [];
  const sa = (a, f) => new SocketAddress({ address: a, family: f });
  for (const op of spec.ops) {
    const [name, ...a] = op;
    errors.push(attempt(() => {
      switch (name) {
        case 'address': return list.addAddress(a[0], a[1]);
        case 'range': return list.addRange(a[0], a[1], a[2]);
        case 'subnet': return list.addSubnet(a[0], a[1], a[2]);
        case 'range_sa': return list.addRange(sa(a[0], a[1]), sa(a[2], a[3]));
        case 'subnet_sa': return list.addSubnet(sa(a[0], a[1]), a[2]);
        case 'remove_address': return list.removeAddress(a[0], a[1]);
        case 'remove_range': return list.removeRange(a[0], a[1], a[2]);
        case 'remove_subnet': return list.removeSubnet(a[0], a[1], a[2]);
        case 'cidr': return list.addCIDR(a[0]);
        default: throw new Error(`unknown op ${name}`);
      }
    }));
  }
  const checks = spec.checks.map(([addr, family, asObject]) => {
    if (asObject) {
      let s;
      try { s = sa(addr, family); } catch { return '-'; }
      return list.check(s) ? '1' : '0';
    }
    return list.check(addr, family) ? '1' : '0';
  }).join('');
  return `e=${errors.join(',')}|c=${checks}|r=${list.rules.join(';')}`;
}

const out = [];
for (const line of fs.readFileSync(process.argv[2], 'latin1').split('\n')) {
  if (!line) continue;
  const [kind, ...args] = line.split(' ');
  switch (kind) {
    case 'ip': {
      const s = unhex(args[0]);
      out.push(`${net.isIP(s)}${net.isIPv4(s) ? 1 : 0}${net.isIPv6(s) ? 1 : 0}`);
      break;
    }
    case 'sa': {
      try {
        const s = new SocketAddress({ address: unhex(args[0]), family: unhex(args[1]), port: Number(args[2]) });
        out.push(`ok ${s.address} ${s.family} ${s.port}`);
      } catch (e) {
        out.push(`err ${e.code}`);
      }
      break;
    }
    case 'parse': {
      const s = parse(unhex(args[0]));
      out.push(s === undefined ? 'undefined' : `ok ${s.address} ${s.family} ${s.port}`);
      break;
    }
    case 'list':
      out.push(runList(JSON.parse(unhex(args[0]))));
      break;
    default:
      throw new Error(`unknown case ${kind}`);
  }
}
process.stdout.write(out.join('\n') + '\n');
