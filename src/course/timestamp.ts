/** A timestamp that is safe in a file name on every system and sorts by time: 2025-01-31T09-15-02-123Z. */
export function fileTimestamp(date = new Date()): string {
  return date.toISOString().replace(/[:.]/g, '-');
}
