// The pack's public API for ERP dialect plugins: `require('@plantbridge/node-red-erp-mes/dialect')`, typed by the
// .d.ts files the build emits next to it. A plugin package registers `{ type: PLUGIN_TYPE, dialect }` with
// RED.plugins.registerPlugin; erp-connection, erp-order-fetch, mes-report and maintenance-trigger then use it exactly
// like a built-in dialect. docs/dialects.md walks through it with the SOAP template in templates/soap-dialect/.

import { connectionProblems, type ConnectionCredentials, connectionSettings, ErpConnection } from './lib/erp/connection';
import { ErpError } from './lib/erp/errors';
import { dialectProblems } from './lib/erp/registry';
import type { AuthType, ErpDialect } from './lib/erp/types';

export type {
  AuthType,
  DialectContext,
  DialectOption,
  DialectPosting,
  ErpComponent,
  ErpDialect,
  ErpOperation,
  ErpOrder,
  ErpPosting,
  FetchQuery,
  LoginField,
  MaintenanceNotice,
  OrderPage,
  OrderStatus,
  PostingOptions,
  PostingOutcome,
} from './lib/erp/types';
export { ORDER_STATUSES } from './lib/erp/types';
export type { ErpHttp, HttpRequest, HttpResponse } from './lib/erp/http';
export type { ProductionReport, QualityResult, ReportLot } from './lib/report/report';
export { contentKey, reportKey } from './lib/report/report';
export { ErpError, type ErpErrorKind, excerpt, reasonOf } from './lib/erp/errors';
export { dialectProblems, PLUGIN_TYPE } from './lib/erp/registry';
export { isoInstant, naiveDateTime, naiveLocal, num, str } from './lib/erp/values';
export { isAlreadyExists, soapCall, soapClient, type SoapService } from './lib/erp/dialects/soap';
export { type ConnectionCredentials, connectionSettings, ErpConnection } from './lib/erp/connection';

/** A connection as the erp-connection node would open it, for a dialect's own tests (no Node-RED needed). */
export interface TestConnectionSettings {
  baseUrl: string;
  authType?: AuthType;
  credentials?: ConnectionCredentials;
  options?: Record<string, string>;
  timeZone?: string;
  timeoutMs?: number;
  attempts?: number;
}

/**
 * Opens a connection to `baseUrl` through `dialect` with the pack's HTTP client (origin rule, retries, size limits,
 * secret scrubbing), after the same checks erp-connection makes. `connection.fetchOrders(query)` and
 * `connection.post(posting)` then run the dialect as the nodes do; `close()` ends it.
 */
export function openConnection(dialect: ErpDialect, s: TestConnectionSettings): ErpConnection {
  const settings = connectionSettings({
    dialect: dialect.id,
    baseUrl: s.baseUrl,
    ...(s.authType ? { authType: s.authType } : {}),
    ...(s.options ? { options: s.options } : {}),
    ...(s.timeZone ? { timeZone: s.timeZone } : {}),
    ...(s.timeoutMs ? { timeoutMs: s.timeoutMs } : {}),
    ...(s.attempts ? { attempts: s.attempts } : {}),
  });
  const credentials = s.credentials ?? {};
  const problems = [...dialectProblems(dialect), ...connectionProblems(settings, credentials, dialect)];
  if (problems.length) throw new ErpError('config', problems.join('; '));
  return new ErpConnection(settings, credentials, dialect);
}
