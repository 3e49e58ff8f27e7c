// An independent MLLP receiver for the C++ tests: @medplum/hl7's Hl7Server (pinned in
// package-lock.json) that answers every message with an ACK built by @medplum/core
// (Hl7Message.buildAck, MSA-2 = the message's MSH-10).
//
//   node tests/js/mllp_ack_server.mjs [--port N] [--ack AA|AE|AR] [--encoding utf-8|shift_jis]
//
// Prints "LISTENING <port>" once it accepts connections (port 0 = any free port), then
// "MESSAGE <MSH-9> <MSH-10>" for every message it received (no other content: test data only,
// but the habit stays). Exits on SIGTERM/SIGINT or when stdin closes (its parent is gone).

import { Hl7Server } from '@medplum/hl7';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    ack: { type: 'string', default: 'AA' },
    encoding: { type: 'string', default: 'utf-8' },
  },
});

const server = new Hl7Server((connection) => {
  connection.addEventListener('message', ({ message }) => {
    const type = message.getSegment('MSH')?.getField(9)?.toString() ?? '';
    const id = message.getSegment('MSH')?.getField(10)?.toString() ?? '';
    process.stdout.write(`MESSAGE ${type} ${id}\n`);
    connection.send(message.buildAck({ ackCode: values.ack }));
  });
  connection.addEventListener('error', () => {});
});
server.start(Number(values.port), values.encoding);
server.server.once('listening', () => {
  process.stdout.write(`LISTENING ${server.server.address().port}\n`);
});

const stop = () => {
  server.stop({ forceDrainTimeoutMs: 100 }).finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
