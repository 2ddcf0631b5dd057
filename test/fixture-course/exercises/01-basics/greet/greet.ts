export function greet(name: string): string {
  // TODO: return a greeting with the name in it.
  return 'Hello';
}
