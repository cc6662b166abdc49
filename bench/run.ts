// npm run bench: runs every benchmark case and rewrites the figures section of BENCHMARKS.md.

import fs from 'node:fs';
import path from 'node:path';
import { erpBench, materialsBench } from './cases/erp';
import { isa95Bench } from './cases/isa95';
import { maintenanceBench } from './cases/maintenance';
import { outboxBench } from './cases/outbox';
import { oeeBench } from './cases/oee';
import { scaleoutBench } from './cases/scaleout';
import { goalTable, machine, stopRuntime, table, type CaseResult } from './harness';

const BEGIN = '<!-- bench:begin -->';
const END = '<!-- bench:end -->';

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
  const results: CaseResult[] = [];
  if (!only || only === 'oee') results.push(...(await oeeBench(quick ? 20_000 : 100_000, quick ? 1 : 3)));
  if (!only || only === 'erp') results.push(...(await erpBench(quick ? 20_000 : 100_000, quick ? 1 : 3)));
  if (!only || only === 'erp' || only === 'materials') results.push(...(await materialsBench(quick ? 20_000 : 100_000, quick ? 1 : 3)));
  if (!only || only === 'isa95') results.push(...(await isa95Bench(quick ? 20_000 : 100_000, quick ? 1 : 3)));
  if (!only || only === 'maintenance') results.push(...(await maintenanceBench(quick ? 20_000 : 100_000, quick ? 1 : 3)));
  if (!only || only === 'outbox') results.push(...(await outboxBench(quick ? 5_000 : 20_000, quick ? 1 : 3)));
  if (!only || only === 'scaleout') results.push(...(await scaleoutBench(quick ? 1000 : 2000, quick ? 1 : 3)));
  await stopRuntime();
  const goals = results.flatMap((r) => r.goals ?? []);
  const report = [
    `Measured ${new Date().toISOString().slice(0, 10)} with \`npm run bench\` on ${machine()}.`,
    '',
    ...(goals.length ? [goalTable('Goals (issues 18 to 21), checked in this run', goals), ''] : []),
    ...results.map(table).flatMap((t) => [t, '']),
  ].join('\n');
  console.log(report);
  const file = path.join(__dirname, '..', 'BENCHMARKS.md');
  const text = fs.readFileSync(file, 'utf8');
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error('BENCHMARKS.md lacks the bench markers');
  if (!quick && !only) fs.writeFileSync(file, `${text.slice(0, a + BEGIN.length)}\n${report}\n${text.slice(b)}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
