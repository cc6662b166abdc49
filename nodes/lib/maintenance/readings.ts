// Readings as the rules see them: numbers and state codes, how a bad reading is quoted in an error, numbers in
// reasons.

/** A reading as it may be quoted in an error (short). */
export const describe = (v: unknown): string => {
  const t =
    typeof v === 'string'
      ? JSON.stringify(v)
      : typeof v === 'number'
        ? String(v)
        : v === null
          ? 'null'
          : typeof v === 'object'
            ? Array.isArray(v)
              ? 'a list'
              : 'an object'
            : String(v);
  return t.length > 40 ? `${t.slice(0, 39)}…` : t;
};

/** The bad reading of a rule that needs a number. */
export const notNumber = (name: string, raw: unknown): { bad: string } => ({ bad: `${name} reading ${describe(raw)} is not a number` });

/** A state or reason code: a text or a finite number. */
export const isCode = (v: unknown): boolean => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));

export const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined;
export const fmt = (v: number): string => String(Math.round(v * 1000) / 1000);
