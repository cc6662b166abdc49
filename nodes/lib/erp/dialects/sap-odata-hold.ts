// SAP lot (batch) hold: the batch's unrestricted-use stock (API_MATERIAL_STOCK_SRV A_MatlStkInAcctMod, stock type
// 01) is transferred to blocked stock with movement type 344 in one material document (API_MATERIAL_DOCUMENT_SRV
// A_MaterialDocumentHeader with to_MaterialDocumentItem, goods movement code 04), an item per plant and storage
// location. Idempotent by state, like a warehouse clerk: a batch with no unrestricted stock left is already held.

import { asErpError, ErpError } from '../errors';
import type { DialectContext, ErpPosting, PostingOutcome } from '../types';
import { shortText, num, str } from '../values';
import { decimal } from '../../isa95/b2mml';
import { postEntities, postEntity, sapParams } from './sap-odata-write';
import { odataPages } from './sap-odata-read';

export const SAP_STOCK_SERVICE = '/sap/opu/odata/sap/API_MATERIAL_STOCK_SRV';
export const SAP_MATERIAL_DOCUMENT_SERVICE = '/sap/opu/odata/sap/API_MATERIAL_DOCUMENT_SRV';
/** Stock type 01: unrestricted use. Movement type 344: unrestricted-use stock → blocked stock. */
const UNRESTRICTED = '01';
const TO_BLOCKED = '344';
/** Plant / storage-location rows a batch may have at most. */
const MAX_STOCK_ROWS = 500;

const literal = (v: string): string => `'${v.replace(/'/g, "''")}'`;

export interface SapHold {
  lot: string;
  material?: string;
  reason?: string;
}

/** Puts a batch on hold (unrestricted → blocked stock); answers the material document, or `unchanged` when held. */
export async function sapHold(ctx: DialectContext, hold: SapHold, key: string): Promise<unknown> {
  if (!hold.material) throw new ErpError('config', `SAP keys batches by material: the hold of lot ${hold.lot} needs its material`);
  const service = SAP_STOCK_SERVICE;
  const query = {
    ...sapParams(ctx),
    $format: 'json',
    $filter: `Material eq ${literal(hold.material)} and Batch eq ${literal(hold.lot)} and InventoryStockType eq ${literal(UNRESTRICTED)}`,
  };
  const stock: Array<Record<string, unknown>> = [];
  for await (const page of odataPages(ctx, service, 'A_MatlStkInAcctMod', query, false, 100)) {
    stock.push(...page.rows.filter((r) => (num(r.MatlWrhsStkQtyInMatlBaseUnit) ?? 0) > 0));
    if (stock.length > MAX_STOCK_ROWS) throw new ErpError('protocol', `SAP: batch ${hold.lot} has stock in more than ${MAX_STOCK_ROWS} places`);
  }
  if (!stock.length) return { lot: hold.lot, material: hold.material, held: true, unchanged: true };
  const today = new Date();
  const date = `/Date(${Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate())})/`;
  const document: ErpPosting = {
    kind: `${SAP_MATERIAL_DOCUMENT_SERVICE}/A_MaterialDocumentHeader`,
    key,
    payload: {
      GoodsMovementCode: '04',
      PostingDate: date,
      DocumentDate: date,
      MaterialDocumentHeaderText: shortText(`PlantBridge hold ${hold.lot}`, 25),
      to_MaterialDocumentItem: {
        results: stock.map((s) => ({
          Material: hold.material,
          Plant: str(s.Plant),
          StorageLocation: str(s.StorageLocation),
          Batch: hold.lot,
          GoodsMovementType: TO_BLOCKED,
          EntryUnit: str(s.MaterialBaseUnit),
          QuantityInEntryUnit: decimal(num(s.MatlWrhsStkQtyInMatlBaseUnit)!),
        })),
      },
    },
  };
  const answer = (await postEntity(ctx, document)) as Record<string, unknown>;
  return { lot: hold.lot, material: hold.material, held: true, materialDocument: str(answer.MaterialDocument), year: str(answer.MaterialDocumentYear) };
}

const holdOf = (p: ErpPosting): SapHold | undefined => (p.payload as { hold?: SapHold } | null)?.hold;

/** The SAP dialect's post: a hold reads stock before it writes; anything else is an entity created with CSRF. */
export function sapPost(ctx: DialectContext, posting: ErpPosting): Promise<unknown> {
  const hold = holdOf(posting);
  return hold ? sapHold(ctx, hold, posting.key) : postEntity(ctx, posting);
}

/** `$batch` for entities; holds (a read, then a write) go one at a time beside it, outcomes in the order given. */
export async function sapPostBatch(ctx: DialectContext, postings: readonly ErpPosting[]): Promise<PostingOutcome[]> {
  if (!postings.some(holdOf)) return postEntities(ctx, postings);
  const out: PostingOutcome[] = new Array<PostingOutcome>(postings.length);
  const entities = postings.map((p, i) => ({ p, i })).filter((x) => !holdOf(x.p));
  const batched = entities.length
    ? await postEntities(
        ctx,
        entities.map((x) => x.p),
      )
    : [];
  entities.forEach((x, j) => (out[x.i] = batched[j]!));
  for (const [i, p] of postings.entries())
    if (holdOf(p))
      out[i] = await sapHold(ctx, holdOf(p)!, p.key).then<PostingOutcome, PostingOutcome>(
        (answer) => ({ ok: true, answer }),
        (err: unknown) => ({ ok: false, error: asErpError(err) }),
      );
  return out;
}
