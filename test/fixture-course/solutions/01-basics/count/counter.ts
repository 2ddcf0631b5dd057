export async function count(events: string[]): Promise<number> {
  return events.length;
}
