// MaterialUse as B2MML defines it: every enumeration value of V0701 (B2MML-Common.xsd MaterialUse1Type) and V0600
// (B2MML-V0600-Common.xsd MaterialUse1Type), what each means for a production report (produced, consumed or
// neither), and how a value of one version is written in the other.

import { table } from '../dict';

/** V0701: production, maintenance, quality test and inventory values (B2MML-Common.xsd, MaterialUse1Type). */
export const MATERIAL_USE_V0701 = [
  'Consumable',
  'Consumed',
  'Produced',
  'By-product Produced',
  'Co-product Produced',
  'Yield Produced',
  'Material Consumed',
  'Material Produced',
  'Destructive Sample',
  'Returned Sample',
  'Retained Sample',
  'Inventoried',
  'Other',
] as const;
/** V0600 (B2MML-V0600-Common.xsd, MaterialUse1Type), spelled as the schema spells them ("Replaced Assetn", "Resurned Sample"). */
export const MATERIAL_USE_V0600 = [
  'Consumed',
  'Produced',
  'Consumable',
  'Replaced Assetn',
  'Replacement Asset',
  'Sample',
  'Resurned Sample',
  'Carrier',
  'Returned Carrier',
  'Other',
] as const;

export type MaterialUse = (typeof MATERIAL_USE_V0701)[number] | (typeof MATERIAL_USE_V0600)[number];
export const MATERIAL_USES: readonly MaterialUse[] = [...new Set<MaterialUse>([...MATERIAL_USE_V0701, ...MATERIAL_USE_V0600])];

/** What a use means for the production report: output of the segment, input to it, or neither (samples, carriers). */
export type UseRole = 'produced' | 'consumed' | 'other';

const ROLE: Readonly<Record<string, UseRole>> = table<UseRole>({
  Produced: 'produced',
  'By-product Produced': 'produced',
  'Co-product Produced': 'produced',
  'Yield Produced': 'produced',
  'Material Produced': 'produced',
  'Replacement Asset': 'produced',
  Consumed: 'consumed',
  Consumable: 'consumed',
  'Material Consumed': 'consumed',
  'Replaced Assetn': 'consumed',
  'Destructive Sample': 'other',
  'Returned Sample': 'other',
  'Retained Sample': 'other',
  Inventoried: 'other',
  Sample: 'other',
  'Resurned Sample': 'other',
  Carrier: 'other',
  'Returned Carrier': 'other',
  Other: 'other',
});

export function useRole(use: string): UseRole {
  return ROLE[use] ?? 'other';
}

export function isMaterialUse(v: string): v is MaterialUse {
  return Object.hasOwn(ROLE, v);
}

const TO_V0600: Readonly<Record<string, (typeof MATERIAL_USE_V0600)[number]>> = table({
  'By-product Produced': 'Produced',
  'Co-product Produced': 'Produced',
  'Yield Produced': 'Produced',
  'Material Produced': 'Produced',
  'Material Consumed': 'Consumed',
  'Destructive Sample': 'Sample',
  'Retained Sample': 'Sample',
  'Returned Sample': 'Resurned Sample',
  Inventoried: 'Other',
});
const TO_V0701: Readonly<Record<string, (typeof MATERIAL_USE_V0701)[number]>> = table({
  'Replaced Assetn': 'Material Consumed',
  'Replacement Asset': 'Material Produced',
  Sample: 'Destructive Sample',
  'Resurned Sample': 'Returned Sample',
  Carrier: 'Other',
  'Returned Carrier': 'Other',
});

/** The value a use is written as in a version (its own value when the version has it, else the nearest one). */
export function useFor(version: 'V0701' | 'V0600', use: MaterialUse): MaterialUse {
  if (version === 'V0600') return (MATERIAL_USE_V0600 as readonly string[]).includes(use) ? use : (TO_V0600[use] ?? 'Other');
  return (MATERIAL_USE_V0701 as readonly string[]).includes(use) ? use : (TO_V0701[use] ?? 'Other');
}
