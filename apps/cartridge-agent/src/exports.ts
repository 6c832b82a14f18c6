/**
 * What a member exports to the clusters that depend on its own (Stratos's exported metadata):
 * its provisioning steps, hooks and workload write KEY=VALUE lines to $STRATOS_EXPORTS (as a
 * CI step writes to $GITHUB_OUTPUT), and the agent publishes them on its own topic; they
 * become its cluster's metadata properties. Values are never logged, only key names.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { AgentTopics, type AgentExports } from '@stratos/contracts';

export const EXPORTS_PATH = 'var/lib/stratos/exports';

/** KEY=VALUE lines (a key again adds a value); blank lines and # comments skipped; a line without "=" is named. */
export function parseExports(text: string): { properties: AgentExports['properties']; bad: number[] } {
  const byKey = new Map<string, string[]>();
  const bad: number[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const eq = line.indexOf('=');
    if (eq <= 0) return void bad.push(i + 1);
    const key = line.slice(0, eq).trim();
    byKey.set(key, [...(byKey.get(key) ?? []), line.slice(eq + 1)]);
  });
  return { properties: [...byKey].map(([key, values]) => ({ key, values })), bad };
}

export class Exporter {
  private sent = '';

  constructor(
    private readonly options: { client: MqttClient; memberId: string; clusterId: string; path: string; report(level: 'info' | 'warning', message: string): void },
  ) {}

  /** Publishes the file's properties when it changed since the last time (QoS 1). */
  async publish(): Promise<void> {
    if (!existsSync(this.options.path)) return;
    const text = readFileSync(this.options.path, 'utf8');
    if (text === this.sent) return;
    const { properties, bad } = parseExports(text);
    if (bad.length) this.options.report('warning', `$STRATOS_EXPORTS: line(s) ${bad.join(', ')} are not KEY=VALUE; skipped`);
    if (properties.length) {
      const message: AgentExports = { memberId: this.options.memberId, clusterId: this.options.clusterId, properties };
      await this.options.client.publishAsync(AgentTopics.exports(this.options.memberId), JSON.stringify(message), { qos: 1 });
    }
    this.sent = text;
  }
}
