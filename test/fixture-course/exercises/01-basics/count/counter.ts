export async function count(events: string[]): Promise<number> {
  // TODO: resolve to the number of events.
  return 0;
}
