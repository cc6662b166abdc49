// One status vocabulary for every PlantBridge node: a kind picks the dot/ring and colour, the text stays short.

import type { Node, NodeStatus } from 'node-red';
import { clip } from '../erp/errors';

/** ok = green dot, busy = blue dot, warn = yellow dot, bad = red dot (a poor figure), error = red ring (a failure), idle = grey ring. */
export type StatusKind = 'ok' | 'busy' | 'warn' | 'bad' | 'error' | 'idle';

const LOOK: Record<StatusKind, Pick<NodeStatus, 'fill' | 'shape'>> = {
  ok: { fill: 'green', shape: 'dot' },
  busy: { fill: 'blue', shape: 'dot' },
  warn: { fill: 'yellow', shape: 'dot' },
  bad: { fill: 'red', shape: 'dot' },
  error: { fill: 'red', shape: 'ring' },
  idle: { fill: 'grey', shape: 'ring' },
};

/**
 * Sets a node's status; text is cut to 32 characters so it stays readable under the node, or to 72 for an error, whose
 * cause (the ERP's reason) is worth the width.
 */
export function setStatus(node: Node, kind: StatusKind, text: string): void {
  const max = kind === 'error' ? 72 : 32;
  node.status({ ...LOOK[kind], text: text.length > max ? `${text.slice(0, max - 1)}…` : text });
}

/** The status of a paused outbox queue: what waits, then the true cause (refused vs unreachable) with the ERP's reason. */
export function pausedText(i18n: (key: string) => string, catalog: string, s: { blocked?: boolean; reason?: string }, queued: string): string {
  const cause = i18n(`${catalog}.status.${s.blocked ? 'refused' : 'unreachable'}`);
  return `${queued} · ${cause}${s.reason ? `: ${s.reason.replace(/^outbox: /, '')}` : ''}`;
}

/**
 * Error text for Catch nodes and logs: the message of an Error (JSONata's error objects included), else the value
 * as text, cut to a few hundred characters so a huge offending value is never copied whole.
 */
export function errorText(err: unknown): string {
  let text: string;
  if (err instanceof Error) text = err.message;
  else if (err && typeof err === 'object' && typeof (err as { message?: unknown }).message === 'string') text = (err as { message: string }).message;
  else {
    try {
      text = typeof err === 'string' ? err : (JSON.stringify(err) ?? String(err));
    } catch {
      text = String(err);
    }
  }
  return clip(text);
}

/** The catalog prefix of a node type: the type without the pack's `pb-` prefix (catalogs are named after the node set). */
export function catalogOf(type: string): string {
  return type.startsWith('pb-') ? type.slice(3) : type;
}

/**
 * A node whose configuration is unusable: logs the reason once at deploy, shows a red ring, and fails every message
 * with the same reason (so Catch nodes see it) instead of half working. Texts come from the node type's catalog:
 * `<type>.status.configError` and `<type>.errors.config`.
 */
/** The node's settings, or undefined once the configuration error is shown (red status, logged, every message refused). */
export function settingsOr<T>(node: Node, i18n: (key: string) => string, read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    failConfiguration(node, i18n, errorText(err));
    return undefined;
  }
}

export function failConfiguration(node: Node, i18n: (key: string) => string, problem: string): void {
  const catalog = catalogOf(node.type);
  const reason = `${i18n(`${catalog}.errors.config`)}: ${problem}`;
  node.error(reason);
  setStatus(node, 'error', i18n(`${catalog}.status.configError`));
  node.on('input', (_msg: unknown, _send: unknown, done: (err?: Error) => void) => {
    try {
      done(new Error(reason));
    } catch {
      // the message could not be copied for Catch nodes (too deep): the reason still reaches them
      node.error(reason, { payload: null, error: { message: reason } } as never);
    }
  });
}

/**
 * A status that follows fast-changing figures without flooding the editor: `update()` draws at most every `everyMs`
 * and always ends on the latest figures (a trailing update); `update(true)` draws now; `stop()` on close.
 */
export function throttledStatus(node: Node, everyMs: number, render: () => [StatusKind, string]): { update(force?: boolean): void; stop(): void } {
  let last = 0;
  let timer: NodeJS.Timeout | undefined;
  const update = (force = false): void => {
    const now = Date.now();
    if (!force && now - last < everyMs) {
      timer ??= setTimeout(
        () => {
          timer = undefined;
          update(true);
        },
        everyMs - (now - last),
      );
      return;
    }
    last = now;
    const [kind, text] = render();
    setStatus(node, kind, text);
  };
  return {
    update,
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
