// B2MML validation with xmllint (Debian libxml2-utils) against the MESA XSDs copied into schemas/b2mml.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './package';

const dir = (v: string): string => path.join(ROOT, 'schemas', 'b2mml', v);
export const XSD = {
  scheduleV0701: path.join(dir('V0701'), 'B2MML-OperationsSchedule.xsd'),
  performanceV0701: path.join(dir('V0701'), 'B2MML-OperationsPerformance.xsd'),
  scheduleV0600: path.join(dir('V0600'), 'B2MML-V0600-ProductionSchedule.xsd'),
  performanceV0600: path.join(dir('V0600'), 'B2MML-V0600-ProductionPerformance.xsd'),
  materialV0701: path.join(dir('V0701'), 'B2MML-Material.xsd'),
  equipmentV0701: path.join(dir('V0701'), 'B2MML-Equipment.xsd'),
  operationsDefinitionV0701: path.join(dir('V0701'), 'B2MML-OperationsDefinition.xsd'),
  materialV0600: path.join(dir('V0600'), 'B2MML-V0600-Material.xsd'),
  equipmentV0600: path.join(dir('V0600'), 'B2MML-V0600-Equipment.xsd'),
  productDefinitionV0600: path.join(dir('V0600'), 'B2MML-V0600-ProductDefinition.xsd'),
};

export function hasXmllint(): boolean {
  try {
    execFileSync('xmllint', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Skips the suite without xmllint on a developer machine; fails it under CI. */
export function requireXmllint(ctx: Mocha.Context): void {
  if (hasXmllint()) return;
  if (process.env.CI) throw new Error('xmllint missing: apt-get install libxml2-utils');
  console.warn('    (B2MML XSD validation not run: apt-get install libxml2-utils)');
  ctx.skip();
}

/** Validates with xmllint; returns its complaint, or '' when valid. */
export function validate(xml: string, xsd: string): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'b2mml-'));
  const file = path.join(folder, 'doc.xml');
  fs.writeFileSync(file, xml);
  try {
    execFileSync('xmllint', ['--noout', '--nonet', '--schema', xsd, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    return '';
  } catch (err) {
    // V0600 XSDs print harmless "Skipping import … already imported" warnings; only errors count.
    const out = String((err as { stderr?: Buffer }).stderr ?? err);
    return out
      .split('\n')
      .filter((l) => l.trim() && !/Skipping import|validates$/.test(l))
      .join('\n');
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * Validates many documents with one xmllint run (the XSD is compiled once); returns, per document, its complaint or
 * '' when valid.
 */
export function validateMany(xmls: string[], xsd: string): string[] {
  if (!xmls.length) return [];
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'b2mml-'));
  const files = xmls.map((x, i) => {
    const f = path.join(folder, `doc-${i}.xml`);
    fs.writeFileSync(f, x);
    return f;
  });
  let out = '';
  try {
    execFileSync('xmllint', ['--noout', '--nonet', '--schema', xsd, ...files], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    out = String((err as { stderr?: Buffer }).stderr ?? err);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
  return files.map((f) =>
    out
      .split('\n')
      .filter((l) => l.startsWith(f) && !/ validates$/.test(l))
      .join('\n'),
  );
}
