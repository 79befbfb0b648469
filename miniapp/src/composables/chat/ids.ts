/**
 * compareIds orders message ids. The contract says ids are decimal strings
 * that increase within a room (all of one length today); comparing by length
 * first, then as text, orders any decimal numbers correctly.
 */
export function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** maxId is the greater of two ids; '' (none) is below every id. */
export function maxId(a: string, b: string): string {
  if (a === '') return b;
  if (b === '') return a;
  return compareIds(a, b) >= 0 ? a : b;
}

/** atMost reports whether id is at or below upTo ('' means nothing is). */
export function atMost(id: string, upTo: string): boolean {
  return upTo !== '' && compareIds(id, upTo) <= 0;
}
