// Posting profiles: a production report → the posting an ERP books. Each ERP's dialect owns its postings
// (nodes/lib/erp/dialects/<erp>.ts, `postings`); this module is the view mes-report and isa95-mapper look them up in,
// over the built-in dialects and any plugin dialect.

import { BUILTIN_DIALECTS } from './registry';
import type { DialectPosting, ErpDialect, PostingOptions } from './types';

export type { PostingOptions };

/** A posting with the dialect that sends it. */
export interface PostingProfile extends DialectPosting {
  /** The erp-connection dialect that sends it. */
  dialect: string;
}

/** Every posting of these dialects, in their order. */
export function postingProfiles(dialects: readonly ErpDialect[]): PostingProfile[] {
  return dialects.flatMap((d) =>
    (d.postings ?? []).map((p) => ({ id: p.id, label: p.label, build: p.build, dialect: d.id, ...(p.settings ? { settings: p.settings } : {}) })),
  );
}

export const POSTING_PROFILES: readonly PostingProfile[] = postingProfiles(BUILTIN_DIALECTS);

/** A posting profile by id: the built-ins, then the given (plugin) dialects. */
export function postingProfile(id: string, dialects: readonly ErpDialect[] = []): PostingProfile | undefined {
  return POSTING_PROFILES.find((p) => p.id === id) ?? postingProfiles(dialects).find((p) => p.id === id);
}
