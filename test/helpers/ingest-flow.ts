// The ingest flow the outbox fault and scale-out tests run in real Node-RED processes: one report per HTTP request
// (POST /report) into a mes-report; 202 only once it called done() (the report is committed to its outbox), 503 with
// the reason when it refused the report.

/** A change node on the ingest tab that sets the HTTP status and the payload (`to` of type `tot`) for the response. */
function answer(id: string, status: string, payload: { to: string; tot: string }): Record<string, unknown> {
  return {
    id,
    type: 'change',
    z: 'ingest',
    rules: [
      { t: 'set', p: 'statusCode', pt: 'msg', to: status, tot: 'num' },
      { t: 'set', p: 'payload', pt: 'msg', ...payload },
    ],
    wires: [['out']],
  };
}

/** `report`: the mes-report's settings (store, rate, …); `connection`: its erp-connection (id `conn`). */
export function ingestFlow(report: Record<string, unknown>, connection: Record<string, unknown>): Array<Record<string, unknown>> {
  const z = 'ingest';
  return [
    { id: z, type: 'tab', label: 'ingest' },
    { id: 'in', type: 'http in', z, url: '/report', method: 'post', wires: [['report']] },
    { id: 'report', type: 'pb-mes-report', z, connection: 'conn', posting: 'auto', variance: false, ...report, wires: [[], [], []] },
    { id: 'done', type: 'complete', z, scope: ['report'], uncaught: false, wires: [['ok']] },
    answer('ok', '202', { to: 'accepted', tot: 'str' }),
    { id: 'err', type: 'catch', z, scope: ['report'], uncaught: false, wires: [['bad']] },
    answer('bad', '503', { to: 'error.message', tot: 'msg' }),
    { id: 'out', type: 'http response', z, wires: [] },
    connection,
  ];
}
