// One comparison for every filter language the simulator speaks (Odoo domains, Frappe filters, OData, NAV criteria).

export type Op = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'in' | 'not in' | 'ilike';

/** Compares a record value with a filter value; numbers and ISO-like strings compare as they sort. */
export function compare(left: unknown, op: Op, right: unknown): boolean {
  switch (op) {
    case '=':
      return left === right;
    case '!=':
      return left !== right;
    case 'in':
      return (right as unknown[]).includes(left);
    case 'not in':
      return !(right as unknown[]).includes(left);
    case '>':
      return (left as string) > (right as string);
    case '>=':
      return (left as string) >= (right as string);
    case '<':
      return (left as string) < (right as string);
    case '<=':
      return (left as string) <= (right as string);
    case 'ilike':
      return String(left).toLowerCase().includes(String(right).toLowerCase());
    default:
      throw new Error(`unsupported operator ${String(op)}`);
  }
}

/** Evaluates an Odoo domain (Polish notation with '&', '|', '!' and [field, op, value] leaves). */
export function odooDomain(domain: unknown[], rec: Record<string, unknown>): boolean {
  let i = 0;
  const term = (): boolean => {
    const t = domain[i++];
    if (t === '&') {
      // Both operands must be consumed, whatever the first one gives.
      const a = term();
      const b = term();
      return a && b;
    }
    if (t === '|') {
      const a = term();
      const b = term();
      return a || b;
    }
    if (t === '!') return !term();
    const [field, op, value] = t as [string, Op, unknown];
    const left = rec[field];
    return compare(Array.isArray(left) ? left[0] : left, op, value);
  };
  let ok = true;
  while (i < domain.length) ok = term() && ok; // implicit '&' between top-level terms
  return ok;
}
