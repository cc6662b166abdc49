// Lot genealogy: which lots a lot went into (forward) and came from (backward), level by level, from any source of
// one-level links (an ERP's stock moves through the connection, or the production reports the pack has seen), with
// limits on depth and on the number of lots so a cycle or a huge tree ends with a clear error, never a hang.

import type { LotLink } from '../erp/records';
import type { ProductionReport } from '../report/report';

export type Direction = 'forward' | 'backward';
export const DIRECTIONS: readonly Direction[] = ['forward', 'backward'];

/** One level of links for a set of lots. */
export type LinkSource = (lots: readonly string[], direction: Direction) => Promise<LotLink[]>;

export const MAX_TRACE_DEPTH = 50;
export const MAX_TRACE_LOTS = 100_000;

export class TraceLimitError extends Error {}

export interface TraceResult {
  lot: string;
  direction: Direction;
  /** The lots reached, level by level (level 1: directly made from / into the lot). */
  levels: string[][];
  /** Every lot reached (without the lot itself), in the order found. */
  lots: string[];
  /** Reached lots with no further link in this direction: finished lots forward, raw-material lots backward. */
  ends: string[];
  links: LotLink[];
  /** False when the depth limit stopped the trace with lots still to follow. */
  complete: boolean;
  /** Material of each reached lot, where a link named it. */
  materials: Record<string, string>;
}

/** Follows the links level by level; a lot reached twice (a cycle, or two paths) is followed once. */
export async function trace(lot: string, direction: Direction, source: LinkSource, depth: number, maxLots: number): Promise<TraceResult> {
  const seen = new Set<string>([lot]);
  const levels: string[][] = [];
  const links: LotLink[] = [];
  const onward = new Set<string>();
  const materials: Record<string, string> = Object.create(null) as Record<string, string>;
  let frontier = [lot];
  let complete = true;
  for (let level = 1; frontier.length; level++) {
    if (level > depth) {
      complete = false;
      break;
    }
    const found = await source(frontier, direction);
    const next: string[] = [];
    const inFrontier = new Set(frontier);
    for (const l of found) {
      const [here, there] = direction === 'forward' ? [l.from, l.to] : [l.to, l.from];
      if (!inFrontier.has(here)) continue;
      onward.add(here);
      links.push(l);
      const m = direction === 'forward' ? l.toMaterial : l.fromMaterial;
      if (m && !(there in materials)) materials[there] = m;
      if (seen.has(there)) continue;
      seen.add(there);
      next.push(there);
      if (seen.size - 1 > maxLots) throw new TraceLimitError(`the ${direction} trace of lot ${lot} reaches more than ${maxLots} lots (the node's limit)`);
    }
    if (next.length) levels.push(next);
    frontier = next;
  }
  const lots = levels.flat();
  return { lot, direction, levels, lots, ends: lots.filter((l) => !onward.has(l) && !frontier.includes(l)), links: dedupe(links), complete, materials };
}

const linkKey = (l: LotLink): string => `${l.from}\u0000${l.to}\u0000${l.order ?? ''}`;

function dedupe(links: LotLink[]): LotLink[] {
  const seen = new Set<string>();
  return links.filter((l) => {
    const k = linkKey(l);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The links a production report states: every consumed lot went into every produced lot of the report. */
export function linksOfReport(r: ProductionReport): LotLink[] {
  const out: LotLink[] = [];
  for (const c of r.lotsConsumed ?? [])
    for (const p of r.lotsProduced ?? [])
      out.push({
        from: c.lot,
        to: p.lot,
        order: r.order,
        fromMaterial: c.material ?? null,
        toMaterial: p.material ?? r.material ?? null,
        quantity: c.quantity ?? null,
        unit: c.unit ?? null,
        at: r.end ?? r.start ?? null,
      });
  return out;
}

/**
 * Links learned from reports, indexed both ways, at most `max` (the oldest forgotten first). Serialisable as a plain
 * list for a context store.
 */
export class LinkBook {
  private readonly list: LotLink[] = [];
  private readonly keys = new Set<string>();
  private forward = new Map<string, LotLink[]>();
  private backward = new Map<string, LotLink[]>();

  constructor(
    private readonly max: number,
    saved?: unknown,
  ) {
    if (Array.isArray(saved)) for (const l of saved) if (isLink(l)) this.add(l);
  }

  get size(): number {
    return this.list.length;
  }

  /** Adds links not known yet; true when something was added. */
  add(...links: LotLink[]): boolean {
    const added: LotLink[] = [];
    for (const l of links) {
      const k = linkKey(l);
      if (this.keys.has(k)) continue;
      this.keys.add(k);
      this.list.push(l);
      added.push(l);
    }
    if (this.list.length > this.max) {
      for (const old of this.list.splice(0, this.list.length - this.max)) this.keys.delete(linkKey(old));
      this.index();
    } else for (const l of added) this.put(l);
    return added.length > 0;
  }

  private put(l: LotLink): void {
    const f = this.forward.get(l.from) ?? [];
    f.push(l);
    this.forward.set(l.from, f);
    const b = this.backward.get(l.to) ?? [];
    b.push(l);
    this.backward.set(l.to, b);
  }

  private index(): void {
    this.forward = new Map();
    this.backward = new Map();
    for (const l of this.list) this.put(l);
  }

  /** One level, as a LinkSource. */
  links(lots: readonly string[], direction: Direction): LotLink[] {
    const map = direction === 'forward' ? this.forward : this.backward;
    return lots.flatMap((lot) => map.get(lot) ?? []);
  }

  toJSON(): LotLink[] {
    return this.list;
  }
}

function isLink(v: unknown): v is LotLink {
  const l = v as LotLink;
  return !!l && typeof l === 'object' && typeof l.from === 'string' && typeof l.to === 'string';
}
