// Package checks on the build: every node-red.nodes entry has what the loader and the editor need, in the right place.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { NODE_TYPES, PKG, ROOT } from '../helpers/package';
import { readFlowFiles } from '../../scripts/lib/node-red-process';

const entries = Object.entries(PKG['node-red'].nodes).map(([set, entry]) => [NODE_TYPES.get(set)!, entry] as const);

/** Runs a node's editor script against a stub RED and returns what it passed to registerType. */
function editorDefinition(html: string, type: string): Record<string, unknown> {
  const script = /<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)?.[1];
  assert.ok(script, 'no editor script');
  const registered: Record<string, Record<string, unknown>> = {};
  const RED = {
    nodes: { registerType: (t: string, d: Record<string, unknown>) => (registered[t] = d) },
    validators: { number: () => () => true, regex: () => () => true, typedInput: () => () => true },
    _: (k: string) => k,
  };
  // as in the editor: the pack's shared editor script first (resources/), then the node's own
  const context = vm.createContext({ RED, $: () => ({}), Intl, console, window: {} as Record<string, unknown> });
  if (html.includes('resources/@plantbridge/node-red-erp-mes/plantbridge-editor.js'))
    vm.runInContext(fs.readFileSync(path.join(ROOT, 'resources', 'plantbridge-editor.js'), 'utf8'), context);
  vm.runInContext(script, context);
  assert.ok(registered[type], `registerType("${type}") not called`);
  return registered[type];
}

/** Flattens a locale catalog to its dotted keys. */
function keys(obj: unknown, prefix = ''): string[] {
  if (obj === null || typeof obj !== 'object') return [prefix];
  return Object.entries(obj as Record<string, unknown>).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

describe('package structure (dist/)', () => {
  it('declares node sets, a Node-RED version range, Node ≥ 20 and keeps runtime dependencies few', () => {
    assert.ok(entries.length >= 2, 'node-red.nodes walks no nodes');
    assert.equal(PKG['node-red'].version, '>=3.1.0');
    const pkg = PKG as unknown as { engines: { node: string }; keywords: string[]; license: string; dependencies?: Record<string, string> };
    assert.equal(pkg.engines.node, '>=20');
    assert.ok(pkg.keywords.includes('node-red'));
    assert.equal(pkg.license, 'Apache-2.0');
    assert.ok(Object.keys(pkg.dependencies ?? {}).length <= 6);
  });

  for (const [type, entry] of entries) {
    describe(type, () => {
      const js = path.join(ROOT, entry);
      const dir = path.dirname(js);
      const base = path.basename(entry, '.js');
      const htmlFile = path.join(dir, `${base}.html`);

      it('has a CommonJS .js that exports the registration function', () => {
        assert.ok(fs.existsSync(js), `${entry} missing`);
        const mod = require(js) as unknown;
        assert.equal(typeof mod, 'function', 'module.exports must be the function(RED) itself, not { default }');
      });

      it('has its .html next to the .js with a literal registerType, an icon next to the .js and labelled, validated defaults', () => {
        const html = fs.readFileSync(htmlFile, 'utf8');
        assert.match(html, new RegExp(`RED\\.nodes\\.registerType\\(\\s*["']${type}["']`));
        assert.ok(!html.includes('text/x-red'), 'use text/html script types');
        const def = editorDefinition(html, type);
        const icon = def.icon as string;
        assert.ok(typeof icon === 'string' && fs.existsSync(path.join(dir, 'icons', icon)), `icons/${icon} next to ${base}.js`);
        const prefix = def.category === 'config' ? 'node-config-input-' : 'node-input-';
        const defaults = def.defaults as Record<string, { label?: string; validate?: unknown; value: unknown }>;
        assert.ok(Object.keys(defaults).length > 2, `could not read the defaults of ${type}`);
        for (const [p, d] of Object.entries(defaults)) {
          assert.ok(html.includes(`id="${prefix}${p}"`) || html.includes(`id="${prefix}${p}-container"`), `${type}: no input for defaults.${p}`);
          assert.ok(typeof d.label === 'string' && d.label, `${type}: defaults.${p} has no label`);
          // Free-form text (name, store) and checkboxes need no validator; everything else does.
          const free = typeof d.value === 'boolean' || ['name', 'version', 'store'].includes(p);
          assert.ok(
            free || typeof d.validate === 'function' || (d as { type?: string }).type || (d as { required?: boolean }).required,
            `${type}: defaults.${p} is not validated`,
          );
        }
      });

      it('has en-US, ko and de catalogs with the same keys, and help text in each', () => {
        const en = path.join(dir, 'locales', 'en-US', `${base}.json`);
        const enKeys = keys(JSON.parse(fs.readFileSync(en, 'utf8'))).sort();
        for (const lang of ['ko', 'de'])
          assert.deepEqual(keys(JSON.parse(fs.readFileSync(path.join(dir, 'locales', lang, `${base}.json`), 'utf8'))).sort(), enKeys, `${lang} catalog keys`);
        for (const lang of ['en-US', 'ko', 'de']) {
          const help = fs.readFileSync(path.join(dir, 'locales', lang, `${base}.html`), 'utf8');
          assert.match(help, new RegExp(`data-help-name="${type}"`));
          assert.match(help, /^\s*<script[^>]*>\s*<p>[^<]{20,}/, `${lang} help must open with a summary paragraph`);
        }
        // Every i18n key the editor file uses exists in the catalog.
        const catalog = JSON.parse(fs.readFileSync(en, 'utf8')) as Record<string, unknown>;
        const used = [...fs.readFileSync(htmlFile, 'utf8').matchAll(new RegExp(`["'\\]](${base}\\.[\\w.]*\\w)`, 'g'))].map((m) => m[1]!);
        assert.ok(used.length > 3);
        for (const k of used) {
          const found = k.split('.').reduce<unknown>((o, part) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[part] : undefined), catalog);
          assert.ok(found !== undefined, `${type}: key ${k} is not in the en-US catalog`);
        }
      });
    });
  }

  it('lays out examples/ from flows/, and every non-config node appears in an example flow', () => {
    const examples = readFlowFiles(path.join(ROOT, 'examples'));
    const flows = readFlowFiles(path.join(ROOT, 'flows'));
    assert.deepEqual(
      examples.map((e) => path.basename(e.file)),
      flows.map((f) => path.basename(f.file)),
    );
    const used = new Set(examples.flatMap((e) => e.flow.map((n) => n.type as string)));
    for (const [type, entry] of entries) {
      const html = fs.readFileSync(path.join(ROOT, path.dirname(entry), `${path.basename(entry, '.js')}.html`), 'utf8');
      if (/category:\s*["']config["']/.test(html)) continue;
      assert.ok(used.has(type), `${type} appears in no example flow`);
    }
    // only core nodes and ours; Dashboard 2.0 widgets in the dashboard flow alone
    const core = new Set(['tab', 'subflow', 'group', 'junction']);
    const coreDir = path.dirname(require.resolve('@node-red/nodes/package.json'));
    const walk = (d: string): string[] =>
      fs
        .readdirSync(d, { withFileTypes: true })
        .flatMap((f) => (f.isDirectory() ? walk(path.join(d, f.name)) : f.name.endsWith('.html') ? [path.join(d, f.name)] : []));
    for (const f of walk(path.join(coreDir, 'core')))
      for (const m of fs.readFileSync(f, 'utf8').matchAll(/registerType\(\s*['"]([^'"]+)['"]/g)) core.add(m[1]!);
    assert.ok(core.has('mqtt in') && core.has('function') && core.has('http request'), [...core].join(', '));
    for (const e of examples) {
      const dashboard = path.basename(e.file).startsWith('07 ');
      const foreign = [...new Set(e.flow.map((n) => n.type as string))].filter(
        (t) => !core.has(t) && !entries.some(([ours]) => ours === t) && !(dashboard && /^ui-/.test(t)),
      );
      assert.deepEqual(foreign, [], `${e.file}: only core nodes and PlantBridge nodes`);
    }
    for (const e of examples) {
      const tabs = e.flow.filter((n) => n.type === 'tab');
      assert.equal(tabs.length, 1, `${e.file}: one tab per flow file`);
      assert.ok(
        e.flow.some((n) => n.type === 'comment'),
        `${e.file}: explain it with a comment node`,
      );
      const ids = new Set(e.flow.map((n) => n.id));
      for (const n of e.flow)
        for (const port of (n.wires as string[][] | undefined) ?? [])
          for (const w of port) assert.ok(ids.has(w), `${e.file}: dangling wire ${String(n.id)} → ${w}`);
    }
  });
});

/** Every .ts file under `dir`, recursively. */
function sources(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((f) => (f.isDirectory() ? sources(path.join(dir, f.name)) : f.name.endsWith('.ts') ? [path.join(dir, f.name)] : []));
}

/** The project files a source imports (relative imports, `import type` included: a cycle of types is a cycle of ideas). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const base = path.resolve(path.dirname(file), m[1]!);
    const hit = [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
    if (hit) out.push(hit);
  }
  return out;
}

describe('source layout', () => {
  it('has no import cycle in nodes/, sim/ or scripts/', () => {
    const files = ['nodes', 'sim', 'scripts'].flatMap((d) => sources(path.join(ROOT, d)));
    const graph = new Map(files.map((f) => [f, importsOf(f)]));
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, trail: string[]): void => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(f)), f].map((x) => path.relative(ROOT, x)).join(' → '));
        return;
      }
      state.set(f, 'open');
      for (const g of graph.get(f) ?? []) visit(g, [...trail, f]);
      state.set(f, 'done');
    };
    for (const f of files) visit(f, []);
    assert.deepEqual(cycles, []);
  });

  it('keeps files in nodes/ under 400 lines, or says in the header why one is longer', () => {
    const long = sources(path.join(ROOT, 'nodes'))
      .map((f) => ({ f: path.relative(ROOT, f), text: fs.readFileSync(f, 'utf8') }))
      .filter(({ text }) => text.split('\n').length > 400 && !/^(\/\/.*\n)*\/\/.*longer than 400 lines/i.test(text))
      .map(({ f, text }) => `${f} (${text.split('\n').length} lines)`);
    assert.deepEqual(long, []);
  });

  it('repeats no block of six or more lines across the editor files (shared code is in resources/)', () => {
    const htmls = [...NODE_TYPES.keys()].map((set) => path.join(ROOT, 'nodes', set, `${set}.html`));
    const seen = new Map<string, string>();
    const repeated: string[] = [];
    for (const file of htmls) {
      const lines = fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '' && !/^[})\]];?,?$/.test(l));
      const mine = new Set<string>();
      for (let i = 0; i + 6 <= lines.length; i++) {
        const block = lines.slice(i, i + 6).join('\n');
        if (mine.has(block)) continue;
        mine.add(block);
        const other = seen.get(block);
        if (other && other !== file) repeated.push(`${path.basename(other)} and ${path.basename(file)}:\n${block}`);
        else seen.set(block, file);
      }
    }
    assert.deepEqual(repeated, []);
  });
});
