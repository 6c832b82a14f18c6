/** Where and why JSON.parse failed, for a person: the API and the CLI say it the same way. */
/** "malformed JSON at line 4, column 3: Expected double-quoted property name". */
export function describeJsonError(text: string, error: Error): string {
  const raw = error.message;
  const position = /position (\d+)/.exec(raw);
  const lineCol = /line (\d+) column (\d+)/.exec(raw);
  let where = '';
  if (lineCol) where = ` at line ${lineCol[1]}, column ${lineCol[2]}`;
  else if (position) {
    const before = text.slice(0, Number(position[1]));
    const line = before.split('\n').length;
    const column = Number(position[1]) - before.lastIndexOf('\n');
    where = ` at line ${line}, column ${column}`;
  } else if (/Unexpected end/i.test(raw)) {
    const lines = text.split('\n');
    where = ` at line ${lines.length}, column ${lines[lines.length - 1].length + 1} (the end: something is not closed)`;
  }
  const reason = raw.replace(/\s*in JSON at position \d+.*$/, '').replace(/\s*\(line \d+ column \d+\)/, '');
  return `malformed JSON${where}: ${reason}`;
}
