// The FHIR REST API of the real binary, driven by an external FHIR client from npm
// (fhir-kit-client, pinned in package-lock.json) instead of our own C++ HTTP code.
//
//   node --test tests/js/fhir_client.test.mjs
//
// One scenario (capabilities, CRUD with versions and If-Match, Japanese name search, paging,
// history, a transaction with urn:uuid references, conditional create, errors, delete) runs twice:
//   - `socialrx serve --dev` on SQLite in a fresh temporary data directory;
//   - `socialrx serve --config FILE` on PostgreSQL, authentication on (a bearer-token client), in
//     a fresh schema of the database named by SOCIALRX_TEST_POSTGRESQL_URL. ctest sets that
//     variable (tests/CMakeLists.txt, fixture `postgresql`); without it this case FAILS, it never
//     skips.
// Each server listens on a free port of 127.0.0.1 and must exit 0 on SIGTERM at the end.
// Every response body the client receives, resources and Bundles as well as the
// OperationOutcomes of errors, must pass HL7's R4 JSON schema (tests/tools/fhir_schema_validate.mjs).
//
// Environment: SOCIALRX_BINARY (default: build/socialrx under the repository root),
// SOCIALRX_TEST_POSTGRESQL_URL, SOCIALRX_KEEP_TEST_DIRS (keep the temporary directories).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Client } from 'fhir-kit-client';

import { createValidator, formatError, validateDocument } from '../tools/fhir_schema_validate.mjs';
import { Gateway, KEEP_DIRS } from './gateway_process.mjs';

const TEST_TIMEOUT_MS = 120_000;

const IDEOGRAPHIC_SPACE = '\u3000';
const JP_INSURER_SYSTEM = 'urn:oid:1.2.392.100495.20.3.51.10910112341';
const NAME_REPRESENTATION = 'http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation';

// HL7's schema, compiled once (about a second).
const schemaValidator = createValidator();

// ---------------------------------------------------------------------------------------------
// PostgreSQL: a fresh schema per run, as tests/gateway/storage/storage_test_support.hpp does.

function postgresqlUrl() {
  const url = process.env.SOCIALRX_TEST_POSTGRESQL_URL;
  assert.ok(url, 'SOCIALRX_TEST_POSTGRESQL_URL is not set: run this through ctest, whose fixture ' +
    '`postgresql` (scripts/pg_test_server.sh) provides it; the PostgreSQL case fails, it does not skip');
  return url;
}

function psql(url, sql) {
  const result = spawnSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql], { encoding: 'utf8' });
  assert.equal(result.error, undefined, `psql could not run: ${result.error?.message}`);
  assert.equal(result.status, 0, `psql ${sql} failed:\n${result.stderr}`);
}

function withSearchPath(url, schema) {
  return `${url}${url.includes('?') ? '&' : '?'}options=-c%20search_path%3D${schema}`;
}

// ---------------------------------------------------------------------------------------------
// Every response through one check: HL7's JSON schema, the media type, and the status.

class Checked {
  constructor(client) {
    this.client = client;
    this.bodies = 0;
  }

  validate(what, body, contentType) {
    assert.match(contentType ?? '', /^application\/fhir\+json/, `${what}: Content-Type`);
    const errors = validateDocument(schemaValidator, body);
    assert.deepEqual(errors.map(formatError), [],
      `${what}: the response fails HL7's R4 JSON schema:\n${JSON.stringify(body, null, 1).slice(0, 3000)}`);
    ++this.bodies;
  }

  // Awaits a client call that must succeed; checks its body (if any) and, when given, its status.
  // Returns { body, response } (response: the fetch Response, for headers).
  async ok(what, call, { status } = {}) {
    let body;
    try {
      body = await call(this.client);
    } catch (error) {
      const detail = error.response ? ` ${JSON.stringify(error.response.data).slice(0, 2000)}` : '';
      assert.fail(`${what}: ${error.message}${detail}`);
    }
    assert.ok(body !== undefined, `${what}: the client returned nothing`);
    const { response } = Client.httpFor(body);
    if (status !== undefined) {
      assert.equal(response.status, status,
        `${what}: status (${response.url} answered ${JSON.stringify(body).slice(0, 1000)})`);
    }
    if (response.status === 204) {
      assert.deepEqual(body, {}, `${what}: 204 with a body`);
    } else {
      this.validate(what, body, response.headers.get('content-type'));
    }
    return { body, response };
  }

  // Awaits a client call that must fail with `status`; checks that the error's body is a valid
  // OperationOutcome and returns it.
  async fails(what, call, status) {
    let error;
    try {
      await call(this.client);
    } catch (caught) {
      error = caught;
    }
    assert.ok(error, `${what}: expected HTTP ${status}, but the call succeeded`);
    assert.ok(error.response, `${what}: not an HTTP error: ${error.stack}`);
    assert.equal(error.response.status, status,
      `${what}: status (body ${JSON.stringify(error.response.data).slice(0, 2000)})`);
    const outcome = error.response.data;
    assert.equal(outcome?.resourceType, 'OperationOutcome', `${what}: the error body is ${JSON.stringify(outcome)}`);
    this.validate(what, outcome, error.config.headers.get('content-type'));
    assert.ok(outcome.issue.length > 0, `${what}: an OperationOutcome without issues`);
    assert.ok(outcome.issue.some((issue) => issue.severity === 'error' || issue.severity === 'fatal'),
      `${what}: no error issue in ${JSON.stringify(outcome)}`);
    return outcome;
  }
}

const matches = (bundle) => (bundle.entry ?? []).filter((entry) => entry.search?.mode === 'match');
const matchIds = (bundle) => matches(bundle).map((entry) => entry.resource.id).sort();
const sorted = (values) => [...values].sort();

// ---------------------------------------------------------------------------------------------
// The resources.

// A unique tag per run so that searches find exactly what this run created.
const runTag = randomBytes(4).toString('hex');
const hanakoIdentifier = String(parseInt(runTag, 16)).padStart(10, '0').slice(-10);

function hanako() {
  return {
    resourceType: 'Patient',
    identifier: [{ system: JP_INSURER_SYSTEM, value: hanakoIdentifier }],
    name: [
      {
        extension: [{ url: NAME_REPRESENTATION, valueCode: 'IDE' }],
        use: 'official',
        text: `宇都宮${IDEOGRAPHIC_SPACE}花子`,
        family: '宇都宮',
        given: ['花子'],
      },
      {
        extension: [{ url: NAME_REPRESENTATION, valueCode: 'SYL' }],
        use: 'official',
        text: `ウツノミヤ${IDEOGRAPHIC_SPACE}ハナコ`,
        family: 'ウツノミヤ',
        given: ['ハナコ'],
      },
    ],
    gender: 'female',
    birthDate: '1962-03-15',
    address: [{ postalCode: '320-0806', text: '栃木県宇都宮市中央１丁目' }],
  };
}

const sato = {
  resourceType: 'Patient',
  name: [
    { text: '佐藤 一郎', family: '佐藤', given: ['一郎'] },
    { text: 'サトウ イチロウ', family: 'サトウ', given: ['イチロウ'] },
  ],
  gender: 'male',
  birthDate: '1990-07-01',
};

// ---------------------------------------------------------------------------------------------
// The scenario, once per backend.

function scenario({ name, startGateway, auth }) {
  describe(name, { timeout: 10 * TEST_TIMEOUT_MS }, () => {
    let gateway;
    let fhir; // Checked over a Client with the right credentials
    let failed = false;
    const state = {};

    before(async () => {
      gateway = await startGateway();
      fhir = new Checked(new Client({ baseUrl: gateway.baseUrl, bearerToken: auth?.token }));
    });

    after(async () => {
      if (gateway) {
        await gateway.kill();
        gateway.cleanUp(failed);
      }
      await auth?.cleanUp?.();
    });

    // Marks the run failed (keeps its directories) when the body throws.
    const step = (title, body) => test(title, { timeout: TEST_TIMEOUT_MS }, async () => {
      try {
        await body();
      } catch (error) {
        failed = true;
        if (gateway) error.message += gateway.tail();
        throw error;
      }
    });

    if (auth) {
      step('without a bearer token: 401 with an OperationOutcome; metadata stays public', async () => {
        const anonymous = new Checked(new Client({ baseUrl: gateway.baseUrl }));
        const outcome = await anonymous.fails('search without a token',
          (c) => c.search({ resourceType: 'Patient' }), 401);
        assert.equal(outcome.issue[0].code, 'login');
        const wrong = new Checked(new Client({ baseUrl: gateway.baseUrl, bearerToken: 'not-the-token' }));
        await wrong.fails('read with a wrong token', (c) => c.read({ resourceType: 'Patient', id: 'x' }), 401);
        await anonymous.ok('metadata without a token', (c) => c.capabilityStatement(), { status: 200 });
      });
    }

    step('capabilityStatement: FHIR 4.0.1, JSON, the interactions used here', async () => {
      const { body } = await fhir.ok('capabilityStatement', (c) => c.capabilityStatement(), { status: 200 });
      assert.equal(body.resourceType, 'CapabilityStatement');
      assert.equal(body.fhirVersion, '4.0.1');
      assert.equal(body.kind, 'instance');
      assert.ok(body.format.some((format) => /json/.test(format)), `format ${body.format}`);
      const rest = body.rest.find((r) => r.mode === 'server');
      assert.ok(rest, 'a server rest entry');
      const patient = rest.resource.find((r) => r.type === 'Patient');
      assert.ok(patient, 'Patient is supported');
      const interactions = patient.interaction.map((i) => i.code);
      for (const code of ['read', 'vread', 'update', 'delete', 'history-instance', 'create', 'search-type']) {
        assert.ok(interactions.includes(code), `Patient interaction ${code} in ${interactions}`);
      }
      assert.ok(patient.searchParam.some((p) => p.name === 'name' && p.type === 'string'));
      assert.ok(rest.interaction.some((i) => i.code === 'transaction'), 'system interaction transaction');
    });

    step('create: 201, a server id, version 1, ETag and Location', async () => {
      const { body, response } = await fhir.ok('create Patient',
        (c) => c.create({ resourceType: 'Patient', body: hanako() }), { status: 201 });
      assert.equal(body.resourceType, 'Patient');
      assert.match(body.id, /^[A-Za-z0-9\-.]{1,64}$/);
      assert.equal(body.meta.versionId, '1');
      assert.match(body.meta.lastUpdated, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
      const { meta, id, ...content } = body;
      assert.deepEqual(content, hanako(), 'the stored resource is what was sent, U+3000 included');
      assert.equal(response.headers.get('etag'), 'W/"1"');
      assert.ok(response.headers.get('location').endsWith(`/fhir/Patient/${id}/_history/1`),
        `Location ${response.headers.get('location')}`);
      state.hanako = body;
    });

    step('read: the same resource', async () => {
      const { body, response } = await fhir.ok('read Patient',
        (c) => c.read({ resourceType: 'Patient', id: state.hanako.id }), { status: 200 });
      assert.deepEqual(body, state.hanako);
      assert.equal(response.headers.get('etag'), 'W/"1"');
    });

    step('update with If-Match: version 2; a stale If-Match gets 412', async () => {
      const changed = { ...state.hanako, gender: 'other' };
      delete changed.meta;
      await fhir.fails('update with a wrong If-Match', (c) => c.update({
        resourceType: 'Patient', id: state.hanako.id, body: changed, options: { headers: { 'If-Match': 'W/"7"' } },
      }), 412);
      const { body, response } = await fhir.ok('update Patient', (c) => c.update({
        resourceType: 'Patient', id: state.hanako.id, body: changed, options: { headers: { 'If-Match': 'W/"1"' } },
      }), { status: 200 });
      assert.equal(body.id, state.hanako.id);
      assert.equal(body.meta.versionId, '2');
      assert.equal(body.gender, 'other');
      assert.equal(response.headers.get('etag'), 'W/"2"');
      assert.ok(body.meta.lastUpdated >= state.hanako.meta.lastUpdated);
      await fhir.fails('update with the old If-Match', (c) => c.update({
        resourceType: 'Patient', id: state.hanako.id, body: changed, options: { headers: { 'If-Match': 'W/"1"' } },
      }), 412);
      const { body: read } = await fhir.ok('read after update',
        (c) => c.read({ resourceType: 'Patient', id: state.hanako.id }));
      assert.deepEqual(read, body);
      state.hanakoV2 = body;
    });

    step('vread: each version as it was; an unknown version is 404', async () => {
      const { body: first } = await fhir.ok('vread 1',
        (c) => c.vread({ resourceType: 'Patient', id: state.hanako.id, version: '1' }), { status: 200 });
      assert.deepEqual(first, state.hanako);
      const { body: second } = await fhir.ok('vread 2',
        (c) => c.vread({ resourceType: 'Patient', id: state.hanako.id, version: '2' }), { status: 200 });
      assert.deepEqual(second, state.hanakoV2);
      await fhir.fails('vread 9', (c) => c.vread({ resourceType: 'Patient', id: state.hanako.id, version: '9' }), 404);
    });

    step('search: Japanese names in kana and kanji, identifier, birthdate, gender', async () => {
      const { body: other } = await fhir.ok('create Patient 佐藤',
        (c) => c.create({ resourceType: 'Patient', body: sato }), { status: 201 });
      state.sato = other;
      const hanakoId = state.hanako.id;
      const search = async (searchParams) => {
        const { body } = await fhir.ok(`search Patient ${JSON.stringify(searchParams)}`,
          (c) => c.search({ resourceType: 'Patient', searchParams }), { status: 200 });
        assert.equal(body.resourceType, 'Bundle');
        assert.equal(body.type, 'searchset');
        for (const entry of matches(body)) {
          assert.ok(entry.fullUrl.endsWith(`/fhir/Patient/${entry.resource.id}`), `fullUrl ${entry.fullUrl}`);
        }
        if (body.total !== undefined) assert.equal(body.total, matches(body).length);
        return matchIds(body);
      };
      assert.deepEqual(await search({ name: 'うつのみや' }), [hanakoId], 'hiragana finds the katakana name');
      assert.deepEqual(await search({ name: 'ウツノミヤ' }), [hanakoId], 'katakana');
      assert.deepEqual(await search({ name: 'ｳﾂﾉﾐﾔ' }), [hanakoId], 'half-width katakana');
      assert.deepEqual(await search({ name: '宇都宮' }), [hanakoId], 'kanji');
      assert.deepEqual(await search({ given: 'はなこ' }), [hanakoId], 'given name in hiragana');
      assert.deepEqual(await search({ family: 'さとう' }), [state.sato.id], 'family name in hiragana');
      assert.deepEqual(await search({ 'name:exact': '佐藤' }), [state.sato.id], ':exact');
      assert.deepEqual(await search({ 'name:exact': '佐' }), [], ':exact is not a prefix match');
      assert.deepEqual(await search({ name: 'すずき' }), [], 'nobody named すずき');
      assert.deepEqual(await search({ identifier: `${JP_INSURER_SYSTEM}|${hanakoIdentifier}` }), [hanakoId]);
      assert.deepEqual(await search({ birthdate: 'lt1970' }), [hanakoId]);
      assert.deepEqual(await search({ birthdate: 'ge1990-01' }), [state.sato.id]);
      assert.deepEqual(await search({ gender: 'other' }), [hanakoId], 'the updated gender is indexed');
      assert.deepEqual(await search({ gender: 'female' }), [], 'the old version is not indexed');
      assert.deepEqual(await search({ name: ['うつのみや', 'はなこ'] }), [hanakoId], 'repeated parameters are ANDed');
      assert.deepEqual(await search({ name: 'うつのみや,さとう' }), sorted([hanakoId, state.sato.id]), 'a list is ORed');
      assert.deepEqual(await search({}), sorted([hanakoId, state.sato.id]), 'no parameters: every Patient');
    });

    step('paging: nextPage walks every match exactly once', async () => {
      const created = [];
      for (let i = 0; i < 7; ++i) {
        const { body } = await fhir.ok(`create Observation ${i}`, (c) => c.create({
          resourceType: 'Observation',
          body: {
            resourceType: 'Observation',
            status: 'final',
            code: { text: `孤独感 ${runTag} ${i}` },
            subject: { reference: `Patient/${state.hanako.id}` },
          },
        }), { status: 201 });
        created.push(body.id);
      }
      let { body: page } = await fhir.ok('search Observation page 1', (c) => c.search({
        resourceType: 'Observation', searchParams: { subject: `Patient/${state.hanako.id}`, _count: 3 },
      }), { status: 200 });
      const seen = [];
      const sizes = [];
      for (let pages = 1; ; ++pages) {
        assert.ok(pages <= 5, 'too many pages');
        assert.equal(page.type, 'searchset');
        sizes.push(matches(page).length);
        seen.push(...matchIds(page));
        if (!page.link?.some((link) => link.relation === 'next')) break;
        const current = page;
        ({ body: page } = await fhir.ok(`nextPage ${pages}`, (c) => c.nextPage({ bundle: current }), { status: 200 }));
      }
      assert.deepEqual(sizes, [3, 3, 1]);
      assert.deepEqual(sorted(seen), sorted(created));
      assert.equal(await fhir.client.nextPage({ bundle: page }), undefined, 'no page after the last');
    });

    step('transaction: urn:uuid references are rewritten to Type/id', async () => {
      const patientUrn = 'urn:uuid:7b0c3f4e-6a1d-4c52-9e8b-0d2f5a6c7e81';
      const requestUrn = 'urn:uuid:c3e2a9d4-1f7b-4e60-8a95-2b4c6d8e0f13';
      const bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            fullUrl: patientUrn,
            resource: {
              resourceType: 'Patient',
              name: [{ text: `鈴木${IDEOGRAPHIC_SPACE}次郎`, family: '鈴木', given: ['次郎'] },
                { text: 'スズキ ジロウ', family: 'スズキ', given: ['ジロウ'] }],
              birthDate: '1948-11-03',
            },
            request: { method: 'POST', url: 'Patient' },
          },
          {
            fullUrl: requestUrn,
            resource: {
              resourceType: 'ServiceRequest',
              status: 'active',
              intent: 'order',
              category: [{ coding: [{ system: 'http://snomed.info/sct', code: '410606002' }] }],
              subject: { reference: patientUrn },
              note: [{ text: '地域包括支援センターへの紹介' }],
            },
            request: { method: 'POST', url: 'ServiceRequest' },
          },
          {
            resource: {
              resourceType: 'Task',
              status: 'requested',
              intent: 'order',
              focus: { reference: requestUrn },
              for: { reference: patientUrn },
            },
            request: { method: 'POST', url: 'Task' },
          },
        ],
      };
      const { body } = await fhir.ok('transaction', (c) => c.transaction({ body: bundle }), { status: 200 });
      assert.equal(body.resourceType, 'Bundle');
      assert.equal(body.type, 'transaction-response');
      assert.equal(body.entry.length, 3);
      const types = ['Patient', 'ServiceRequest', 'Task'];
      body.entry.forEach((entry, i) => {
        assert.match(entry.response.status, /^201/, `entry ${i} status`);
        assert.equal(entry.resource.resourceType, types[i]);
        assert.equal(entry.resource.meta.versionId, '1');
        assert.ok(entry.response.location.includes(`${types[i]}/${entry.resource.id}/_history/1`),
          `entry ${i} location ${entry.response.location}`);
      });
      const [patient, request, task] = body.entry.map((entry) => entry.resource);
      assert.equal(request.subject.reference, `Patient/${patient.id}`);
      assert.equal(task.focus.reference, `ServiceRequest/${request.id}`);
      assert.equal(task.for.reference, `Patient/${patient.id}`);
      for (const resource of [patient, request, task]) {
        assert.ok(!JSON.stringify(resource).includes('urn:uuid:'), `a urn:uuid left in ${JSON.stringify(resource)}`);
      }

      const { body: stored } = await fhir.ok('read the Task', (c) => c.read({ resourceType: 'Task', id: task.id }));
      assert.equal(stored.focus.reference, `ServiceRequest/${request.id}`);
      assert.equal(stored.for.reference, `Patient/${patient.id}`);
      const { body: found } = await fhir.ok('search Task by patient', (c) => c.search({
        resourceType: 'Task', searchParams: { patient: patient.id },
      }));
      assert.deepEqual(matchIds(found), [task.id]);
      const { body: byName } = await fhir.ok('search the new Patient by name', (c) => c.search({
        resourceType: 'Patient', searchParams: { name: 'すずき' },
      }));
      assert.deepEqual(matchIds(byName), [patient.id]);
      state.transaction = { patient, request, task };
    });

    step('conditional create with If-None-Exist: the second create finds the first', async () => {
      const identifier = `${runTag}-conditional`;
      const body = {
        resourceType: 'Organization',
        identifier: [{ system: 'http://socialrx.example.jp/organization', value: identifier }],
        name: '中央地域包括支援センター',
      };
      const options = { headers: { 'If-None-Exist': `identifier=http://socialrx.example.jp/organization|${identifier}` } };
      const { body: first } = await fhir.ok('conditional create 1',
        (c) => c.create({ resourceType: 'Organization', body, options }), { status: 201 });
      const { body: second } = await fhir.ok('conditional create 2',
        (c) => c.create({ resourceType: 'Organization', body, options }), { status: 200 });
      assert.equal(second.id, first.id);
      assert.equal(second.meta.versionId, '1');
      const { body: found } = await fhir.ok('search Organization', (c) => c.search({
        resourceType: 'Organization', searchParams: { identifier: `http://socialrx.example.jp/organization|${identifier}` },
      }));
      assert.deepEqual(matchIds(found), [first.id], 'only one was created');
    });

    step('errors are client errors whose body is an OperationOutcome', async () => {
      const invalid = await fhir.fails('create an invalid Patient', (c) => c.create({
        resourceType: 'Patient', body: { resourceType: 'Patient', birthDate: '1944-02-30' },
      }), 422);
      assert.ok(invalid.issue.some((issue) => issue.expression?.includes('Patient.birthDate')),
        `Patient.birthDate named in ${JSON.stringify(invalid)}`);
      await fhir.fails('create a Task with a bad code', (c) => c.create({
        resourceType: 'Task', body: { resourceType: 'Task', status: 'unknown-status', intent: 'order' },
      }), 422);
      await fhir.fails('create with another resource type in the body', (c) => c.create({
        resourceType: 'Patient', body: { resourceType: 'Task', status: 'requested', intent: 'order' },
      }), 400);
      await fhir.fails('update with a different id in the body', (c) => c.update({
        resourceType: 'Patient', id: 'mismatch', body: { ...sato, id: 'other' },
      }), 400);
      await fhir.fails('read an unknown id', (c) => c.read({ resourceType: 'Patient', id: 'nobody-here' }), 404);
      await fhir.fails('read an unknown type', (c) => c.read({ resourceType: 'Unicorn', id: '1' }), 404);
      await fhir.fails('search with an invalid date', (c) => c.search({
        resourceType: 'Patient', searchParams: { birthdate: 'yesterday' },
      }), 400);
      await fhir.fails('a strict search with an unknown parameter', (c) => c.search({
        resourceType: 'Patient', searchParams: { 'shoe-size': '27' }, options: { headers: { Prefer: 'handling=strict' } },
      }), 400);
      const { body: outcome } = await fhir.ok('$validate an invalid Patient', (c) => c.operation({
        name: '$validate', resourceType: 'Patient',
        input: { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: { resourceType: 'Patient', gender: 'f' } }] },
      }), { status: 200 });
      assert.equal(outcome.resourceType, 'OperationOutcome');
      assert.equal(outcome.issue[0].code, 'code-invalid');
    });

    step('delete: 204, then read is 410 Gone, old versions stay readable', async () => {
      const { id } = state.hanako;
      await fhir.ok('delete Patient', (c) => c.delete({ resourceType: 'Patient', id }), { status: 204 });
      const gone = await fhir.fails('read a deleted Patient', (c) => c.read({ resourceType: 'Patient', id }), 410);
      assert.equal(gone.issue[0].code, 'deleted');
      await fhir.ok('delete again (idempotent)', (c) => c.delete({ resourceType: 'Patient', id }), { status: 204 });
      const { body: first } = await fhir.ok('vread 1 after delete',
        (c) => c.vread({ resourceType: 'Patient', id, version: '1' }), { status: 200 });
      assert.deepEqual(first, state.hanako);
      const { body: found } = await fhir.ok('search after delete', (c) => c.search({
        resourceType: 'Patient', searchParams: { name: 'うつのみや' },
      }));
      assert.deepEqual(matchIds(found), [], 'a deleted resource is not found');
    });

    step('history: instance and type history, newest first', async () => {
      const { id } = state.hanako;
      const { body } = await fhir.ok('instance history', (c) => c.history({ resourceType: 'Patient', id }), { status: 200 });
      assert.equal(body.resourceType, 'Bundle');
      assert.equal(body.type, 'history');
      assert.deepEqual(body.entry.map((entry) => entry.request.method), ['DELETE', 'PUT', 'POST']);
      assert.equal(body.entry[0].resource, undefined, 'a deletion has no resource');
      assert.equal(body.entry[1].resource.meta.versionId, '2');
      assert.equal(body.entry[1].resource.gender, 'other');
      assert.equal(body.entry[2].resource.meta.versionId, '1');
      assert.equal(body.entry[2].resource.gender, 'female');
      for (const entry of body.entry) assert.equal(entry.request.url.split('/')[0], 'Patient');

      const { body: typeHistory } = await fhir.ok('type history',
        (c) => c.history({ resourceType: 'Patient' }), { status: 200 });
      assert.equal(typeHistory.type, 'history');
      const ids = new Set(typeHistory.entry.map((entry) => entry.fullUrl.split('/').pop()));
      const expected = [id, state.sato.id];
      if (state.transaction) expected.push(state.transaction.patient.id);
      for (const patientId of expected) {
        assert.ok(ids.has(patientId), `Patient/${patientId} in the type history`);
      }
      assert.equal(typeHistory.entry.filter((entry) => entry.fullUrl.endsWith(`/Patient/${id}`)).length, 3);
    });

    step('SIGTERM: the server drains and exits 0', async () => {
      assert.ok(fhir.bodies >= 40, `only ${fhir.bodies} response bodies were checked against the schema`);
      const code = await gateway.stop();
      assert.equal(code, 0, `exit ${JSON.stringify(gateway.exit)}`);
    });
  });
}

// ---------------------------------------------------------------------------------------------

scenario({
  name: 'fhir-kit-client against socialrx serve --dev (SQLite)',
  startGateway: async () => {
    const gateway = new Gateway({ dev: true });
    await gateway.start();
    return gateway;
  },
});

const token = `js-client-token-${randomBytes(16).toString('hex')}`;
let schema;
let databaseUrl;
scenario({
  name: 'fhir-kit-client against socialrx serve on PostgreSQL, with a bearer token',
  auth: {
    token,
    cleanUp: async () => {
      if (schema && !KEEP_DIRS) psql(databaseUrl, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    },
  },
  startGateway: async () => {
    databaseUrl = postgresqlUrl();
    const candidate = `js_fhir_client_${randomBytes(6).toString('hex')}`;
    psql(databaseUrl, `CREATE SCHEMA ${candidate}`);
    schema = candidate;
    const gateway = new Gateway({ dev: false });
    const config = join(gateway.workDir, 'gateway.jsonc');
    writeFileSync(config, `${JSON.stringify({
      storage: { backend: 'postgresql', postgresql_url: withSearchPath(databaseUrl, schema) },
      auth: {
        clients: [{
          id: 'js-fhir-client',
          token_sha256: createHash('sha256').update(token).digest('hex'),
          scopes: ['system/*.cruds'],
        }],
      },
    }, null, 2)}\n`);
    gateway.extraArgs = ['--config', config];
    await gateway.start();
    return gateway;
  },
});
