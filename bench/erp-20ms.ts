// The scale-out bench's ERP (bench/cases/scaleout.ts): a lean HTTP server in a process of its own that books every
// POST after a fixed answer time — 201 with the document, a repeated Idempotency-Key answered as the first time — and
// counts the keys it booked (GET /booked). Nothing else runs in it, so it is never the bottleneck of the instances.
//   node --import tsx bench/erp-20ms.ts <port> <answer ms>

import http from 'node:http';

const [port, ms] = process.argv.slice(2).map(Number);
const booked = new Set<string>();
const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/booked')
    return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ booked: booked.size }));
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const key = String(req.headers['idempotency-key'] ?? '');
    setTimeout(() => {
      booked.add(key);
      res.writeHead(201, { 'Content-Type': 'application/json' }).end(JSON.stringify({ id: `DOC-${booked.size}`, key }));
    }, ms);
  });
});
server.keepAliveTimeout = 10_000;
server.listen(port, '127.0.0.1', () => console.log(`ERP on http://127.0.0.1:${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
