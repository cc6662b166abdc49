// Unit tests for the oee-calculator message contract and the state code table.
import assert from 'node:assert/strict';
import { parseMessage } from '../../nodes/lib/oee/input';
import { StateTable } from '../../nodes/lib/oee/states';

const table = new StateTable(
  [
    { code: 'E17', category: 'stopped', reason: 'tool breakage' },
    { code: '60000-139999', category: 'idle', reason: 'material' },
    { code: '160000-179999', category: 'planned', reason: 'planning' },
  ],
  true,
);
const opts = { machineProperty: 'topic' };
const NOW = Date.parse('2026-11-23T08:00:00Z');

describe('oee-calculator input', () => {
  it('reads state names, table codes, code ranges and PackML numbers', () => {
    assert.deepEqual(table.resolve('Running'), { category: 'running', reason: 'running' });
    assert.deepEqual(table.resolve('stopped', 'jam'), { category: 'stopped', reason: 'jam' });
    assert.deepEqual(table.resolve('E17'), { category: 'stopped', reason: 'tool breakage' });
    assert.deepEqual(table.resolve(60001), { category: 'idle', reason: 'material' });
    assert.deepEqual(table.resolve('170000'), { category: 'planned', reason: 'planning' });
    assert.deepEqual(table.resolve(6), { category: 'running', reason: 'execute' });
    assert.deepEqual(table.resolve(11), { category: 'stopped', reason: 'held' });
    assert.throws(
      () => table.resolve('E99'),
      /unknown machine state "E99": not running\/stopped\/idle\/planned, not in the state code table, not a PackML state/,
    );
    assert.throws(() => new StateTable([], false).resolve(6), /unknown machine state "6"/);
    assert.throws(() => table.resolve({}), /is not a state name or code/);
  });

  it('validates code tables', () => {
    assert.deepEqual(
      StateTable.validate([
        { code: '5-1', category: 'idle' },
        { code: '', category: 'running' },
        { code: 'x', category: 'broken' as 'idle' },
      ]),
      ['state code range "5-1" runs backwards', 'state code row 2 has no code', 'state code "x" has unknown category "broken"'],
    );
  });

  it('turns a full message into one event, timestamps from the message', () => {
    const ev = parseMessage(
      { topic: 'press-1', timestamp: '2026-11-23T07:00:00Z', payload: { state: 'E17', good: 3, reject: 1, product: 'P-7', idealRate: 120, order: 4711 } },
      table,
      opts,
      NOW,
    );
    assert.deepEqual(ev, {
      machine: 'press-1',
      ts: Date.parse('2026-11-23T07:00:00Z'),
      state: { category: 'stopped', reason: 'tool breakage' },
      counts: { good: 3, reject: 1 },
      product: { id: 'P-7', idealCycleTimeMs: 30_000 },
      order: '4711',
    });
  });

  it('accepts a bare state as payload, epoch timestamps, counters and a custom machine property', () => {
    assert.deepEqual(parseMessage({ payload: 6, machine: { id: 'L1' }, timestamp: 1700000000000 }, table, { machineProperty: 'machine.id' }, NOW), {
      machine: 'L1',
      ts: 1700000000000,
      state: { category: 'running', reason: 'execute' },
    });
    assert.deepEqual(parseMessage({ topic: 'm', payload: { counters: { total: 10, reject: 1 } } }, table, opts, NOW), {
      machine: 'm',
      ts: NOW,
      counters: { total: 10, reject: 1 },
    });
  });

  it('reads commands, with or without a machine', () => {
    assert.deepEqual(parseMessage({ command: 'report' }, table, opts, NOW), { command: 'report', ts: NOW });
    assert.deepEqual(parseMessage({ topic: 'm', payload: { command: 'reset' } }, table, opts, NOW), { command: 'reset', machine: 'm', ts: NOW });
  });

  it('gives a specific error for each kind of bad message', () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ payload: 'running' }, /msg.topic must name the machine/],
      [{ topic: 'm', payload: { good: -1 } }, /payload.good must be a number ≥ 0, got -1/],
      [{ topic: 'm', payload: { good: '5' } }, /payload.good must be a number ≥ 0, got "5"/],
      [{ topic: 'm', payload: { total: 2, reject: 3 } }, /reject \(3\) is more than total \(2\)/],
      [{ topic: 'm', payload: { counters: [1] } }, /payload.counters must be an object/],
      [{ topic: 'm', payload: { product: 'P' } }, /product "P" needs its idealCycleTime/],
      [{ topic: 'm', payload: { idealCycleTime: 0 } }, /idealCycleTime must be seconds per part > 0, got 0/],
      [{ topic: 'm', payload: { idealCycleTime: 1, idealRate: 1 } }, /not both/],
      [{ topic: 'm', payload: { foo: 1 } }, /carries no state, counts, counters, product or order/],
      [{ topic: 'm', payload: 'running', timestamp: 'yesterday' }, /timestamp "yesterday" is not ISO 8601 or epoch milliseconds/],
      [{ topic: 'm', command: 'explode' }, /unknown command "explode"/],
      [{ topic: 'm', payload: { order: { id: 1 } } }, /order must be an id or null/],
    ];
    for (const [msg, re] of bad) assert.throws(() => parseMessage(msg, table, opts, NOW), re, JSON.stringify(msg));
  });
});
