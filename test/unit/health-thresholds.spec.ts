// When the integration is unhealthy: the health view against thresholds, by hand.
import assert from 'node:assert/strict';
import { type HealthInput, problemKey, problemsOf } from '../../nodes/lib/health/thresholds';

const connection = (over: Partial<HealthInput['connections'][number]> = {}): HealthInput['connections'][number] => ({
  id: 'c1',
  name: 'SAP',
  state: 'ok',
  failingFetchRuns: 0,
  fetch: { lastSuccess: null, outcomes: {}, answerSeconds: null },
  post: { lastSuccess: null, outcomes: {}, answerSeconds: null },
  lastFailure: null,
  ...over,
});
const queue = (over: Partial<HealthInput['queues'][number]> = {}): HealthInput['queues'][number] => ({
  queue: 'report',
  node: 'n1',
  connection: 'SAP',
  backlog: 0,
  inflight: 0,
  dead: 0,
  oldestPendingSeconds: 0,
  sentTotal: 0,
  deadTotal: 0,
  sentLastMinute: 0,
  answerSeconds: null,
  reachable: true,
  reason: null,
  ...over,
});
const t = { oldestPendingSec: 900, deadLetters: 1, failingFetchRuns: 3 };

describe('integration health thresholds', () => {
  it('healthy when nothing crosses a threshold', () => {
    assert.deepEqual(problemsOf({ connections: [connection()], queues: [queue({ backlog: 5, oldestPendingSeconds: 899 })] }, t), []);
  });

  it('names each problem with a code and the ERP reason', () => {
    const p = problemsOf(
      {
        connections: [
          connection({ state: 'auth failed', lastFailure: { at: '', operation: 'post', kind: 'auth', reason: 'HTTP 401' } }),
          connection({ id: 'c2', name: 'Odoo', state: 'unreachable', failingFetchRuns: 3 }),
        ],
        queues: [queue({ reachable: false, backlog: 40, oldestPendingSeconds: 1800, dead: 2, reason: 'HTTP 401' })],
      },
      t,
    );
    assert.deepEqual(
      p.map((x) => `${x.code} ${x.subject}`),
      ['connection-auth SAP', 'connection-unreachable Odoo', 'fetch-failing Odoo', 'queue-paused report', 'queue-old report', 'dead-letters report'],
    );
    assert.match(p[0]!.text, /refuses the credentials: HTTP 401/);
    assert.match(p[4]!.text, /30 min/);
  });

  it('0 turns a threshold off; a figure changing inside one problem keeps its key', () => {
    const input = (age: number): HealthInput => ({
      connections: [connection({ failingFetchRuns: 9 })],
      queues: [queue({ backlog: 1, dead: 5, oldestPendingSeconds: age })],
    });
    assert.deepEqual(
      problemsOf(input(5000), { oldestPendingSec: 900, deadLetters: 0, failingFetchRuns: 0 }).map((p) => p.code),
      ['queue-old'],
    );
    assert.equal(problemKey(problemsOf(input(1000), t)), problemKey(problemsOf(input(9000), t)));
  });

  it('an oee-calculator with silent machines is a problem naming them', () => {
    const p = problemsOf({ connections: [], queues: [], calculators: [{ id: 'o1', name: 'OEE per shift', silentMachines: ['press-1', 'cnc-1'] }] }, t);
    assert.deepEqual(
      p.map((x) => [x.code, x.text]),
      [['machines-silent', 'OEE per shift: no signal from press-1, cnc-1']],
    );
    assert.deepEqual(problemsOf({ connections: [], queues: [], calculators: [{ id: 'o1', name: 'OEE', silentMachines: [] }] }, t), []);
  });
});
