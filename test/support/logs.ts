import type { DestinationStream } from 'pino';

/** A pino destination that keeps each JSON line it is given, for a test to read. */
export interface LogCollector {
  stream: DestinationStream;
  lines: Record<string, unknown>[];
  /** Every line, as written, joined (to look for a string anywhere). */
  text(): string;
}

export function collectLogs(): LogCollector {
  const raw: string[] = [];
  const lines: Record<string, unknown>[] = [];
  return {
    stream: {
      write(line: string) {
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
    lines,
    text: () => raw.join(''),
  };
}
