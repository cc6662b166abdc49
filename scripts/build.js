// Build: compile TypeScript to CommonJS and lay out what the Node-RED loader needs next to each node's .js
// (its .html, locales/ and icons/), plus examples/ at the package root from flows/.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const pkg = require(path.join(root, 'package.json'));
const dist = path.join(root, 'dist');
const examples = path.join(root, 'examples');

fs.rmSync(dist, { recursive: true, force: true });
fs.rmSync(examples, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });

for (const [type, entry] of Object.entries(pkg['node-red'].nodes)) {
  const outDir = path.dirname(path.join(root, entry));
  const base = path.basename(entry, '.js');
  const srcDir = path.join(root, 'nodes', type);
  const html = path.join(srcDir, `${base}.html`);
  if (!fs.existsSync(html)) throw new Error(`${type}: missing editor file ${path.relative(root, html)}`);
  fs.copyFileSync(html, path.join(outDir, `${base}.html`));
  fs.cpSync(path.join(srcDir, 'locales'), path.join(outDir, 'locales'), { recursive: true });
  // Icons are looked up in icons/ next to the node's .js: copy the one its editor definition names.
  const icon = /\bicon:\s*["']([^"']+)["']/.exec(fs.readFileSync(html, 'utf8'));
  if (!icon) throw new Error(`${type}: no literal icon in ${path.relative(root, html)}`);
  fs.mkdirSync(path.join(outDir, 'icons'), { recursive: true });
  fs.copyFileSync(path.join(root, 'icons', icon[1]), path.join(outDir, 'icons', icon[1]));
}

// Declarations are for plugin authors (package.json "exports" → ./dialect): the node adapters' are of no use to them.
for (const type of Object.keys(pkg['node-red'].nodes))
  for (const f of fs.readdirSync(path.join(dist, 'nodes', type))) if (f.endsWith('.d.ts')) fs.rmSync(path.join(dist, 'nodes', type, f));

// The editor script the dialogs share (Node-RED serves resources/ at resources/<module>/): editor/plantbridge-editor.js
// with the lists the dialogs offer and validate, taken from the compiled runtime so that no list is typed twice.
const vocabulary = {
  orderStatuses: require(path.join(dist, 'nodes/lib/erp/types.js')).ORDER_STATUSES,
  fetchObjects: require(path.join(dist, 'nodes/erp-order-fetch/settings.js')).FETCH_OBJECTS,
  traceSources: require(path.join(dist, 'nodes/lot-trace/settings.js')).TRACE_SOURCES,
  traceDirections: require(path.join(dist, 'nodes/lot-trace/settings.js')).TRACE_DIRECTIONS,
  mapperActions: require(path.join(dist, 'nodes/isa95-mapper/settings.js')).ACTIONS,
  mapperFormats: require(path.join(dist, 'nodes/isa95-mapper/settings.js')).FORMATS,
  overrideTypes: require(path.join(dist, 'nodes/isa95-mapper/settings.js')).OVERRIDE_TYPES,
  codeTables: require(path.join(dist, 'nodes/lib/isa95/transform.js')).CODE_TABLES,
  ruleKinds: require(path.join(dist, 'nodes/lib/maintenance/rule-defs.js')).RULE_KINDS,
  operators: require(path.join(dist, 'nodes/lib/maintenance/rule-defs.js')).OPERATORS,
  machines: require(path.join(dist, 'nodes/machine-simulator/settings.js')).MACHINE_IDS,
};
for (const [name, list] of Object.entries(vocabulary)) if (!Array.isArray(list) || !list.length) throw new Error(`editor vocabulary: ${name} is not a list`);
fs.rmSync(path.join(root, 'resources'), { recursive: true, force: true });
fs.mkdirSync(path.join(root, 'resources'));
fs.writeFileSync(
  path.join(root, 'resources', 'plantbridge-editor.js'),
  `// Built by scripts/build.js from editor/plantbridge-editor.js and the runtime's lists: edit those, not this file.\n` +
    `window.PlantBridgeVocabulary = ${JSON.stringify(vocabulary)};\n` +
    fs.readFileSync(path.join(root, 'editor', 'plantbridge-editor.js'), 'utf8'),
);

fs.cpSync(path.join(root, 'flows'), examples, { recursive: true, filter: (src) => fs.statSync(src).isDirectory() || src.endsWith('.json') });
console.log(`built ${Object.keys(pkg['node-red'].nodes).length} node sets into dist/, examples/ from flows/`);
