// The common order shape, the fetch query, and the interface every ERP dialect implements.

import type { ErpError } from './errors';
import type { ErpHttp } from './http';
import type { ProductionReport } from '../report/report';
import type { LotHold, LotLink, RecordKind, RecordPage, RecordQuery } from './records';

/** Order status, the same for every ERP; the ERP's own value is kept in `erpStatus`. */
export type OrderStatus = 'planned' | 'released' | 'in-progress' | 'completed' | 'closed' | 'cancelled';
export const ORDER_STATUSES: readonly OrderStatus[] = ['planned', 'released', 'in-progress', 'completed', 'closed', 'cancelled'];

export interface ErpOperation {
  id: string;
  sequence: string | null;
  description: string | null;
  workCenter: string | null;
  plannedStart: string | null;
  plannedEnd: string | null;
  quantity: number | null;
}

export interface ErpComponent {
  material: string;
  name: string | null;
  quantity: number | null;
  unit: string | null;
}

/** A production / work order in the common shape. Timestamps are ISO 8601 UTC, dates `YYYY-MM-DD`. */
export interface ErpOrder {
  /** The ERP's key (SAP ManufacturingOrder, Odoo/Tryton id, ERPNext name). */
  id: string;
  /** What people call the order (WH/MO/00012, WO-0001, 1000042). */
  number: string;
  material: { code: string | null; name: string | null };
  quantity: number | null;
  producedQuantity: number | null;
  unit: string | null;
  plannedStart: string | null;
  plannedEnd: string | null;
  due: string | null;
  status: OrderStatus;
  erpStatus: string;
  plant: string | null;
  workCenter: string | null;
  priority: number | null;
  /** Last change in the ERP: the incremental watermark. */
  modified: string | null;
  operations?: ErpOperation[];
  components?: ErpComponent[];
  /** The record exactly as the ERP sent it. */
  raw: unknown;
}

/** What to fetch. Filters a dialect cannot send to the ERP are applied to each page by the fetcher. */
export interface FetchQuery {
  /** Empty = every status. */
  statuses: OrderStatus[];
  plant?: string;
  workCenter?: string;
  /** Planned start within [plannedFrom, plannedTo] (ISO). */
  plannedFrom?: string;
  plannedTo?: string;
  /** Only orders modified at or after this instant (ISO): incremental mode. */
  since?: string;
  /** Orders per request where the ERP lets the client choose. */
  pageSize: number;
  /** Stop after this many orders (0 = no limit). */
  limit: number;
  /** Also fetch operations and components. */
  expand: boolean;
}

/** One page as fetched. */
export interface OrderPage {
  orders: ErpOrder[];
  /** Total matching orders when the ERP tells (OData $inlinecount / $count). */
  total?: number;
}

/** Connection-level values a dialect may need besides HTTP. Secrets come from Node-RED credentials only. */
export interface DialectContext {
  http: ErpHttp;
  /** Dialect settings from the connection (e.g. OData service path, Odoo database). */
  options: Record<string, string>;
  credentials: { user?: string; password?: string; apiKey?: string; apiSecret?: string };
  /** Per-connection cache shared by every node using it (sessions, CSRF tokens, WSDL clients). */
  session: Map<string, unknown>;
  /** Time zone of naive ERP date-times (ERPNext, SOAP); default UTC. */
  timeZone: string;
  /** The connection's authentication (SOAP reads it to choose Basic or NTLM). */
  authType?: AuthType;
  /** The connection's id (the simulated ERP keeps its books per connection). */
  connectionId?: string;
}

/** A posting (confirmation, maintenance request, …) sent by mes-report / maintenance-trigger. */
export interface ErpPosting {
  kind: string;
  /** Dialect-ready payload. */
  payload: unknown;
  /** Idempotency key, sent where the ERP supports one. */
  key: string;
}

/** What became of one posting of a batch: the ERP's answer, or why it refused this one. */
export type PostingOutcome = { ok: true; answer: unknown } | { ok: false; error: ErpError };

/** A dialect setting shown in the connection's edit dialog. */
export interface DialectOption {
  name: string;
  /** Short label (fits the dialog's label column); `help` carries the rest. */
  label: string;
  default?: string;
  required?: boolean;
  help?: string;
  /** The only values allowed: the dialog shows a drop-down, the runtime refuses any other value. */
  choices?: readonly string[];
}

/** How a connection signs in: "login" lets the dialect sign in itself with the fields in `loginFields`. */
export type AuthType = 'none' | 'login' | 'basic' | 'bearer' | 'apikey' | 'oauth2' | 'ntlm';
export const AUTH_TYPES: readonly AuthType[] = ['none', 'login', 'basic', 'bearer', 'apikey', 'oauth2', 'ntlm'];
export type LoginField = 'user' | 'password' | 'apiKey' | 'apiSecret';

/** Settings a posting may need besides the report (from the connection and the node). */
export interface PostingOptions {
  /** Time zone of the ERP's naive local dates / times (SAP plant, ERPNext server, SOAP ERP). */
  timeZone: string;
  /** Generic REST: path to POST to (default /postings). */
  path?: string;
  /** Dynamics 365: legal entity (company id). */
  company?: string;
  /** SOAP: the operation to call (default Create) and the record element of its arguments. */
  soapOperation?: string;
  soapRecord?: string;
  /** ERPNext: source / target warehouses of the Stock Entry. */
  sourceWarehouse?: string;
  targetWarehouse?: string;
}

/** A posting setting the nodes ask for (mes-report, isa95-mapper show its field when the posting declares it). */
export type PostingSetting = Exclude<keyof PostingOptions, 'timeZone'>;
export const POSTING_SETTINGS: readonly PostingSetting[] = ['path', 'company', 'soapOperation', 'soapRecord', 'sourceWarehouse', 'targetWarehouse'];

/** A posting a dialect can build from a production report (mes-report, isa95-mapper's "ERP posting"). */
export interface DialectPosting {
  /** The posting profile's id, unique over all dialects (the dialect's id for its usual one). */
  id: string;
  label: string;
  /** The settings it reads from PostingOptions besides the time zone (their fields show in the nodes' dialogs). */
  settings?: readonly PostingSetting[];
  /** The report → the posting the dialect's `post` sends, carrying the report's idempotency key. */
  build(report: ProductionReport, options: PostingOptions): ErpPosting;
}

/** A maintenance request to create in the ERP (maintenance-trigger), as plain values. */
export interface MaintenanceNotice {
  /** The request id, also the idempotency key. */
  key: string;
  asset: string;
  rule: { id: string; name: string; kind: string };
  /** 1 urgent … 4 low, and the name. */
  priority: number;
  priorityName: string;
  /** What the rule saw, in words; `text` with the rule's own text first when it has one. */
  text: string;
  /** When the condition began (ISO). */
  started: string;
  value: unknown;
  /** A meter rule (preventive), or a condition (corrective). */
  preventive: boolean;
  sensorFault: boolean;
}

/** What IT implements to add an ERP: fetch orders page by page in the common shape. */
export interface ErpDialect {
  id: string;
  label: string;
  /** Settings the dialect reads from `DialectContext.options`. */
  options: DialectOption[];
  /** The authentications this ERP accepts, the usual one first (default: all but login and ntlm). */
  auth?: readonly AuthType[];
  /** Credential fields a "login" authentication shows (default: user and password). */
  loginFields?: readonly LoginField[];
  /** The login fields these settings need (default: every one in `loginFields`). */
  loginRequired?(options: Record<string, string>): readonly LoginField[];
  /** Runs inside Node-RED, with no base URL and nothing on the network (the simulated ERP). */
  local?: boolean;
  /** Checks the dialect settings; one message per problem. */
  validate?(options: Record<string, string>): string[];
  /** Yields pages until every matching order was read (or `limit` reached). Must be restartable from scratch. */
  fetchOrders(ctx: DialectContext, query: FetchQuery): AsyncGenerator<OrderPage>;
  /** The record kinds `fetchRecords` reads (master data in the common shape, "records" for any object). */
  recordKinds?: readonly RecordKind[];
  /** Yields pages of master data or plain records until every match was read (or `limit` reached); restartable. */
  fetchRecords?(ctx: DialectContext, query: RecordQuery): AsyncGenerator<RecordPage>;
  /**
   * Lot genealogy, one level: the links in which these lots were consumed (forward: what they went into) or produced
   * (backward: what went into them), from the ERP's own stock moves.
   */
  lotLinks?(ctx: DialectContext, lots: readonly string[], direction: 'forward' | 'backward'): Promise<LotLink[]>;
  /** One raw record as the ERP sends it → the common order (isa95-mapper's per-dialect order profile). */
  toOrder?(raw: Record<string, unknown>, options: Record<string, string>, timeZone: string): ErpOrder;
  /** Sends a posting; returns the ERP's answer. Optional until a dialect supports writes. */
  post?(ctx: DialectContext, posting: ErpPosting): Promise<unknown>;
  /**
   * Sends several postings in one request where the ERP has one (SAP OData `$batch`), each booked on its own: one
   * outcome per posting, in order. Throws when the request as a whole failed (nothing booked). Without it, postings
   * go one at a time through `post`.
   */
  postBatch?(ctx: DialectContext, postings: readonly ErpPosting[]): Promise<PostingOutcome[]>;
  /** The postings it builds from production reports; mes-report's "auto" takes the first. */
  postings?: readonly DialectPosting[];
  /** The posting that puts a lot on hold (mes-report's `msg.hold`, reference flow "Lot recall"), sent with `post`. */
  lotHold?(hold: LotHold, options: PostingOptions): ErpPosting;
  /** The maintenance notification it creates (maintenance-trigger), sent with `post`. */
  notification?(notice: MaintenanceNotice, options: { timeZone: string; path?: string }): ErpPosting;
}
