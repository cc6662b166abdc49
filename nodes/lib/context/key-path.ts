// Context keys as Node-RED writes them (`a`, `a.b`, `a[0]`, `a["b c"]`), read into a path, and values read and written
// along such a path without ever touching a prototype: the PostgreSQL context store keeps one value per top-level key.

/**
 * A context key as Node-RED writes them (`a`, `a.b`, `a[0]`, `a["b c"]`) → its path. Node-RED's own helpers are not
 * reachable from a module installed beside it, so the common forms are read here; anything else is refused.
 */
export function keyPath(key: string): Array<string | number> {
  const path: Array<string | number> = [];
  const re = /([^.[\]]+)|\[(\d+)\]|\["([^"]*)"\]|\['([^']*)'\]|(\.)/gy;
  let m: RegExpExecArray | null;
  let last = 0;
  let expectName = true;
  while (last < key.length && (m = re.exec(key))) {
    last = re.lastIndex;
    if (m[5] !== undefined) {
      if (expectName) throw new Error(`"${key}" is not a context key`);
      expectName = true;
      continue;
    }
    if (m[1] !== undefined) {
      if (!expectName) throw new Error(`"${key}" is not a context key`);
      path.push(m[1]);
    } else path.push(m[2] !== undefined ? Number(m[2]) : (m[3] ?? m[4])!);
    expectName = false;
  }
  if (
    last !== key.length ||
    !path.length ||
    expectName ||
    typeof path[0] !== 'string' ||
    path.some((p) => p === '__proto__' || p === 'constructor' || p === 'prototype')
  )
    throw new Error(`"${key}" is not a context key`);
  return path;
}

export function getIn(value: unknown, path: ReadonlyArray<string | number>): unknown {
  let cur = value;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, p)) return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return cur;
}

export function setIn(root: Record<string, unknown>, path: ReadonlyArray<string | number>, value: unknown): void {
  let cur: Record<string | number, unknown> = root;
  for (let i = 0; i < path.length - 1; i++) {
    const p = path[i]!;
    const next = Object.hasOwn(cur, p) ? cur[p] : undefined;
    if (next === null || typeof next !== 'object') cur[p] = typeof path[i + 1] === 'number' ? [] : {};
    cur = cur[p] as Record<string | number, unknown>;
  }
  const last = path[path.length - 1]!;
  if (value === undefined) Reflect.deleteProperty(cur, last);
  else cur[last] = value;
}
