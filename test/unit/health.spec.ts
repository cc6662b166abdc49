// The health bookkeeping without Node-RED: connection states from the latest outcome, answer-time percentiles and
// histogram, sends per minute, and Prometheus text that a real parser reads back (escaped label values included).
import assert from 'node:assert/strict';
import parsePrometheus from 'parse-prometheus-text-format';
import { ConnectionHealth, labelValue, SendCounter, writeMetrics, type QueueView } from '../../nodes/lib/health/health';

describe('integration health bookkeeping', () => {
  it('names the state after the latest exchange and keeps the last failure with its reason', () => {
    const h = new ConnectionHealth();
    assert.equal(h.state, 'unknown');
    h.record('fetch', 'ok', 0.2, 1000);
    assert.equal(h.state, 'ok');
    h.record('post', 'auth', 0.1, 2000, 'POST …: HTTP 401, the ERP refused the credentials');
    assert.equal(h.state, 'auth failed');
    h.record('post', 'unavailable', 5, 3000, 'timeout after 5000 ms');
    assert.equal(h.state, 'unreachable');
    h.record('post', 'http', 0.1, 4000, 'HTTP 400');
    assert.equal(h.state, 'degraded');
    const v = h.view();
    assert.deepEqual(v.lastFailure, { at: new Date(4000).toISOString(), operation: 'post', kind: 'http', reason: 'HTTP 400' });
    assert.equal(v.fetch.lastSuccess, new Date(1000).toISOString());
    assert.equal(v.post.lastSuccess, null);
    assert.deepEqual(v.post.outcomes, { auth: 1, unavailable: 1, http: 1 });
  });

  it('answer-time percentiles of the newest 1,000 answers, by hand', () => {
    const h = new ConnectionHealth();
    for (let i = 1; i <= 100; i++) h.record('post', 'ok', i / 100, i);
    assert.deepEqual(h.view().post.answerSeconds, { p50: 0.5, p90: 0.9, p99: 0.99 });
    for (let i = 0; i < 1000; i++) h.record('post', 'ok', 2, i);
    assert.deepEqual(h.view().post.answerSeconds, { p50: 2, p90: 2, p99: 2 }, 'older answers left the window');
  });

  it('sends of the last minute, however many seconds have passed', () => {
    const c = new SendCounter();
    for (let s = 0; s < 120; s++) c.done(s * 1000 + 500);
    assert.equal(c.sent, 120);
    assert.equal(c.lastMinute(119_999), 60);
    assert.equal(c.lastMinute(1_000_000), 0);
  });

  it('writes Prometheus text a parser reads back, label values escaped', () => {
    const h = new ConnectionHealth();
    h.record('post', 'ok', 0.07, 1_000_000);
    h.record('post', 'ok', 3, 1_000_001);
    const name = 'ERP "main"\\plant\nA';
    assert.equal(labelValue(name), 'ERP \\"main\\"\\\\plant\\nA');
    const queue: QueueView = {
      queue: 'report',
      node: 'n1',
      connection: name,
      backlog: 3,
      inflight: 1,
      dead: 2,
      oldestPendingSeconds: 42,
      sentTotal: 7,
      deadTotal: 2,
      sentLastMinute: 1,
      answerSeconds: null,
      reachable: true,
      reason: null,
    };
    const families = parsePrometheus(
      writeMetrics([{ name, dialect: 'rest', health: h }], [queue], [{ id: 'o', name: 'OEE', silentMachines: ['m1'] }]),
    ) as Array<{
      name: string;
      type: string;
      metrics: Array<{ labels?: Record<string, string>; value?: string; buckets?: Record<string, string> }>;
    }>;
    const by = new Map(families.map((f) => [f.name, f]));
    assert.equal(by.get('plantbridge_erp_requests_total')!.metrics[0]!.labels!.connection, name, 'the label value round-trips');
    assert.equal(by.get('plantbridge_erp_requests_total')!.metrics[0]!.value, '2');
    assert.deepEqual(by.get('plantbridge_erp_answer_seconds')!.metrics[0]!.buckets, {
      '0.05': '0',
      '0.1': '1',
      '0.25': '1',
      '0.5': '1',
      '1': '1',
      '2.5': '1',
      '5': '2',
      '10': '2',
      '30': '2',
      '60': '2',
      '+Inf': '2',
    });
    assert.equal(by.get('plantbridge_outbox_oldest_pending_age_seconds')!.metrics[0]!.value, '42');
    assert.equal(by.get('plantbridge_outbox_dead_letters')!.metrics[0]!.value, '2');
    assert.equal(by.get('plantbridge_erp_last_success_timestamp_seconds')!.metrics[0]!.value, '1000.001');
    assert.deepEqual(by.get('plantbridge_oee_silent_machines')!.metrics[0], { value: '1', labels: { calculator: 'OEE' } });
  });
});
