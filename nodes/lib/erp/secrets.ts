// Scrubbing secrets out of every text that leaves the pack (errors, logs, dead letters, admin answers, stored ERP
// answers): the configured secrets in each form an ERP may echo them (plain, Base64, URL- and JSON-encoded, the Basic
// user:password pair) and anything shaped like an Authorization value or a password field.

const MASK = '***';

/** Authorization-like values: scheme + credentials, and key=value / "key": "value" pairs that name a secret. */
const AUTH_VALUE = /\b(Basic|Bearer|Token|Session|Digest|NTLM|Negotiate)(\s+)([A-Za-z0-9+/=._:~-]{6,})/gi;
/** A credential, not a word: has a digit or a symbol of Base64 / key:secret. */
const CREDENTIAL = /[0-9+/=:_~]/;
const SECRET_PAIR =
  /((?:password|passwd|pwd|secret|client_secret|api_?key|apikey|access_token|refresh_token|id_token|token|authorization|x-api-key|api_secret)["']?\s*[:=]\s*["']?)([^"'&\s,;}<]{1,})/gi;

function forms(secret: string): string[] {
  const out = new Set<string>([secret]);
  out.add(Buffer.from(secret).toString('base64').replace(/=+$/, ''));
  out.add(encodeURIComponent(secret));
  out.add(new URLSearchParams({ s: secret }).toString().slice(2));
  out.add(JSON.stringify(secret).slice(1, -1));
  return [...out].filter((f) => f.length >= 4);
}

/** Masks one connection's secrets; cheap when there is nothing to mask. */
export class Scrubber {
  private readonly needles: string[];

  constructor(secrets: ReadonlyArray<string | undefined>, pairs: ReadonlyArray<readonly [string | undefined, string | undefined]> = []) {
    const all = new Set<string>();
    for (const s of secrets) if (s && s.length >= 4) for (const f of forms(s)) all.add(f);
    // Basic auth: the Base64 of "user:password" (and ERPNext's "key:secret") as a whole
    for (const [a, b] of pairs) if (a && b) for (const f of forms(`${a}:${b}`)) all.add(f);
    // longest first, so a secret that contains another is masked whole
    this.needles = [...all].sort((x, y) => y.length - x.length);
  }

  /** The text with every known secret and every Authorization-like value masked. */
  text(value: string): string {
    let out = value;
    for (const n of this.needles) if (out.includes(n)) out = out.split(n).join(MASK);
    return out
      .replace(AUTH_VALUE, (m, scheme: string, space: string, cred: string) => (CREDENTIAL.test(cred) ? `${scheme}${space}${MASK}` : m))
      .replace(SECRET_PAIR, `$1${MASK}`);
  }

  /** A JSON value with every string scrubbed (for ERP answers kept in the outbox). */
  value<T>(v: T): T {
    if (v === undefined || v === null) return v;
    if (typeof v === 'string') return this.text(v) as T;
    if (typeof v !== 'object') return v;
    let json: string;
    try {
      json = JSON.stringify(v);
    } catch {
      return v;
    }
    const scrubbed = this.text(json);
    if (scrubbed === json) return v;
    try {
      return JSON.parse(scrubbed) as T;
    } catch {
      // masking broke the JSON (a secret spanning an escape): keep the scrubbed text rather than the secret
      return scrubbed as T;
    }
  }
}

/** Scrubs Authorization-like values only (no connection at hand). */
export const GENERIC_SCRUBBER = new Scrubber([]);
