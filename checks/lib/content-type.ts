// What counts as JSON data in a CloudEvent: the SDK sends `application/json`, a learner's own
// fetch may add parameters (`application/json; charset=utf-8`); daprd treats both as JSON.

/** Whether a datacontenttype says JSON, with or without parameters. */
export function isJsonContentType(type: unknown): boolean {
  return typeof type === 'string' && type.split(';')[0]!.trim().toLowerCase() === 'application/json';
}
