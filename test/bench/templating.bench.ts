/**
 * Renders per second of QingCloud's ZooKeeper template over 5, 100 and 1,000 hosts, and of a
 * 2,000-line template, with the heap they take, beside a plain string concatenation that
 * produces the same output (the floor), in the same run.
 */
import { confdFunctions, KeyValueStore, Template } from '../../libs/templating/src';
import { table } from './stats';

const ZK = '{{range $dir := lsdir "/hosts"}}{{$sid := printf "/hosts/%s/sid" $dir}}{{$ip := printf "/hosts/%s/ip" $dir}}server.{{getv $sid}}={{getv $ip}}:2888:3888\n{{end}}';

/** Renders for `seconds`; also the peak heap above where it started (sampled), in MB. */
function timeIt(seconds: number, work: () => string): { perSecond: number; output: string; peakMb: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  let output = work();
  const started = process.hrtime.bigint();
  let count = 0;
  while (Number(process.hrtime.bigint() - started) / 1e9 < seconds) {
    output = work();
    if (++count % 16 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
  }
  return { perSecond: count / (Number(process.hrtime.bigint() - started) / 1e9), output, peakMb: (peak - base) / 1e6 };
}

export function benchTemplating(seconds = 1): string {
  const rows: string[][] = [];
  for (const n of [5, 100, 1000]) {
    const keys: Record<string, string> = {};
    for (let i = 0; i < n; i++) {
      const host = `zk-${String(i).padStart(4, '0')}`;
      keys[`/hosts/${host}/sid`] = String(i + 1);
      keys[`/hosts/${host}/ip`] = `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`;
    }
    const store = new KeyValueStore(keys);
    const template = Template.parse('zoo.cfg', ZK, confdFunctions(store, {}));
    const ours = timeIt(seconds, () => template.execute(null));
    const heap = ours.peakMb;
    const floor = timeIt(seconds, () => {
      let out = '';
      for (const dir of store.listDir('/hosts')) out += `server.${keys[`/hosts/${dir}/sid`]}=${keys[`/hosts/${dir}/ip`]}:2888:3888\n`;
      return out;
    });
    if (ours.output !== floor.output) throw new Error('the template and the floor disagree');
    rows.push([`ZooKeeper, ${n} hosts`, ours.perSecond.toFixed(0), floor.perSecond.toFixed(0), `${(floor.perSecond / ours.perSecond).toFixed(1)}×`, heap.toFixed(1)]);
  }
  const lines = Array.from({ length: 2000 }, (_, i) => `line ${i}: {{getv "/app/name"}} {{if eq (getv "/app/port") "8080"}}default{{else}}custom{{end}} {{printf "%05d" ${i}}}`).join('\n');
  const store = new KeyValueStore({ '/app/name': 'shop', '/app/port': '8080' });
  const big = Template.parse('big', lines, confdFunctions(store, {}));
  const ours = timeIt(seconds, () => big.execute(null));
  const heap = ours.peakMb;
  const floor = timeIt(seconds, () => {
    const parts: string[] = [];
    for (let i = 0; i < 2000; i++) parts.push(`line ${i}: shop default ${String(i).padStart(5, '0')}`);
    return parts.join('\n');
  });
  if (ours.output !== floor.output) throw new Error('the 2,000-line template and the floor disagree');
  rows.push(['2,000-line template', ours.perSecond.toFixed(0), floor.perSecond.toFixed(0), `${(floor.perSecond / ours.perSecond).toFixed(1)}×`, heap.toFixed(1)]);
  return `Template rendering (confd dialect), beside string concatenation of the same output\n${table(['template', 'renders/s', 'concat/s', 'floor÷ours', 'peak heap MB'], rows)}`;
}
