// SS-MIX2 over MLLP into the real binary, sent by an external HL7 implementation from npm:
// @medplum/hl7's Hl7Client (pinned in package-lock.json) against `socialrx serve --dev`, whose
// ssmix2 channel (hl7v2 plugin, mappings/hl7v2/ssmix2.jsonc) stores and maps every message.
//
//   node --test tests/js/mllp_ingest.test.mjs
//
// The messages carry kanji and kana names in CP932 (iconv-lite's encoder inside Hl7Client) and in
// ISO-2022-JP (glibc's iconv(1): nothing in Node encodes it, and neither is socialrx's ICU), and
// must come out as the right Unicode in the JP Core Patient. Also: a resent message gets the
// original ACK and is not processed again; a message without PID-3 gets AE with an ERR segment
// at PID-3 (HL7 code 101); an unsupported message type gets AR. Every FHIR body read back must
// pass HL7's R4 JSON schema.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';

import { Hl7Message } from '@medplum/core';
import { Hl7Client } from '@medplum/hl7';

import { createValidator, formatError, validateDocument } from '../tools/fhir_schema_validate.mjs';
import { Gateway, freePort } from './gateway_process.mjs';

const PATIENT_ID_SYSTEM = 'urn:oid:1.2.392.100495.20.3.51.10910112341';
const NAME_REPRESENTATION = 'http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation';
const schemaValidator = createValidator();

function adt({ controlId, charset, patientId, kanji, kana, pid3 = true, type = 'ADT^A08^ADT_A01', dash = '－' }) {
  return [
    `MSH|^~\\&|HISJS|0910112341|SOCIALRX|SOCIALRX|20261202093000||${type}|${controlId}|P|2.5||||||${charset}||ISO 2022-1994`,
    'EVN||20261202093000',
    `PID|0001||${pid3 ? `${patientId}^^^^PI` : ''}||${kanji[0]}^${kanji[1]}^^^^^L^I~${kana[0]}^${kana[1]}^^^^^L^P||19620315|F|||^^^^320-0806^JPN^H^栃木県宇都宮市中央１${dash}２${dash}３`,
    'PV1|0001|O',
  ].join('\r');
}

// glibc's iconv(1): UTF-8 text → ISO-2022-JP bytes, as a latin1 "binary" string that Hl7Client
// (encoding latin1) writes out byte for byte. glibc maps JIS X 0208 0x215D to U+2212 MINUS SIGN
// where CP932 (and ICU, which socialrx decodes with) has U+FF0D FULLWIDTH HYPHEN-MINUS: a message
// written with − must come out with the same －  as the same address sent in CP932.
function iso2022jp(text) {
  const result = spawnSync('iconv', ['-f', 'UTF-8', '-t', 'ISO-2022-JP'], { input: Buffer.from(text, 'utf8') });
  assert.equal(result.status, 0, `iconv failed: ${result.stderr}`);
  return result.stdout.toString('latin1');
}

function checkSchema(what, body) {
  const errors = validateDocument(schemaValidator, body);
  assert.deepEqual(errors.map(formatError), [], `${what} fails HL7's R4 JSON schema`);
}

describe('MLLP ingest from @medplum/hl7 into socialrx serve --dev', () => {
  const gateway = new Gateway({ dev: true });
  let mllpPort;
  let failed = false;

  before(async () => {
    mllpPort = await freePort();
    gateway.extraArgs = ['--mllp', `127.0.0.1:${mllpPort}`];
    await gateway.start();
  });

  after(async () => {
    const code = await gateway.stop();
    gateway.cleanUp(failed);
    assert.equal(code, 0, `socialrx did not exit 0 on SIGTERM${gateway.tail()}`);
  });

  async function send(text, encoding) {
    const client = new Hl7Client({ host: '127.0.0.1', port: mllpPort, encoding, connectTimeout: 5000 });
    client.addEventListener('error', () => {});
    try {
      return await client.sendAndWait(Hl7Message.parse(text), { timeoutMs: 15000 });
    } finally {
      await client.close();
    }
  }

  async function patient(id) {
    const response = await fetch(`${gateway.baseUrl}/Patient?identifier=${encodeURIComponent(`${PATIENT_ID_SYSTEM}|${id}`)}`);
    assert.equal(response.status, 200);
    const bundle = await response.json();
    checkSchema('the Patient search Bundle', bundle);
    assert.equal(bundle.total ?? bundle.entry?.length ?? 0, 1, `exactly one Patient ${id}`);
    return bundle.entry[0].resource;
  }

  function names(resource) {
    return Object.fromEntries(resource.name.map((name) => [
      name.extension.find((e) => e.url === NAME_REPRESENTATION).valueCode, name.text]));
  }

  test('CP932 from Hl7Client: AA, and the kanji (IBM extension 髙 included) and kana as Unicode', async (t) => {
    t.after(() => { failed ||= t.failed; });
    const ack = await send(adt({ controlId: 'JS-CP932-1', charset: 'SJIS', patientId: '7000000001',
      kanji: ['髙橋', '表太郎'], kana: ['タカハシ', 'ヒョウタロウ'] }), 'cp932');
    assert.equal(ack.getSegment('MSA').getField(1).toString(), 'AA');
    assert.equal(ack.getSegment('MSA').getField(2).toString(), 'JS-CP932-1');
    const stored = await patient('7000000001');
    assert.deepEqual(names(stored), { IDE: '髙橋 表太郎', SYL: 'タカハシ ヒョウタロウ' });
    assert.equal(stored.birthDate, '1962-03-15');
    assert.equal(stored.gender, 'female');
  });

  test('ISO-2022-JP (~ISO IR87): AA, and the names and address as Unicode', async (t) => {
    t.after(() => { failed ||= t.failed; });
    const ack = await send(iso2022jp(adt({ controlId: 'JS-JIS-1', charset: '~ISO IR87', patientId: '7000000002',
      kanji: ['宇都宮', '花子'], kana: ['ウツノミヤ', 'ハナコ'], dash: '−' })), 'latin1');
    assert.equal(ack.getSegment('MSA').getField(1).toString(), 'AA');
    const stored = await patient('7000000002');
    assert.deepEqual(names(stored), { IDE: '宇都宮 花子', SYL: 'ウツノミヤ ハナコ' });
    assert.equal(stored.address[0].postalCode, '320-0806');
    assert.equal(stored.address[0].text, '栃木県宇都宮市中央１－２－３');
  });

  test('a resent message gets the original ACK and is not processed again', async (t) => {
    t.after(() => { failed ||= t.failed; });
    const message = adt({ controlId: 'JS-DUP-1', charset: 'SJIS', patientId: '7000000003',
      kanji: ['佐藤', '聡子'], kana: ['サトウ', 'ソウコ'] });
    const first = await send(message, 'cp932');
    const second = await send(message, 'cp932');
    assert.equal(first.getSegment('MSA').getField(1).toString(), 'AA');
    // The stored ACK, byte for byte: the same ACK control id (MSH-10) and time (MSH-7).
    assert.equal(second.toString(), first.toString());
    assert.equal((await patient('7000000003')).meta.versionId, '1');
  });

  test('no PID-3: AE with an ERR segment at PID-3, code 101', async (t) => {
    t.after(() => { failed ||= t.failed; });
    const ack = await send(adt({ controlId: 'JS-AE-1', charset: 'SJIS', patientId: '', pid3: false,
      kanji: ['鈴木', '一郎'], kana: ['スズキ', 'イチロウ'] }), 'cp932');
    assert.equal(ack.getSegment('MSA').getField(1).toString(), 'AE');
    const errors = ack.getAllSegments('ERR').filter((err) => err.getField(4).toString() === 'E');
    assert.equal(errors.length, 1, `one ERR of severity E in ${ack.toString()}`);
    assert.equal(errors[0].getField(2).toString(), 'PID^1^3^1');  // ERL: segment, sequence, field, repetition
    assert.equal(errors[0].getField(3).getComponent(1), '101');
  });

  test('an unsupported message type: AR', async (t) => {
    t.after(() => { failed ||= t.failed; });
    const ack = await send(adt({ controlId: 'JS-AR-1', charset: 'SJIS', patientId: '7000000005', type: 'ORU^R01^ORU_R01',
      kanji: ['山本', '由美'], kana: ['ヤマモト', 'ユミ'] }), 'cp932');
    assert.equal(ack.getSegment('MSA').getField(1).toString(), 'AR');
  });
});
