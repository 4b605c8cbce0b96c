/**
 * One POSIX shell word, always single-quoted: inside '...' nothing is special to sh, bash, dash or
 * zsh, so `;`, `$()`, backticks and newlines stay literal. A quote is closed, escaped and reopened.
 */
export function shellQuote(value: string | number): string {
  return `'${String(value).replaceAll("'", `'\\''`)}'`
}
