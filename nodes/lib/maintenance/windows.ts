// The time windows of the maintenance rules (rate samples, stops, downtimes): lists kept in time order and changed in
// place, so a reading does not copy its rule's history.

/**
 * A window list kept in time order (`time` of each entry), changed in place instead of copied per reading: entries
 * before `from` (`after`: at or before it) are cut from the front, and with `before`, entries at or after it from the
 * back.
 */
export function trim<T>(list: T[] | undefined, time: (x: T) => number, from: number, before = Infinity, after = false): T[] {
  if (!list) return [];
  let drop = 0;
  while (drop < list.length && (after ? time(list[drop]!) <= from : time(list[drop]!) < from)) drop++;
  if (drop) list.splice(0, drop);
  while (list.length && time(list[list.length - 1]!) >= before) list.pop();
  return list;
}

/** Adds an entry where its time belongs (at the end, unless a late reading brought it). */
export function insertInOrder<T>(list: T[], x: T, time: (x: T) => number): void {
  let i = list.length;
  while (i > 0 && time(list[i - 1]!) > time(x)) i--;
  list.splice(i, 0, x);
}

export const first = (x: [number, number]): number => x[0];
export const second = (x: [number, number]): number => x[1];
export const itself = (t: number): number => t;
