// `code` in a short plain-text message (a hint, a failure reason): coloured where colour is on.
// The backticks stay: in a short message they show where code starts and ends (`Hello, `).
import { color, escapesAllowed } from './color.js';

export function inlineCode(text: string): string {
  if (!escapesAllowed()) return text;
  return text.replace(/`[^`\n]+`/g, (code) => color.yellow(code));
}
