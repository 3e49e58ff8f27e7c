// An independent MLLP sender: @medplum/hl7's Hl7Client (pinned in package-lock.json) sends
// SS-MIX2-style ADT^A08 messages to host:port, one after the other on one connection, waiting
// for each ACK (matched by MSA-2 = MSH-10), and prints what it got.
//
//   node tests/js/mllp_send.mjs --port N [--host 127.0.0.1] [--count 10] [--prefix ID]
//                               [--encoding utf-8|shift_jis] [--timeout-ms 10000]
//
// Output: one line per message, "ACK <MSA-1> <MSA-2>", or "NOACK <MSH-10> <reason>"; exit 0 when
// every message got an ACK (whatever its code), 1 otherwise. Used against a test MllpServer by
// tests/gateway/mllp/medplum_interop_test.cpp and, later, against `socialrx serve`.

import { Hl7Message } from '@medplum/core';
import { Hl7Client } from '@medplum/hl7';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string' },
    count: { type: 'string', default: '10' },
    prefix: { type: 'string', default: `MEDPLUM${process.pid}` },
    encoding: { type: 'string', default: 'utf-8' },
    'timeout-ms': { type: 'string', default: '10000' },
  },
});
if (!values.port) {
  process.stderr.write('usage: mllp_send.mjs --port N [--host H] [--count N] [--prefix ID]\n');
  process.exit(2);
}

// A made-up patient (test data): kanji and kana names, SS-MIX2 style PID.
function admission(controlId) {
  return Hl7Message.parse(
    [
      `MSH|^~\\&|HIS|1.2.392.200119.6.102.11234567|SOCIALRX|GW|20260101120000||ADT^A08^ADT_A01|${controlId}|P|2.5||||||ISO IR87`,
      'EVN||20260101120000',
      'PID|1||0000123456^^^^PI||山田^太郎^^^^^L^I~ヤマダ^タロウ^^^^^L^P||19500101|M',
      'PV1|1|O',
    ].join('\r'),
  );
}

const client = new Hl7Client({
  host: values.host,
  port: Number(values.port),
  encoding: values.encoding,
  connectTimeout: 5000,
});
client.addEventListener('error', () => {});

let failures = 0;
for (let i = 0; i < Number(values.count); i++) {
  const controlId = `${values.prefix}-${i}`;
  try {
    const ack = await client.sendAndWait(admission(controlId), {
      timeoutMs: Number(values['timeout-ms']),
    });
    const msa = ack.getSegment('MSA');
    process.stdout.write(`ACK ${msa?.getField(1)?.toString() ?? ''} ${msa?.getField(2)?.toString() ?? ''}\n`);
  } catch (error) {
    failures++;
    process.stdout.write(`NOACK ${controlId} ${String(error?.message ?? error).replace(/\s+/g, ' ')}\n`);
  }
}
await client.close();
process.exit(failures === 0 ? 0 : 1);
