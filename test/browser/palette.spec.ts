// Palette-first, in real Chromium: a fresh Node-RED 4.1 whose userDir holds only the installed tarball (no sim/, no
// npm start). Every example is imported from Import → Examples and deployed, and each tab's witness node shows
// activity within 60 s; importing 07 without the dashboard offers the install and stops no other tab. Then the
// erp-connection dialog: no setting carried between dialects, choices as drop-downs, Test connection against the
// Simulated ERP, the ERP simulator with a wrong password, and a closed port; German labels. Screenshots: test-output/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, needChromium, SHOTS } from '../helpers/chromium';
import { startNodeRed, type NodeRedProcess } from '../../scripts/lib/node-red-process';
import { ErpSimulator } from '../../sim/erp/server';
import { freePort, isolatedNodeRed, NODE_TYPES, PKG, ROOT, userDirWithTarball } from '../helpers/package';

interface EditorRED {
  nodes: {
    node(id: string): (Record<string, unknown> & { status?: { text?: string } }) | null;
    filterNodes(f: { type: string }): Array<Record<string, unknown>>;
    eachWorkspace(cb: (w: { id: string; label: string }) => void): void;
    workspace(id: string): unknown;
    getType(t: string): unknown;
    dirty(): boolean;
  };
  workspaces: { active(): string; show(id: string): void; delete(ws: unknown): void };
  actions: { invoke(name: string, ...args: unknown[]): void };
  editor: { editConfig(name: string, type: string, id?: string): void };
}
declare const RED: EditorRED;

/** One node per example whose status shows that its integration ran. */
const WITNESSES: Record<string, string[]> = {
  '01 ': ['pb-o2p-answer', 'pb-o2p-workorders'],
  '02 ': ['pb-p2i-booked', 'pb-p2i-variance'],
  '03 ': ['pb-q2c-booked'],
  '04 ': ['pb-e2m-oee', 'pb-e2m-states'],
  '05 ': ['pb-loop-oee', 'pb-loop-replan'],
  '06 ': ['pb-soap-answer'],
  '08 ': ['pb-recall-list'],
  '09 ': ['pb-oee-calc'],
  '10 ': ['pb-erp-debug'],
};

describe('palette-first in Chromium (only the installed tarball)', function () {
  this.timeout(300_000);
  let red: NodeRedProcess | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  const pageErrors: string[] = [];
  const sim = new ErpSimulator({ orders: 5 });
  const examples = fs
    .readdirSync(path.join(ROOT, 'examples'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''))
    .sort();

  before(async function () {
    if (!needChromium(this, 'palette test')) return;
    await sim.start();
    const userDir = userDirWithTarball('plantbridge-palette-');
    assert.ok(!fs.existsSync(path.join(userDir, 'node_modules', '@flowfuse')), 'no dashboard in this userDir');
    // a Node-RED of its own, outside this checkout: it sees no devDependency (no dashboard)
    red = await startNodeRed({ userDir, port: await freePort(), flows: [], redJs: isolatedNodeRed() });
    browser = await launchChromium();
    page = await open('en-US');
  });

  after(async () => {
    await browser?.close();
    await red?.stop();
    await sim.stop();
  });

  /** A screenshot without the transient "Imported" notifications over it. */
  async function shot(p: Page, name: string): Promise<void> {
    await p.evaluate(() => document.querySelectorAll('.red-ui-notification').forEach((n) => n.remove()));
    await p.screenshot({ path: path.join(SHOTS, name) });
  }

  async function open(locale: string): Promise<Page> {
    const context = await browser!.newContext({ locale, viewport: { width: 2000, height: 900 } });
    const p = await context.newPage();
    p.on('pageerror', (err) => pageErrors.push(`${locale}: ${err.message}`));
    p.on('console', (m) => {
      if (/oneditprepare|oneditsave|plantbridge|pb-/i.test(m.text()) && m.type() === 'error') pageErrors.push(`${locale} console: ${m.text().slice(0, 300)}`);
    });
    await p.goto(`${red!.url}/`);
    await p.waitForFunction(() => typeof RED !== 'undefined' && !!RED.nodes && !!RED.nodes.getType('pb-oee-calculator') && !!RED.workspaces.active(), null, {
      timeout: 60_000,
    });
    return p;
  }

  /** Import → Examples → the pack → one example, as a user clicks it. */
  async function importExample(name: string): Promise<void> {
    const p = page!;
    await p.evaluate(() => RED.actions.invoke('core:show-examples-import-dialog'));
    const tab = p.locator('#red-ui-clipboard-dialog-import-tab-examples');
    await tab.waitFor({ state: 'visible' });
    const moduleRow = tab.locator('.red-ui-treeList-label', { hasText: PKG.name }).first();
    await moduleRow.waitFor({ state: 'visible' });
    const item = tab.locator('.red-ui-treeList-label', { hasText: name }).first();
    if (!(await item.isVisible())) await moduleRow.click();
    await item.waitFor({ state: 'visible' });
    await item.click();
    // the editor fetches the example before it enables Import: wait for that (a busy machine may take a while), and
    // select the example again if the first click fell before the list was ready
    const ok = p.locator('#red-ui-clipboard-dialog-ok');
    const enabled = (ms: number): Promise<boolean> =>
      p
        .waitForFunction(() => !document.querySelector('#red-ui-clipboard-dialog-ok')?.classList.contains('ui-button-disabled'), null, { timeout: ms })
        .then(
          () => true,
          () => false,
        );
    if (!(await enabled(20_000))) {
      await item.click();
      await enabled(60_000);
    }
    await ok.click();
    await p.locator('#red-ui-clipboard-dialog-ok').waitFor({ state: 'hidden' });
  }

  async function deploy(): Promise<void> {
    const p = page!;
    await p.click('#red-ui-header-button-deploy');
    await p.waitForFunction(() => !RED.nodes.dirty(), null, { timeout: 60_000 });
  }

  const tabs = async (): Promise<Array<{ id: string; label: string }>> =>
    page!.evaluate(() => {
      const list: Array<{ id: string; label: string }> = [];
      RED.nodes.eachWorkspace((w) => list.push({ id: w.id, label: w.label }));
      return list;
    });

  it('imports every example but 07 from the Examples menu, deploys, and each tab shows activity within 60 s', async () => {
    const p = page!;
    const shipped = examples.filter((e) => !e.startsWith('07 '));
    for (const e of shipped)
      assert.ok(
        Object.keys(WITNESSES).some((k) => e.startsWith(k)),
        `no witness for ${e}`,
      );
    for (const e of shipped) await importExample(e);
    const labels = (await tabs()).map((t) => t.label);
    for (const e of shipped) assert.ok(labels.includes(e.replace(' - ', ' ')), `tab of ${e} missing: ${labels.join(', ')}`);
    await deploy();
    const deployedAt = Date.now();
    const ids = Object.values(WITNESSES).flat();
    let seen: Record<string, string> = {};
    while (Date.now() < deployedAt + 60_000) {
      seen = await p.evaluate((list) => Object.fromEntries(list.map((id) => [id, RED.nodes.node(id)?.status?.text ?? ''])), ids);
      if (ids.every((id) => seen[id])) break;
      await p.waitForTimeout(1000);
    }
    const quiet = ids.filter((id) => !seen[id]);
    assert.deepEqual(quiet, [], `no activity within 60 s of the deploy: ${quiet.join(', ')}`);
    for (const t of await tabs()) {
      await p.evaluate((id) => RED.workspaces.show(id), t.id);
      await p.waitForTimeout(400);
      await shot(
        p,
        `tab-${t.label
          .replace(/[^A-Za-z0-9]+/g, '-')
          .replace(/-+$/, '')
          .toLowerCase()}.png`,
      );
    }
  });

  it('importing 07 without the dashboard offers to install it; deleting its tab leaves nothing behind and no tab stops', async () => {
    const p = page!;
    const dashboard = examples.find((e) => e.startsWith('07 '))!;
    await importExample(dashboard);
    const notice = p.locator('.red-ui-notification', { hasText: '@flowfuse/node-red-dashboard' });
    await notice.waitFor({ state: 'visible', timeout: 15_000 }).catch(async (err: Error) => {
      const shown = await p.evaluate(() => [...document.querySelectorAll('.red-ui-notification')].map((n) => n.textContent));
      const unknown = await p.evaluate(() => RED.nodes.filterNodes({ type: 'unknown' }).length);
      throw new Error(`${err.message}; notifications: ${JSON.stringify(shown)}; tabs ${JSON.stringify(await tabs())}; unknown nodes ${unknown}`);
    });
    assert.ok(await notice.locator('button', { hasText: /install/i }).count(), 'an install button');
    await notice.screenshot({ path: path.join(SHOTS, 'import-07-install-prompt.png') });
    await notice
      .locator('button', { hasText: /close|cancel/i })
      .or(notice.locator('.red-ui-notification-close'))
      .first()
      .click()
      .catch(() => undefined);
    const tab = (await tabs()).find((t) => t.label.startsWith('07 '))!;
    await p.evaluate((id) => RED.workspaces.delete(RED.nodes.workspace(id)), tab.id);
    const leftovers = await p.evaluate(() => ['ui-base', 'ui-theme', 'ui-page', 'ui-group'].flatMap((t) => RED.nodes.filterNodes({ type: t }).map(() => t)));
    assert.deepEqual(leftovers, [], 'the dashboard config nodes went with the tab');
    await deploy();
    const flows = (await (await fetch(`${red!.url}/flows`)).json()) as Array<{ type: string }>;
    assert.ok(!flows.some((n) => /^ui-/.test(n.type)), 'no dashboard node deployed');
    // the other tabs still run: a witness status changes after this deploy
    const before = await p.evaluate(() => RED.nodes.node('pb-oee-calc')?.status?.text ?? '');
    await p.waitForFunction((b) => (RED.nodes.node('pb-oee-calc')?.status?.text ?? '') !== b, before, { timeout: 30_000 });
    assert.doesNotMatch(red!.output(), /missing types|Waiting for missing/i);
  });

  it('erp-connection dialog: switching dialects in every order leaves no foreign option, and every choice is a drop-down', async () => {
    const p = page!;
    const dialects = (await (await fetch(`${red!.url}/plantbridge/erp/dialects`)).json()) as Array<{
      id: string;
      options: Array<{ name: string; choices?: string[] }>;
    }>;
    await p.evaluate(() => RED.editor.editConfig('', 'pb-erp-connection', ''));
    await p.waitForFunction(() => document.querySelectorAll('#node-config-input-dialect option').length >= 7);
    for (const a of dialects) {
      for (const b of dialects) {
        if (a.id === b.id) continue;
        await p.selectOption('#node-config-input-dialect', a.id);
        // type into every text setting and pick a non-default choice
        for (const o of a.options) {
          const el = p.locator(`#erp-option-${o.name}`);
          if (o.choices) {
            assert.equal(await el.evaluate((x) => x.tagName), 'SELECT', `${a.id}.${o.name} is a drop-down`);
            await el.selectOption(o.choices[o.choices.length - 1]!);
          } else await el.fill(`x-${a.id}`);
        }
        await p.selectOption('#node-config-input-dialect', b.id);
        const shown = await p.evaluate(() =>
          [...document.querySelectorAll('#node-config-input-options-container .erp-option')].map((x) => ({
            name: x.getAttribute('data-name'),
            value: (x as HTMLInputElement).value,
            tag: x.tagName,
          })),
        );
        assert.deepEqual(shown.map((x) => x.name).sort(), b.options.map((o) => o.name).sort(), `${a.id} → ${b.id}: only ${b.id}'s settings`);
        for (const x of shown) if (x.tag !== 'SELECT') assert.ok(!x.value.startsWith(`x-${a.id}`), `${a.id} → ${b.id}: ${x.name} carried "${x.value}"`);
        const auth = await p.evaluate(() => [...document.querySelectorAll('#node-config-input-authType option')].map((o) => (o as HTMLOptionElement).value));
        const expected = ((await (await fetch(`${red!.url}/plantbridge/erp/dialects`)).json()) as Array<{ id: string; auth: string[] }>).find(
          (d) => d.id === b.id,
        )!.auth;
        assert.deepEqual(auth, expected, `${b.id}: the sign-in its ERP accepts`);
      }
    }
    await shot(p, 'dialog-erp-connection-soap.png');
    await p.click('#node-config-dialog-cancel');
    await p.waitForSelector('#node-config-input-dialect', { state: 'detached' });
  });

  it('Test connection: OK from the Simulated ERP, the reason (no secret) for a wrong password and for a closed port', async () => {
    const p = page!;
    await p.evaluate(() => RED.editor.editConfig('', 'pb-erp-connection', ''));
    await p.waitForFunction(() => document.querySelectorAll('#node-config-input-dialect option').length >= 7);
    assert.equal(await p.locator('#erp-connection-test').count(), 1, 'one connection dialog open');
    const result = async (): Promise<string> => {
      await p.click('#erp-connection-test');
      await p
        .waitForFunction(() => /erp-test-(ok|bad)/.test(document.querySelector('#erp-connection-test-result')?.className ?? ''), null, { timeout: 30_000 })
        .catch(async (err: Error) => {
          throw new Error(`${err.message}; result: ${await p.locator('#erp-connection-test-result').evaluate((x) => `${x.className} ${x.textContent}`)}`);
        });
      return (await p.locator('#erp-connection-test-result').textContent()) ?? '';
    };
    await p.selectOption('#node-config-input-dialect', 'simulated');
    assert.ok(!(await p.isVisible('#node-config-input-baseUrl')), 'the Simulated ERP needs no URL');
    assert.match(await result(), /^OK: signed in and read 1 order/);
    await shot(p, 'dialog-erp-connection-simulated.png');
    await p.selectOption('#node-config-input-dialect', 'sap-odata');
    await p.fill('#node-config-input-baseUrl', sim.url);
    await p.selectOption('#node-config-input-authType', 'basic');
    await p.fill('#node-config-input-user', sim.options.user);
    await p.fill('#node-config-input-password', sim.options.password);
    assert.match(await result(), /^OK/);
    await p.fill('#node-config-input-password', 'Wr0ng-Pa55-xyz');
    const wrong = await result();
    assert.match(wrong, /^Failed \(auth\): .*401/);
    assert.ok(!wrong.includes('Wr0ng-Pa55-xyz'), wrong);
    await shot(p, 'dialog-erp-connection-test-failed.png');
    await p.fill('#node-config-input-baseUrl', 'http://127.0.0.1:9');
    assert.match(await result(), /^Failed \(unavailable\)/);
    // a problem the runtime would refuse at deploy is listed while typing
    await p.fill('#erp-option-client', '12x');
    await p.locator('#erp-connection-problems', { hasText: 'SAP client must be three digits' }).waitFor({ state: 'visible' });
    await p.click('#node-config-dialog-cancel');
    await p.waitForSelector('#node-config-input-dialect', { state: 'detached' });
  });

  it('speaks German: palette category, dialog labels and help', async () => {
    const de = await open('de-DE');
    await de.evaluate(() => RED.editor.editConfig('', 'pb-erp-connection', ''));
    await de.waitForSelector('#erp-connection-test', { state: 'visible' });
    assert.equal((await de.locator('#erp-connection-test span').textContent())?.trim(), 'Verbindung testen');
    assert.equal((await de.locator('label[for="node-config-input-timeZone"] span').textContent())?.trim(), 'ERP-Zeitzone');
    await de.waitForSelector('#erp-option-seed', { state: 'visible' });
    assert.equal((await de.locator('label[for="erp-option-seed"]').textContent())?.trim(), 'Startwert', 'the dialect settings in German too');
    assert.match((await de.locator('#node-config-input-dialect option[value="simulated"]').textContent()) ?? '', /^Simuliertes ERP/);
    await shot(de, 'dialog-erp-connection-de.png');
    await de.context().close();
    // palette: the functional category, labels that split no word (Node-RED breaks a word too wide for a line)
    const labels = await page!.evaluate(() =>
      [...document.querySelectorAll('.red-ui-palette-node[data-palette-type^="pb-"]')].map((n) => ({
        label: n.getAttribute('data-palette-label') ?? '',
        lines: (n.querySelector('.red-ui-palette-label')?.innerHTML ?? '').split(/<br\/?>/),
      })),
    );
    // every node of the pack but its config nodes (from each editor file's category)
    const inPalette = [...NODE_TYPES.keys()].filter(
      (set) => !/category:\s*["']config["']/.test(fs.readFileSync(path.join(ROOT, 'nodes', set, `${set}.html`), 'utf8')),
    ).length;
    assert.equal(labels.length, inPalette, JSON.stringify(labels));
    for (const l of labels)
      assert.equal(
        l.lines
          .join(' ')
          .replace(/&nbsp;/g, ' ')
          .replace(/\s+/g, ' ')
          .trim(),
        l.label,
        `"${l.label}" is split inside a word: ${l.lines.join(' / ')}`,
      );
    assert.equal(
      await page!.locator('#red-ui-palette-container-manufacturing .red-ui-palette-node[data-palette-type^="pb-"]').count(),
      inPalette,
      `all ${inPalette} in the manufacturing category`,
    );
    const category = page!.locator('#red-ui-palette-container-manufacturing');
    await category.scrollIntoViewIfNeeded();
    await category.screenshot({ path: path.join(SHOTS, 'palette.png') });
  });

  it('dialogs: machine simulator, a shift list that grows with the dialog, labelled maintenance rule rows', async () => {
    const p = page!;
    // on its own (mocha -g) this test imports the examples it opens
    for (const [id, example] of [
      ['pb-oee-machines', '09 '],
      ['pb-e2m-rules', '04 '],
    ]) {
      if (!(await p.evaluate((nodeId) => !!RED.nodes.node(nodeId), id))) await importExample(examples.find((e) => e.startsWith(example))!);
    }
    const edit = async (id: string): Promise<void> => {
      await p.evaluate((nodeId) => (RED as unknown as { editor: { edit(n: unknown): void } }).editor.edit(RED.nodes.node(nodeId)), id);
    };
    await edit('pb-oee-machines');
    await p.waitForSelector('#node-input-speed', { state: 'visible' });
    assert.equal(await p.locator('.machine-simulator-machine:checked').count(), 4, 'all four machines');
    await p.fill('#node-input-speed', '0');
    await p.press('#node-input-speed', 'Tab');
    assert.ok(await p.locator('#node-input-speed.input-error').count(), 'speed 0 is marked invalid');
    await p.fill('#node-input-speed', '60');
    await p.press('#node-input-speed', 'Tab');
    await shot(p, 'dialog-machine-simulator.png');
    await p.click('#node-dialog-cancel');
    await p.waitForSelector('#node-input-speed', { state: 'detached' });

    await p.evaluate(() => RED.editor.editConfig('', 'pb-shift-calendar', 'pb-oee-calendar'));
    await p.waitForSelector('#node-config-input-shifts-container', { state: 'visible' });
    await p.waitForTimeout(500);
    const listHeight = (): Promise<number> =>
      p
        .locator('#node-config-input-shifts-container')
        .evaluate((x) => (x.closest('.red-ui-editableList-container') as HTMLElement | null)?.getBoundingClientRect().height ?? 0);
    const small = await listHeight();
    await p.setViewportSize({ width: 2000, height: 1400 });
    await p.waitForTimeout(800);
    const tall = await listHeight();
    assert.ok(small >= 180 && tall >= small + 300, `the shift list grows with the dialog: ${small} px at 900, ${tall} px at 1400`);
    await shot(p, 'dialog-shift-calendar.png');
    await p.setViewportSize({ width: 2000, height: 900 });
    await p.click('#node-config-dialog-cancel');
    await p.waitForSelector('#node-config-input-shifts-container', { state: 'detached' });

    await edit('pb-e2m-rules');
    await p.waitForSelector('#node-input-rules-container .mt-limit', { state: 'visible' });
    const captions = await p.locator('#node-input-rules-container li').first().locator('.mt-caption:visible').allTextContents();
    for (const c of ['limit', 'reset at', 'for s']) assert.ok(captions.includes(c), `caption "${c}" in ${captions.join(', ')}`);
    await shot(p, 'dialog-maintenance-trigger-rules.png');
    await p.click('#node-dialog-cancel');
  });

  it('raised no page errors', () => {
    assert.deepEqual(pageErrors, []);
  });
});
