// `code` in a short plain-text message (a hint, a failure reason): coloured where colour is on,
// left with its backticks otherwise, where they are the only thing that shows where code starts.
import { color, escapesAllowed } from './color.js';

export function inlineCode(text: string): string {
  if (!escapesAllowed()) return text;
  return text.replace(/`([^`\n]+)`/g, (_, code: string) => color.yellow(code));
}
