// The Node.js baseline of the MLLP ingest benchmark (issue 6): an MLLP server on @medplum/hl7
// (pinned in package-lock.json) that parses every message and answers with its ACK, and does
// nothing else — no charset decoding beyond bytes (iconv-lite has no ISO-2022-JP, so it reads
// the 7-bit bytes as latin1), no storage, no mapping. It is the floor of what a listener costs.
//
//   node tests/bench/mllp_node_baseline.mjs PORT
// Prints "listening PORT" once it accepts connections; runs until SIGTERM/SIGINT.
import { Hl7Server } from '@medplum/hl7';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node mllp_node_baseline.mjs PORT');
  process.exit(2);
}

const server = new Hl7Server((connection) => {
  connection.addEventListener('message', ({ message }) => {
    connection.send(message.buildAck());
  });
});
server.start(port, 'latin1');
// Hl7Server.start() listens asynchronously; report once the port answers.
const check = setInterval(() => {
  if (server.server?.listening) {
    clearInterval(check);
    console.log(`listening ${port}`);
  }
}, 20);
// A benchmark ends by killing it: no drain needed.
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
