// Editor test in real Chromium (Debian's /usr/bin/chromium via playwright-core): palette, edit dialogs with
// validation, config node dialog, help text, Korean catalog, deploy — and no page errors. Screenshots: test-output/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, needChromium, SHOTS } from '../helpers/chromium';
import os from 'node:os';
import { type Demo, startDemo } from '../../scripts/lib/demo';
import { readFlowFiles } from '../../scripts/lib/node-red-process';
import { freePort, NODE_TYPES, ROOT } from '../helpers/package';

/** The RED editor API, as much of it as this test touches. */
interface EditorRED {
  nodes: {
    getType(t: string): unknown;
    node(id: string): (Record<string, unknown> & { status?: { fill?: string; text?: string } }) | null;
    filterNodes(f: { type: string }): Array<Record<string, unknown>>;
    eachWorkspace(cb: (w: { id: string; label: string }) => void): void;
  };
  workspaces: { active(): string; show(id: string): void };
  editor: { edit(n: unknown): void };
  sidebar: { help: { show(type: string): void } };
}
declare const RED: EditorRED;

describe('editor in Chromium', function () {
  this.timeout(180_000);
  let demo: Demo | undefined;
  let startedAt = 0;
  let browser: Browser | undefined;
  const pageErrors: string[] = [];

  before(async function () {
    if (!needChromium(this, 'editor test')) return;
    // The demo as npm start runs it, with the flows as packed (examples/): both simulators, the dashboard, credentials.
    startedAt = Date.now();
    demo = await startDemo({
      userDir: fs.mkdtempSync(path.join(os.tmpdir(), 'plantbridge-editor-')),
      port: await freePort(),
      flowsDir: path.join(ROOT, 'examples'),
      erpPort: 0,
      mqttPort: 0,
      speed: 30,
    });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await demo?.stop();
  });

  async function open(locale: string, viewport = { width: 1600, height: 800 }): Promise<Page> {
    const context = await browser!.newContext({ locale, viewport });
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(`${locale}: ${err.message}`));
    // The editor catches errors thrown by a dialog's oneditprepare / oneditsave / label functions and only logs them.
    page.on('console', (m) => {
      if (/oneditprepare|oneditsave|oneditresize|oneditcancel|plantbridge|isa95|erp-|oee-|shift-calendar/i.test(m.text()))
        pageErrors.push(`${locale} console: ${m.text().slice(0, 300)}`);
    });
    await page.goto(`${demo!.red.url}/`);
    await page.waitForFunction(() => typeof RED !== 'undefined' && RED.nodes && !!RED.nodes.getType('pb-oee-calculator') && !!RED.workspaces.active(), null, {
      timeout: 60_000,
    });
    await page.waitForSelector('.red-ui-palette-node[data-palette-type="pb-oee-calculator"]', { timeout: 30_000 });
    return page;
  }

  it('shows every node of the pack in the palette (config nodes as registered types) and the example tab', async () => {
    const page = await open('en-US');
    for (const type of NODE_TYPES.values()) {
      const registered = await page.evaluate((t) => !!RED.nodes.getType(t), type);
      assert.ok(registered, `${type} not registered in the editor`);
      const def = (await page.evaluate((t) => (RED.nodes.getType(t) as { category: string }).category, type)) as string;
      if (def !== 'config') assert.equal(await page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`).count(), 1, `${type} not in the palette`);
    }
    await page.screenshot({ path: path.join(SHOTS, 'editor-oee-flow.png') });
    await page.context().close();
  });

  it('shows activity on every reference flow tab within a minute of the start, as npm start does (screenshots for the README, before any test edits a flow)', async () => {
    const page = await open('en-US', { width: 2000, height: 820 });
    // one node per tab whose status shows that its integration ran: answers from the MES, bookings, requests, OEE figures
    const witnesses: Record<string, string[]> = {
      '01 ': ['pb-o2p-answer', 'pb-o2p-workorders'],
      '02 ': ['pb-p2i-booked', 'pb-p2i-variance'],
      '03 ': ['pb-q2c-booked', 'pb-q2c-flagged'],
      '04 ': ['pb-e2m-oee', 'pb-e2m-requests'],
      '05 ': ['pb-loop-oee', 'pb-loop-replan', 'pb-loop-quality'],
      '06 ': ['pb-soap-answer'],
      '07 ': ['pb-dash-oee'],
      'Lot recall': ['pb-recall-list'],
      'OEE per machine': ['pb-oee-calc'],
      'Released orders': ['pb-erp-fetch'],
    };
    const shipped = readFlowFiles(path.join(ROOT, 'examples')).map((f) => f.flow.find((n) => n.type === 'tab')!.label as string);
    for (const label of shipped)
      assert.ok(
        Object.keys(witnesses).some((k) => label.startsWith(k) || label.includes(k)),
        `no witness for tab ${label}`,
      );
    const ids = Object.values(witnesses).flat();
    const statuses = async (): Promise<Record<string, string>> =>
      page.evaluate((list) => Object.fromEntries(list.map((id) => [id, RED.nodes.node(id)?.status?.text ?? ''])), ids);
    let seen: Record<string, string> = {};
    while (Date.now() < startedAt + 60_000) {
      seen = await statuses();
      if (ids.every((id) => seen[id])) break;
      await page.waitForTimeout(1000);
    }
    const quiet = ids.filter((id) => !seen[id]);
    assert.deepEqual(quiet, [], `no activity within a minute of the start: ${quiet.join(', ')}`);
    const erp = demo!.erp;
    assert.ok(
      erp.bookings.some((b) => b.kind === 'maintenance-notification'),
      'flow 04 created a maintenance notification in the ERP',
    );
    assert.ok(
      erp.mesInbox.some((d) => d.path === '/mes/operations-schedule') && erp.mesInbox.some((d) => d.path === '/mes/production-schedule'),
      'flows 01 and 06 delivered schedules to the MES',
    );

    const tabs = (await page.evaluate(() => {
      const list: Array<{ id: string; label: string }> = [];
      RED.nodes.eachWorkspace((w) => list.push({ id: w.id, label: w.label }));
      return list;
    })) as Array<{ id: string; label: string }>;
    assert.deepEqual(tabs.map((t) => t.label).sort(), [...shipped].sort());
    for (const t of tabs) {
      await page.evaluate((id) => RED.workspaces.show(id), t.id);
      await page.waitForTimeout(400);
      await page.screenshot({
        path: path.join(
          SHOTS,
          `tab-${t.label
            .replace(/[^A-Za-z0-9]+/g, '-')
            .replace(/-+$/, '')
            .toLowerCase()}.png`,
        ),
      });
    }
    await page.context().close();
  });

  it('shows the OEE dashboard (Dashboard 2.0): a gauge per machine, the trend, the machines table and the loss Pareto', async () => {
    const context = await browser!.newContext({ locale: 'en-US', timezoneId: 'Europe/Berlin', viewport: { width: 1600, height: 1300 } });
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(`dashboard: ${err.message}`));
    await page.goto(`${demo!.red.url}/dashboard/oee`);
    // four gauges with a figure, a table row per machine, and the Pareto's bars drawn
    await page.waitForFunction(() => document.querySelectorAll('.nrdb-ui-gauge').length === 4, null, { timeout: 60_000 });
    await page.waitForFunction(() => document.querySelectorAll('.nrdb-ui-table tbody tr').length === 4, null, { timeout: 60_000 });
    await page.waitForFunction(() => document.querySelectorAll('.nrdb-ui-chart canvas, .nrdb-ui-chart svg').length >= 2, null, { timeout: 30_000 });
    const text = await page.locator('.nrdb-ui-text').first().innerText();
    assert.match(text, /^Shift \d{4}-\d{2}-\d{2}\/(Early|Late|Night) - .+ \(Europe\/Berlin\) - [1-4] machine\(s\)$/);
    const rows = await page.locator('.nrdb-ui-table tbody tr').allInnerTexts();
    assert.deepEqual(rows.map((r) => r.split(/\s+/)[0]).sort(), ['cnc-1', 'press-1', 'press-2', 'welder-1']);
    await page.waitForTimeout(2000); // the charts' animation
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-oee.png'), fullPage: true });
    await context.close();
  });

  it('shows the integration health page (Dashboard 2.0): every ERP connection and outbox queue of the demo, the backlog trend, the dead letters', async () => {
    const context = await browser!.newContext({ locale: 'en-US', timezoneId: 'Europe/Berlin', viewport: { width: 1600, height: 1300 } });
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(`health dashboard: ${err.message}`));
    await page.goto(`${demo!.red.url}/dashboard/health`);
    // the demo's reference flows: a connection row each, a queue row per mes-report and maintenance-trigger
    await page.waitForFunction(() => document.querySelectorAll('.nrdb-ui-table').length === 2, null, { timeout: 60_000 });
    await page.waitForFunction(() => [...document.querySelectorAll('.nrdb-ui-table')].every((t) => t.querySelectorAll('tbody tr').length > 0), null, {
      timeout: 60_000,
    });
    // the demo's order fetches run at its start: a connection that has answered shows "ok" (the page refreshes every 10 s)
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('.nrdb-ui-table')][0]!.querySelectorAll('tbody tr').length > 0 &&
        [...[...document.querySelectorAll('.nrdb-ui-table')][0]!.querySelectorAll('tbody td')].some((td) => td.textContent?.trim() === 'ok'),
      null,
      { timeout: 60_000 },
    );
    const [connections, queues] = await Promise.all([0, 1].map((i) => page.locator('.nrdb-ui-table').nth(i).locator('tbody tr').allInnerTexts()));
    assert.ok(connections!.length >= 5, `connections: ${connections!.join(' | ')}`);
    assert.ok(queues!.length >= 2, `queues: ${queues!.join(' | ')}`);
    await page.waitForFunction(() => document.querySelectorAll('.nrdb-ui-chart canvas, .nrdb-ui-chart svg').length >= 1, null, { timeout: 30_000 });
    await page.waitForFunction(() => /dead letter|No dead letters/.test(document.querySelector('.pb-dead')?.textContent ?? ''), null, { timeout: 30_000 });
    await page.waitForTimeout(2000); // the chart's animation
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-integration-health.png'), fullPage: true });
    await context.close();
  });

  it('opens, validates and saves the oee-calculator dialog, creating a shift calendar from it, then deploys', async () => {
    const page = await open('en-US');
    // Drag it from the palette like a user, then open it with a double click.
    const before = await page.evaluate(() => RED.nodes.filterNodes({ type: 'pb-oee-calculator' }).map((n) => n.id as string));
    await page.dragAndDrop('.red-ui-palette-node[data-palette-type="pb-oee-calculator"]', '#red-ui-workspace-chart', { targetPosition: { x: 500, y: 520 } });
    const id = await page.evaluate(
      (ids) =>
        RED.nodes
          .filterNodes({ type: 'pb-oee-calculator' })
          .map((n) => n.id as string)
          .find((i) => !ids.includes(i)),
      before,
    );
    assert.ok(id, 'dropping the palette node created no node');
    await page.locator(`#red-ui-workspace-chart g.red-ui-flow-node-group[id="${id}"], #red-ui-workspace-chart g[id="${id}"]`).first().dblclick();
    await page.waitForSelector('#node-input-smallStop', { state: 'visible' });
    await page.fill('#node-input-smallStop', 'soon');
    await page.locator('#node-input-smallStop').blur();
    await page.waitForFunction(() => document.querySelector('#node-input-smallStop')?.classList.contains('input-error'));
    await page.fill('#node-input-smallStop', '90');
    await page.locator('#node-input-smallStop').blur();
    assert.equal(await page.locator('#node-input-smallStop.input-error').count(), 0);
    await page.click('.node-input-codes-row button.red-ui-editableList-addButton');
    await page.fill('.node-input-code-code', '60000-69999');
    await page.selectOption('.node-input-code-category', 'idle');
    await page.fill('.node-input-code-reason', 'material');
    await page.screenshot({ path: path.join(SHOTS, 'dialog-oee-calculator.png') });

    // Add a new shift calendar from the config-node lookup, keep its default shifts, add a holiday.
    await page.click('#node-input-btn-calendar-add');
    await page.waitForSelector('#node-config-input-timeZone', { state: 'visible' });
    await page.fill('#node-config-input-timeZone', 'Asia/Seoul');
    await page.fill('#node-config-input-holidays', '2026-12-25');
    assert.equal(await page.locator('#node-config-input-shifts-container .plantbridge-shift-row').count(), 2);
    await page.screenshot({ path: path.join(SHOTS, 'dialog-shift-calendar.png') });
    await page.click('#node-config-dialog-ok');
    await page.waitForSelector('#node-config-input-timeZone', { state: 'detached' });
    await page.click('#node-dialog-ok');
    await page.waitForSelector('#node-input-smallStop', { state: 'detached' });

    const saved = await page.evaluate((nodeId) => {
      const n = RED.nodes.node(nodeId)!;
      const cal = RED.nodes.node(n.calendar as string);
      const defaults = (
        RED.nodes.getType('pb-oee-calculator') as { defaults: Record<string, { validate?: (this: unknown, v: unknown, o?: unknown) => unknown }> }
      ).defaults;
      const failing = Object.keys(defaults).filter((k) => defaults[k]!.validate && defaults[k]!.validate!.call(n, n[k], {}) !== true);
      return {
        failing: failing.map((k) => `${k}=${JSON.stringify(n[k])}`),
        smallStop: n.smallStop,
        codes: n.codes,
        valid: n.valid,
        cal: cal && { tz: cal.timeZone, shifts: (cal.shifts as unknown[]).length, holidays: cal.holidays, valid: cal.valid },
      };
    }, id);
    assert.deepEqual(saved, {
      failing: [],
      smallStop: '90',
      codes: [{ code: '60000-69999', category: 'idle', reason: 'material' }],
      valid: true,
      cal: { tz: 'Asia/Seoul', shifts: 2, holidays: '2026-12-25', valid: true },
    });

    await page.click('#red-ui-header-button-deploy');
    let deployed: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 50; i++) {
      deployed = (await (await fetch(`${demo!.red.url}/flows`)).json()) as Array<Record<string, unknown>>;
      if (deployed.some((n) => n.id === id)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const node = deployed.find((n) => n.id === id);
    assert.ok(node, 'the node was not deployed');
    assert.equal(node.smallStop, '90');
    await page.context().close();
  });

  it('opens and saves the example flow’s oee-calculator and shift-calendar dialogs unchanged and valid', async () => {
    const page = await open('en-US');
    await page.evaluate(() => RED.editor.edit(RED.nodes.node('pb-oee-calc')));
    await page.waitForSelector('#node-input-smallStop', { state: 'visible' });
    await page.click('#node-input-btn-calendar-edit');
    await page.waitForSelector('#node-config-input-timeZone', { state: 'visible' });
    assert.equal(await page.locator('#node-config-input-shifts-container .plantbridge-shift-row').count(), 3);
    await page.click('#node-config-dialog-ok');
    await page.waitForSelector('#node-config-input-timeZone', { state: 'detached' });
    await page.click('#node-dialog-ok');
    await page.waitForSelector('#node-input-smallStop', { state: 'detached' });
    const after = await page.evaluate(() => {
      const n = RED.nodes.node('pb-oee-calc')!;
      const c = RED.nodes.node('pb-oee-calendar')!;
      return { valid: n.valid, calValid: c.valid, shifts: c.shifts, emit: n.emitInterval };
    });
    const shipped = readFlowFiles(path.join(ROOT, 'examples'))
      .flatMap((f) => f.flow)
      .find((n) => n.id === 'pb-oee-calendar')!;
    assert.deepEqual(after, { valid: true, calValid: true, shifts: shipped.shifts, emit: 15 });
    await page.context().close();
  });

  it('creates an ERP connection from the erp-order-fetch dialog, with dialect settings from the runtime, and deploys it without secrets', async () => {
    const page = await open('en-US');
    const before = await page.evaluate(() => RED.nodes.filterNodes({ type: 'pb-erp-order-fetch' }).map((n) => n.id as string));
    await page.dragAndDrop('.red-ui-palette-node[data-palette-type="pb-erp-order-fetch"]', '#red-ui-workspace-chart', { targetPosition: { x: 500, y: 600 } });
    const id = await page.evaluate(
      (ids) =>
        RED.nodes
          .filterNodes({ type: 'pb-erp-order-fetch' })
          .map((n) => n.id as string)
          .find((i) => !ids.includes(i)),
      before,
    );
    assert.ok(id);
    await page.locator(`#red-ui-workspace-chart g[id="${id}"]`).first().dblclick();
    await page.waitForSelector('#node-input-statuses-container .erp-status', { state: 'visible' });
    assert.equal(await page.locator('#node-input-statuses-container .erp-status:checked').count(), 1, 'released is preselected');
    await page.check('#node-input-statuses-container .erp-status[value="in-progress"]');
    await page.click('#node-input-btn-connection-add');
    // The dialect list comes from GET /plantbridge/erp/dialects; a new connection starts as the Simulated ERP (no URL).
    await page.waitForFunction(() => document.querySelectorAll('#node-config-input-dialect option').length >= 7);
    assert.equal(await page.inputValue('#node-config-input-dialect'), 'simulated');
    await page.selectOption('#node-config-input-dialect', 'odoo');
    await page.waitForSelector('#node-config-input-baseUrl', { state: 'visible' });
    await page.waitForSelector('#erp-option-database', { state: 'visible' });
    await page.fill('#erp-option-database', 'plant');
    await page.fill('#node-config-input-baseUrl', 'http://127.0.0.1:8069');
    await page.selectOption('#node-config-input-authType', 'login');
    assert.ok(await page.isVisible('#node-config-input-password'));
    assert.ok(!(await page.isVisible('#node-config-input-tokenUrl')));
    await page.fill('#node-config-input-user', 'mes');
    await page.fill('#node-config-input-password', 'very-secret-pw');
    await page.screenshot({ path: path.join(SHOTS, 'dialog-erp-connection.png') });
    await page.click('#node-config-dialog-ok');
    await page.waitForSelector('#node-config-input-dialect', { state: 'detached' });
    await page.screenshot({ path: path.join(SHOTS, 'dialog-erp-order-fetch.png') });
    await page.click('#node-dialog-ok');
    await page.waitForSelector('#node-input-statuses-container', { state: 'detached' });
    const saved = await page.evaluate((nodeId) => {
      const n = RED.nodes.node(nodeId)!;
      const c = RED.nodes.node(n.connection as string)!;
      return { statuses: n.statuses, valid: n.valid, dialect: c.dialect, options: c.options, authType: c.authType, connValid: c.valid };
    }, id);
    assert.deepEqual(saved, {
      statuses: ['released', 'in-progress'],
      valid: true,
      dialect: 'odoo',
      options: { database: 'plant' },
      authType: 'login',
      connValid: true,
    });
    await page.click('#red-ui-header-button-deploy');
    let deployed: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 50 && !deployed.some((n) => n.id === id); i++) {
      await new Promise((r) => setTimeout(r, 100));
      deployed = (await (await fetch(`${demo!.red.url}/flows`)).json()) as Array<Record<string, unknown>>;
    }
    assert.ok(
      deployed.some((n) => n.id === id),
      'not deployed',
    );
    assert.ok(!JSON.stringify(deployed).includes('very-secret-pw'), 'the password must not be in the flows');
    await page.context().close();
  });

  /** Opens a tab of the isa95-mapper dialog. A click that only takes the focus off a typedInput may not switch yet. */
  async function showTab(page: Page, tab: string): Promise<void> {
    for (let i = 0; i < 3 && !(await page.isVisible(`#isa95-mapper-tab-${tab}`)); i++) await page.click(`#red-ui-tab-isa95-mapper-tab-${tab} a`);
    await page.waitForSelector(`#isa95-mapper-tab-${tab}`, { state: 'visible' });
  }

  it('edits the example isa95-mapper: format, an override with JSONata validation, a code row and a unit rule; saves valid', async () => {
    const page = await open('en-US');
    await page.evaluate(() => RED.editor.edit(RED.nodes.node('pb-o2p-b2mml')));
    await page.waitForSelector('#node-input-action', { state: 'visible' });
    assert.equal(await page.inputValue('#node-input-format'), 'b2mml-v0701');
    assert.ok(await page.isVisible('#node-input-sender'), 'B2MML settings shown for B2MML output');
    await page.waitForFunction(() => document.querySelectorAll('#node-input-profile option').length >= 7, null, { timeout: 10_000 });
    await page.selectOption('#node-input-format', 'b2mml-v0600');
    await page.selectOption('#node-input-action', 'posting');
    assert.ok(!(await page.isVisible('#node-input-format')), 'no output format for postings');
    await page.selectOption('#node-input-posting', 'd365');
    assert.ok(await page.isVisible('#node-input-company'));
    await page.selectOption('#node-input-action', 'schedule');

    await showTab(page, 'overrides');
    await page.click('#isa95-mapper-tab-overrides .red-ui-editableList-addButton');
    await page.fill('#node-input-overrides-container .isa95-override-path', 'requests[0].priority');
    await page
      .locator('#node-input-overrides-container .red-ui-typedInput-container input.red-ui-typedInput-input')
      .first()
      .fill('payload.priority = 1 ? 10 : ');
    await showTab(page, 'tables');
    await page.click('#isa95-mapper-tab-tables .red-ui-editableList-addButton >> nth=0');
    await page.fill('#node-input-codes-container .isa95-code-from', 'PRESS-1');
    await page.fill('#node-input-codes-container .isa95-code-to', 'CELL-7');
    await page.selectOption('#node-input-codes-container .isa95-code-table', 'equipment');
    await page.click('#isa95-mapper-tab-tables .red-ui-editableList-addButton >> nth=1');
    await page.fill('#node-input-units-container .isa95-unit-from', 'PC');
    await page.fill('#node-input-units-container .isa95-unit-to', 'EA');
    await page.fill('#node-input-units-container .isa95-unit-factor', '1');
    await page.screenshot({ path: path.join(SHOTS, 'dialog-isa95-mapper.png') });
    await page.click('#node-dialog-ok');
    await page.waitForSelector('#node-input-action', { state: 'detached' });
    const broken = await page.evaluate(() => {
      const n = RED.nodes.node('pb-o2p-b2mml')!;
      return { valid: n.valid, overrides: n.overrides, codes: n.codes, units: n.units, format: n.format };
    });
    assert.deepEqual(
      broken,
      {
        valid: false,
        overrides: [{ path: 'requests[0].priority', vt: 'jsonata', v: 'payload.priority = 1 ? 10 : ' }],
        codes: [{ table: 'equipment', from: 'PRESS-1', to: 'CELL-7' }],
        units: [{ from: 'PC', to: 'EA', factor: '1' }],
        format: 'b2mml-v0600',
      },
      'an unfinished JSONata expression marks the node invalid',
    );

    await page.evaluate(() => RED.editor.edit(RED.nodes.node('pb-o2p-b2mml')));
    await page.waitForSelector('#node-input-action', { state: 'visible' });
    await showTab(page, 'overrides');
    await page
      .locator('#node-input-overrides-container .red-ui-typedInput-container input.red-ui-typedInput-input')
      .first()
      .fill('payload.priority = 1 ? 10 : 50');
    await page.click('#node-dialog-ok');
    await page.waitForSelector('#node-input-action', { state: 'detached' });
    assert.equal(await page.evaluate(() => RED.nodes.node('pb-o2p-b2mml')!.valid), true);
    await page.context().close();
  });

  it('opens the example mes-report dialog: profile-specific fields, validation of the rate, saved unchanged and valid', async () => {
    const page = await open('en-US');
    await page.evaluate(() => RED.editor.edit(RED.nodes.node('pb-p2i-report')));
    await page.waitForSelector('#node-input-rate', { state: 'visible' });
    assert.equal(await page.inputValue('#node-input-posting'), 'auto');
    assert.ok(!(await page.isVisible('#node-input-company')));
    await page.selectOption('#node-input-posting', 'd365');
    assert.ok(await page.isVisible('#node-input-company'), 'D365 asks for the company');
    await page.selectOption('#node-input-posting', 'auto');
    await page.fill('#node-input-rate', '0');
    await page.locator('#node-input-rate').blur();
    assert.ok(await page.locator('#node-input-rate.input-error').count(), 'a rate of 0 is marked');
    await page.fill('#node-input-rate', '5');
    await page.locator('#node-input-rate').blur();
    await page.screenshot({ path: path.join(SHOTS, 'dialog-mes-report.png') });
    await page.click('#node-dialog-ok');
    await page.waitForSelector('#node-input-rate', { state: 'detached' });
    const saved = await page.evaluate(() => {
      const n = RED.nodes.node('pb-p2i-report')!;
      return { valid: n.valid, rate: n.rate, posting: n.posting, sync: n.sync };
    });
    assert.deepEqual(saved, { valid: true, rate: 5, posting: 'auto', sync: 'full' });
    await page.context().close();
  });

  it('edits the example maintenance-trigger rules: kind-specific fields, an invalid row marks the node, saved valid', async () => {
    const page = await open('en-US');
    await page.evaluate(() => RED.editor.edit(RED.nodes.node('pb-e2m-rules')));
    await page.waitForSelector('#node-input-rules-container .mt-kind', { state: 'visible' });
    const rows = page.locator('#node-input-rules-container li');
    assert.equal(await rows.count(), 3);
    const second = rows.nth(1);
    assert.ok(await second.locator('.mt-codes').isVisible(), 'a reason rule asks for codes');
    await second.locator('.mt-kind').selectOption('meter');
    assert.ok(!(await second.locator('.mt-codes').isVisible()) && (await second.locator('.mt-interval').isVisible()), 'a meter asks for the interval instead');
    await second.locator('.mt-property').fill('payload.runtimeHours');
    await page.click('#node-dialog-ok');
    await page.waitForSelector('#node-input-rules-container', { state: 'detached' });
    assert.equal(await page.evaluate(() => RED.nodes.node('pb-e2m-rules')!.valid), false, 'a meter without an interval is invalid');

    await page.evaluate(() => RED.editor.edit(RED.nodes.node('pb-e2m-rules')));
    await page.waitForSelector('#node-input-rules-container .mt-kind', { state: 'visible' });
    await page.locator('#node-input-rules-container li').nth(1).locator('.mt-interval').fill('500');
    await page.locator('#node-input-rules-container li').nth(1).locator('.mt-lead').fill('20');
    await page.screenshot({ path: path.join(SHOTS, 'dialog-maintenance-trigger.png') });
    await page.click('#node-dialog-ok');
    await page.waitForSelector('#node-input-rules-container', { state: 'detached' });
    const saved = await page.evaluate(() => {
      const n = RED.nodes.node('pb-e2m-rules')!;
      return { valid: n.valid, rule: (n.rules as Array<Record<string, unknown>>)[1] };
    });
    assert.equal(saved.valid, true);
    assert.deepEqual(saved.rule, {
      id: 'breakdown',
      name: 'Breakdown',
      kind: 'meter',
      property: 'payload.runtimeHours',
      priority: 'urgent',
      interval: 500,
      lead: 20,
    });
    await page.context().close();
  });

  it('shows help text and the Korean catalog', async () => {
    const en = await open('en-US');
    await en.evaluate(() => RED.sidebar.help.show('pb-oee-calculator'));
    await en.waitForSelector('.red-ui-help >> text=Calculates OEE', { timeout: 10_000 });
    await en.context().close();

    const ko = await open('ko-KR');
    await ko.evaluate(() => RED.editor.edit(RED.nodes.node('pb-oee-calc')));
    await ko.waitForSelector('#node-input-smallStop', { state: 'visible' });
    assert.equal((await ko.locator('label[for="node-input-calendar"] span').textContent())?.trim(), '근무 달력');
    await ko.screenshot({ path: path.join(SHOTS, 'dialog-oee-calculator-ko.png') });
    await ko.context().close();
  });

  it('raised no page errors', () => {
    assert.deepEqual(pageErrors, []);
  });
});
