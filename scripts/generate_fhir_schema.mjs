#!/usr/bin/env node
// Generates fhir/generated/r4_schema.cpp: the FHIR R4 structure tables (types, elements, element
// types, Reference/canonical targets, required-binding value sets and their codes) that the
// validator in fhir/ reads through fhir/schema.hpp.
//
// Why: the structure of every R4 type (cardinalities, choice types, backbone elements, required
// bindings) is defined by HL7's official StructureDefinitions, ValueSets and CodeSystems. Copying
// them by hand would be slow and error-prone, so they are turned into plain static C++ arrays
// (no parsing, no allocation at start-up) from the pinned npm package hl7.fhir.r4.examples 4.0.1
// (see package.json / package-lock.json). fhir/schema.hpp is the contract for the output.
//
// How to run (Node.js 20, no dependencies beyond node's standard library):
//   npm ci                                     # installs node_modules/hl7.fhir.r4.examples
//   node scripts/generate_fhir_schema.mjs [PACKAGE_DIR]
// PACKAGE_DIR defaults to node_modules/hl7.fhir.r4.examples under the repository root (found from
// this script's location); the output is always <repo>/fhir/generated/r4_schema.cpp. A summary
// (counts, value sets that could not be expanded) goes to stderr. The output is deterministic:
// the same package gives a byte-identical file, so regenerate and commit it together with any
// change to this script.
//
// What goes into the tables:
// - StructureDefinitions of kind primitive-type, complex-type or resource whose derivation is
//   "specialization" (or that have no baseDefinition: Element, Resource). Profiles (derivation
//   "constraint": SimpleQuantity, vitalsigns, extension definitions...) and logical models are
//   skipped.
// - Elements come from the snapshot, direct children only. A child that has children of its own
//   (type BackboneElement or Element) becomes a backbone type named by its path
//   ("Patient.contact"); contentReference ("#Questionnaire.item") points at such a backbone type.
//   Primitive types have no elements, only the spec's regex for their value.
// - FHIRPath system types (http://hl7.org/fhirpath/System.String, used for Element.id,
//   Extension.url, ...) are mapped to the FHIR type named by the structuredefinition-fhir-type
//   extension, or "string".
// - Required bindings on code / Coding / CodeableConcept elements get a value set when it can be
//   fully enumerated from the package (concept lists, whole complete CodeSystems, included value
//   sets, minus excludes; or a stored expansion). Anything with a filter or an external/incomplete
//   code system is skipped (kNoBinding) and reported.
// Ordering: types() is sorted by name (byte order), so a TypeId is an index into it; value_sets()
// is sorted by URL (byte order); the codes of each value set are sorted by (code, system) in byte
// order and deduplicated; elements keep StructureDefinition order.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const packageDir = path.resolve(process.argv[2] ?? path.join(repoRoot, 'node_modules', 'hl7.fhir.r4.examples'));
const outputFile = path.join(repoRoot, 'fhir', 'generated', 'r4_schema.cpp');

const FHIR_TYPE_EXT = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';
const REGEX_EXT = 'http://hl7.org/fhir/StructureDefinition/regex';
const SD_PREFIX = 'http://hl7.org/fhir/StructureDefinition/';
const CODED_TYPES = new Set(['code', 'Coding', 'CodeableConcept']);
const UNBOUNDED = 0xffff;
// Resources whose skipped required bindings are listed in the summary (the ones socialrx uses).
const REPORTED_RESOURCES = new Set([
  'Patient', 'Practitioner', 'PractitionerRole', 'Organization', 'Location', 'HealthcareService', 'Endpoint',
  'Questionnaire', 'QuestionnaireResponse', 'Observation', 'Condition', 'Goal', 'ServiceRequest', 'Task',
  'Procedure', 'Consent', 'Composition', 'Bundle', 'OperationOutcome', 'AuditEvent', 'Provenance', 'Subscription',
  'CapabilityStatement', 'MeasureReport', 'Communication', 'DocumentReference', 'Binary', 'Coverage', 'Encounter',
  'CarePlan', 'Parameters',
]);

// Byte-order (UTF-8) comparison, the order std::string_view::compare uses.
function byteCompare(a, b) {
  return a === b ? 0 : Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function fail(message) {
  process.stderr.write(`generate_fhir_schema: ${message}\n`);
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------
// Load the package.

if (!fs.existsSync(packageDir)) fail(`package folder ${packageDir} not found (run \`npm ci\` first)`);
const fileNames = fs.readdirSync(packageDir).filter((f) => f.endsWith('.json')).sort(byteCompare);

function loadAll(prefix, resourceType) {
  const out = [];
  for (const f of fileNames) {
    if (!f.startsWith(prefix)) continue;
    const json = JSON.parse(fs.readFileSync(path.join(packageDir, f), 'utf8'));
    if (json.resourceType === resourceType) out.push(json);
  }
  return out;
}

const structureDefinitions = loadAll('StructureDefinition-', 'StructureDefinition');
const valueSetsByUrl = new Map();
for (const vs of loadAll('ValueSet-', 'ValueSet')) {
  if (valueSetsByUrl.has(vs.url)) fail(`duplicate ValueSet ${vs.url}`);
  valueSetsByUrl.set(vs.url, vs);
}
const codeSystemsByUrl = new Map();
for (const cs of loadAll('CodeSystem-', 'CodeSystem')) {
  if (codeSystemsByUrl.has(cs.url)) fail(`duplicate CodeSystem ${cs.url}`);
  codeSystemsByUrl.set(cs.url, cs);
}
if (structureDefinitions.length === 0) fail(`no StructureDefinitions in ${packageDir}`);

// ---------------------------------------------------------------------------------------------
// Value set expansion. Returns {codes: [[code, system]...]} or {error: reason}.

const expansionCache = new Map();

function codeSystemCodes(system) {
  const cs = codeSystemsByUrl.get(system);
  if (!cs) return { error: `code system ${system} is not in the package` };
  if (cs.content !== 'complete') return { error: `code system ${system} has content "${cs.content}"` };
  const codes = [];
  const walk = (concepts) => {
    for (const c of concepts ?? []) {
      codes.push([c.code, system]);
      walk(c.concept);
    }
  };
  walk(cs.concept);
  return { codes };
}

const key = ([code, system]) => `${code}\u0000${system}`;

// One compose include/exclude entry: (system part) intersected with every listed value set.
function expandComposeEntry(entry, stack) {
  if (entry.filter && entry.filter.length > 0) {
    return { error: `filter on ${entry.system ?? 'value set'} (${entry.filter.map((f) => `${f.property} ${f.op} ${f.value}`).join(', ')})` };
  }
  let result = null; // Map key -> [code, system]
  if (entry.system) {
    let codes;
    if (entry.concept && entry.concept.length > 0) {
      codes = entry.concept.map((c) => [c.code, entry.system]);
    } else {
      const all = codeSystemCodes(entry.system);
      if (all.error) return all;
      codes = all.codes;
    }
    result = new Map(codes.map((c) => [key(c), c]));
  }
  for (const url of entry.valueSet ?? []) {
    const sub = expandValueSet(url.split('|')[0], stack);
    if (sub.error) return { error: `included value set ${url}: ${sub.error}` };
    const subMap = new Map(sub.codes.map((c) => [key(c), c]));
    if (result === null) {
      result = subMap;
    } else {
      for (const k of [...result.keys()]) if (!subMap.has(k)) result.delete(k);
    }
  }
  if (result === null) return { error: 'include without system or valueSet' };
  return { codes: [...result.values()] };
}

function expandCompose(vs, stack) {
  const compose = vs.compose;
  if (!compose || !compose.include || compose.include.length === 0) return { error: 'no compose.include' };
  const codes = new Map();
  for (const include of compose.include) {
    const r = expandComposeEntry(include, stack);
    if (r.error) return r;
    for (const c of r.codes) codes.set(key(c), c);
  }
  for (const exclude of compose.exclude ?? []) {
    const r = expandComposeEntry(exclude, stack);
    if (r.error) return { error: `exclude: ${r.error}` };
    for (const c of r.codes) codes.delete(key(c));
  }
  return { codes: [...codes.values()] };
}

function expandStored(vs) {
  const expansion = vs.expansion;
  if (!expansion || !expansion.contains) return null;
  if (expansion.total !== undefined && expansion.offset !== undefined) return null; // paged: incomplete
  const codes = [];
  const walk = (contains) => {
    for (const c of contains ?? []) {
      if (c.code !== undefined && c.system !== undefined && !c.abstract) codes.push([c.code, c.system]);
      walk(c.contains);
    }
  };
  walk(expansion.contains);
  return { codes };
}

function expandValueSet(url, stack = []) {
  if (expansionCache.has(url)) return expansionCache.get(url);
  if (stack.includes(url)) return { error: `value set ${url} includes itself` };
  const vs = valueSetsByUrl.get(url);
  let result;
  if (!vs) {
    result = { error: `value set ${url} is not in the package` };
  } else {
    result = expandCompose(vs, [...stack, url]);
    if (result.error) result = expandStored(vs) ?? result;
  }
  if (!result.error) {
    const seen = new Map(result.codes.map((c) => [key(c), c]));
    const codes = [...seen.values()].sort((a, b) => byteCompare(a[0], b[0]) || byteCompare(a[1], b[1]));
    result = codes.length > 0 ? { codes } : { error: 'expands to no codes' };
  }
  expansionCache.set(url, result);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Types and elements.

const selected = structureDefinitions
  .filter((sd) => ['primitive-type', 'complex-type', 'resource'].includes(sd.kind))
  .filter((sd) => sd.derivation === 'specialization' || !sd.baseDefinition)
  .sort((a, b) => byteCompare(a.type, b.type));

const KIND_OF = { 'primitive-type': 'primitive', 'complex-type': 'complex', resource: 'resource' };

const typeDefs = new Map(); // name -> {name, kind, abstract, regex, elements: [...]}
const contentReferences = []; // [path, target] to check after all types are known
const requiredBindingUses = new Map(); // value set url -> [element path...]
const otherRequiredBindings = []; // required bindings on elements that are not code/Coding/CodeableConcept

function typeCodesOf(element) {
  const codes = [];
  for (const t of element.type ?? []) {
    let code = t.code;
    if (code.startsWith('http://hl7.org/fhirpath/System.')) {
      const ext = (t.extension ?? []).find((x) => x.url === FHIR_TYPE_EXT);
      code = ext?.valueUrl ?? ext?.valueUri ?? 'string';
    }
    if (!codes.includes(code)) codes.push(code);
  }
  return codes;
}

function targetsOf(element) {
  const refs = (element.type ?? []).filter((t) => t.code === 'Reference' || t.code === 'canonical');
  if (refs.length === 0) return [];
  const targets = [];
  for (const t of refs) {
    const profiles = t.targetProfile ?? [];
    if (profiles.length === 0) return []; // an unrestricted Reference/canonical: any resource
    for (const p of profiles) {
      const name = p.slice(p.lastIndexOf('/') + 1);
      if (name === 'Resource') return [];
      if (!targets.includes(name)) targets.push(name);
    }
  }
  return targets;
}

function maxOf(element) {
  if (element.max === '*') return UNBOUNDED;
  const n = Number(element.max);
  if (!Number.isInteger(n) || n < 0 || n >= UNBOUNDED) fail(`${element.path}: unexpected max "${element.max}"`);
  return n;
}

function defineType(sd, name, kind, isAbstract, parentPath) {
  const all = sd.snapshot.element;
  const typeDef = { name, kind, abstract: isAbstract, regex: '', elements: [] };
  if (typeDefs.has(name)) fail(`type ${name} defined twice`);
  typeDefs.set(name, typeDef);
  const prefix = `${parentPath}.`;
  for (const element of all) {
    if (!element.path.startsWith(prefix) || element.path.slice(prefix.length).includes('.')) continue;
    const segment = element.path.slice(prefix.length);
    const choice = segment.endsWith('[x]');
    const hasChildren = all.some((e) => e.path.startsWith(`${element.path}.`));
    let types;
    if (element.contentReference) {
      if (!element.contentReference.startsWith('#')) fail(`${element.path}: contentReference ${element.contentReference}`);
      types = [element.contentReference.slice(1)];
      contentReferences.push([element.path, types[0]]);
    } else if (hasChildren) {
      const codes = typeCodesOf(element);
      if (codes.length !== 1 || !['BackboneElement', 'Element'].includes(codes[0])) {
        fail(`${element.path} has children but type ${codes.join('|')}`);
      }
      defineType(sd, element.path, 'backbone', false, element.path);
      types = [element.path];
    } else {
      types = typeCodesOf(element);
      if (types.length === 0) fail(`${element.path} has no type`);
    }
    let binding = null;
    const b = element.binding;
    if (b && b.strength === 'required') {
      const url = b.valueSet ? b.valueSet.split('|')[0] : null;
      if (types.some((t) => CODED_TYPES.has(t))) {
        if (url) {
          binding = url;
          if (!requiredBindingUses.has(url)) requiredBindingUses.set(url, []);
          requiredBindingUses.get(url).push(element.path);
        } else {
          otherRequiredBindings.push(`${element.path} (required binding without a value set)`);
        }
      } else {
        otherRequiredBindings.push(`${element.path} (${types.join('|')} -> ${url})`);
      }
    }
    typeDef.elements.push({
      path: element.path,
      name: choice ? segment.slice(0, -3) : segment,
      min: element.min ?? 0,
      max: maxOf(element),
      types,
      choice,
      summary: element.isSummary === true,
      binding,
      targets: targetsOf(element),
    });
  }
}

for (const sd of selected) {
  if (!sd.snapshot) fail(`StructureDefinition ${sd.url} has no snapshot`);
  const root = sd.snapshot.element[0];
  if (root.path !== sd.type) fail(`StructureDefinition ${sd.url}: first element ${root.path}, type ${sd.type}`);
  const kind = KIND_OF[sd.kind];
  if (kind === 'primitive') {
    const value = sd.snapshot.element.find((e) => e.path === `${sd.type}.value`);
    const regexExt = (value?.type?.[0]?.extension ?? []).find((x) => x.url === REGEX_EXT);
    if (typeDefs.has(sd.type)) fail(`type ${sd.type} defined twice`);
    typeDefs.set(sd.type, { name: sd.type, kind, abstract: sd.abstract === true, regex: regexExt?.valueString ?? '', elements: [] });
  } else {
    defineType(sd, sd.type, kind, sd.abstract === true, sd.type);
  }
}

for (const [from, to] of contentReferences) {
  if (typeDefs.get(to)?.kind !== 'backbone') fail(`${from}: contentReference #${to} is not a backbone element`);
}

// ---------------------------------------------------------------------------------------------
// Value sets for the bindings.

const valueSetUrls = [...requiredBindingUses.keys()].sort(byteCompare);
const skipped = []; // [url, reason]
const emittedValueSets = []; // {url, codes}
for (const url of valueSetUrls) {
  const r = expandValueSet(url);
  if (r.error) skipped.push([url, r.error]);
  else emittedValueSets.push({ url, codes: r.codes });
}
const valueSetIndex = new Map(emittedValueSets.map((v, i) => [v.url, i]));
if (emittedValueSets.length > 0x7fff) fail('too many value sets for an int16 binding index');

// ---------------------------------------------------------------------------------------------
// Layout.

const sortedTypes = [...typeDefs.values()].sort((a, b) => byteCompare(a.name, b.name));
if (sortedTypes.length > 0xffff) fail('too many types for a uint16 TypeId');
const typeIds = new Map(sortedTypes.map((t, i) => [t.name, i]));

const elementRows = [];
const elementTypeIds = []; // per type: [typeName, [ids...]]
const targetPool = [];
const targetRanges = new Map(); // joined target list -> begin
let elementTypesCount = 0;
const typeRows = [];

for (const t of sortedTypes) {
  const elementsBegin = elementRows.length;
  const ids = [];
  for (const e of t.elements) {
    const typesBegin = elementTypesCount + ids.length;
    for (const tn of e.types) {
      const id = typeIds.get(tn);
      if (id === undefined) fail(`${e.path}: unknown type ${tn}`);
      ids.push(id);
    }
    if (e.types.length > 255) fail(`${e.path}: too many types`);
    let targetsBegin = 0;
    if (e.targets.length > 0) {
      if (e.targets.length > 255) fail(`${e.path}: too many targets`);
      const k = e.targets.join('|');
      if (!targetRanges.has(k)) {
        targetRanges.set(k, targetPool.length);
        targetPool.push(...e.targets);
      }
      targetsBegin = targetRanges.get(k);
    }
    const binding = e.binding !== null && valueSetIndex.has(e.binding) ? valueSetIndex.get(e.binding) : -1;
    elementRows.push({ ...e, typesBegin, targetsBegin, bindingIndex: binding });
  }
  elementTypeIds.push([t.name, ids]);
  elementTypesCount += ids.length;
  if (t.elements.length > 0xffff) fail(`${t.name}: too many elements`);
  typeRows.push({ ...t, elementsBegin, elementsCount: t.elements.length });
}

// ---------------------------------------------------------------------------------------------
// Emit C++.

// An ordinary string literal with a `sv` suffix; non-ASCII bytes as 3-digit octal escapes so no
// escape can swallow a following character.
function lit(s) {
  let out = '"';
  const bytes = Buffer.from(s, 'utf8');
  bytes.forEach((byte, i) => {
    const ch = String.fromCharCode(byte);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (byte < 0x20 || byte >= 0x7f) out += `\\${byte.toString(8).padStart(3, '0')}`;
    else if (ch === '?' && bytes[i + 1] === 0x3f) out += '\\?'; // no "??" trigraph lookalikes
    else out += ch;
  });
  return `${out}"sv`;
}

const KIND_CPP = { primitive: 'P', complex: 'C', resource: 'R', backbone: 'B' };
const bool = (b) => (b ? 'true' : 'false');
const maxCpp = (m) => (m === UNBOUNDED ? 'U' : String(m));

const pkgJsonPath = path.join(packageDir, 'package.json');
const pkgInfo = fs.existsSync(pkgJsonPath) ? JSON.parse(fs.readFileSync(pkgJsonPath, 'utf8')) : {};
const source = `${pkgInfo.name ?? 'unknown package'} ${pkgInfo.version ?? ''}`.trim();

const lines = [];
const w = (s) => lines.push(s);
w('// GENERATED by scripts/generate_fhir_schema.mjs from ' + source + '. DO NOT EDIT.');
w('// The contract for this data is fhir/schema.hpp; regenerate with');
w('//   node scripts/generate_fhir_schema.mjs');
w('// types: sorted by name (byte order), a TypeId is an index into it. value_sets: sorted by URL.');
w('// codes: per value set, sorted by (code, system). elements: StructureDefinition order.');
w('// Element rows: {name, min, max, types_begin, types_count, choice, summary, binding,');
w('//               targets_begin, targets_count}.');
w('');
w('#include "fhir/schema.hpp"');
w('');
w('#include <array>');
w('');
w('namespace socialrx::fhir::schema {');
w('namespace {');
w('');
w('using namespace std::string_view_literals;');
w('constexpr TypeKind P = TypeKind::primitive;');
w('constexpr TypeKind C = TypeKind::complex;');
w('constexpr TypeKind R = TypeKind::resource;');
w('constexpr TypeKind B = TypeKind::backbone;');
w('constexpr std::uint16_t U = kUnbounded;');
w('constexpr std::int16_t N = kNoBinding;');
w('');

w(`constexpr std::array<TypeDef, ${typeRows.length}> kTypes{{`);
typeRows.forEach((t, i) => {
  w(`    {${lit(t.name)}, ${KIND_CPP[t.kind]}, ${bool(t.abstract)}, ${t.elementsBegin}, ${t.elementsCount}, ${lit(t.regex)}},  // ${i}`);
});
w('}};');
w('');

w(`constexpr std::array<ElementDef, ${elementRows.length}> kElements{{`);
let currentType = null;
for (const e of elementRows) {
  const owner = e.path.slice(0, e.path.lastIndexOf('.'));
  if (owner !== currentType) {
    currentType = owner;
    w(`    // ${owner}`);
  }
  w(`    {${lit(e.name)}, ${e.min}, ${maxCpp(e.max)}, ${e.typesBegin}, ${e.types.length}, ${bool(e.choice)}, ${bool(e.summary)}, ${e.bindingIndex < 0 ? 'N' : e.bindingIndex}, ${e.targetsBegin}, ${e.targets.length}},`);
}
w('}};');
w('');

w(`constexpr std::array<TypeId, ${elementTypesCount}> kElementTypes{{`);
for (const [name, ids] of elementTypeIds) {
  if (ids.length === 0) continue;
  for (let i = 0; i < ids.length; i += 24) {
    w(`    ${ids.slice(i, i + 24).join(', ')},${i === 0 ? `  // ${name}` : ''}`);
  }
}
w('}};');
w('');

w(`constexpr std::array<std::string_view, ${targetPool.length}> kTargetTypes{{`);
for (let i = 0; i < targetPool.length; i += 8) {
  w(`    ${targetPool.slice(i, i + 8).map(lit).join(', ')},`);
}
w('}};');
w('');

let codesTotal = 0;
const valueSetRows = emittedValueSets.map((v) => {
  const row = { url: v.url, begin: codesTotal, count: v.codes.length };
  codesTotal += v.codes.length;
  return row;
});
w(`constexpr std::array<ValueSetDef, ${valueSetRows.length}> kValueSets{{`);
valueSetRows.forEach((v, i) => w(`    {${lit(v.url)}, ${v.begin}, ${v.count}},  // ${i}`));
w('}};');
w('');

w(`constexpr std::array<CodeDef, ${codesTotal}> kCodes{{`);
emittedValueSets.forEach((v, i) => {
  w(`    // ${i}: ${v.url.replace(/\*\//g, '* /')}`);
  for (const [code, system] of v.codes) w(`    {${lit(code)}, ${lit(system)}},`);
});
w('}};');
w('');
w('}  // namespace');
w('');
w('std::span<const TypeDef> types() { return kTypes; }');
w('std::span<const ElementDef> elements() { return kElements; }');
w('std::span<const TypeId> element_types() { return kElementTypes; }');
w('std::span<const std::string_view> target_types() { return kTargetTypes; }');
w('std::span<const ValueSetDef> value_sets() { return kValueSets; }');
w('std::span<const CodeDef> codes() { return kCodes; }');
w('');
w('}  // namespace socialrx::fhir::schema');
w('');

fs.mkdirSync(path.dirname(outputFile), { recursive: true });
fs.writeFileSync(outputFile, lines.join('\n'));

// ---------------------------------------------------------------------------------------------
// Summary.

const byKind = {};
for (const t of typeRows) byKind[t.kind] = (byKind[t.kind] ?? 0) + 1;
const log = (s) => process.stderr.write(`${s}\n`);
log(`generate_fhir_schema: ${source} -> ${path.relative(repoRoot, outputFile)}`);
log(`  types: ${typeRows.length} (${Object.entries(byKind).map(([k, n]) => `${k} ${n}`).join(', ')})`);
log(`  elements: ${elementRows.length}, element types: ${elementTypesCount}, target types: ${targetPool.length}`);
log(`  required bindings on code/Coding/CodeableConcept: ${[...requiredBindingUses.values()].reduce((n, l) => n + l.length, 0)} elements, ${valueSetUrls.length} value sets`);
log(`  value sets emitted: ${emittedValueSets.length}, codes: ${codesTotal}`);
log(`  value sets skipped: ${skipped.length}`);
for (const [url, reason] of skipped) {
  const uses = requiredBindingUses.get(url);
  const reported = uses.filter((p) => REPORTED_RESOURCES.has(p.split('.')[0]));
  log(`    ${url}: ${reason}`);
  log(`      bound from ${uses.length} element(s)${reported.length > 0 ? `, in socialrx's resources: ${reported.join(', ')}` : ''}`);
}
if (otherRequiredBindings.length > 0) {
  log(`  required bindings ignored (element not code/Coding/CodeableConcept): ${otherRequiredBindings.length}`);
  for (const s of otherRequiredBindings) log(`    ${s}`);
}
