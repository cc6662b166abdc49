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
