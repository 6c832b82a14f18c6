// Builds the console (apps/console/src) into dist/console: one bundle of Preact and the views,
// one stylesheet, index.html naming them by content hash (served with a year's cache; index.html
// never cached). Skipped when no source changed since the last build (npm start stays fast).
//   node apps/console/build.mjs [--force]
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const src = join(here, 'src');
const out = join(root, 'dist', 'console');
const stampFile = join(out, '.sources');

/** Every file the bundle is made of (the console's own, and the contracts it imports), with size and time. */
function sourceStamp() {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const stat = statSync(path);
      if (stat.isDirectory()) walk(path);
      else hash.update(`${relative(root, path)} ${stat.size} ${stat.mtimeMs}\n`);
    }
  };
  walk(here);
  walk(join(root, 'libs', 'contracts', 'src'));
  hash.update(readFileSync(join(root, 'package-lock.json')));
  return hash.digest('hex');
}

const stamp = sourceStamp();
if (!process.argv.includes('--force') && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) process.exit(0);

const started = Date.now();
const { build } = await import('esbuild'); // only when there is something to build: npm start stays quick
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const result = await build({
  entryPoints: { console: join(src, 'main.tsx') },
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  tsconfig: join(here, 'tsconfig.json'),
  entryNames: '[name]-[hash]',
  outdir: out,
  metafile: true,
  logLevel: 'warning',
  // Nothing of Node's may reach a browser bundle: fail the build rather than ship a polyfill.
  platform: 'browser',
});
const outputs = Object.keys(result.metafile.outputs).map((file) => relative(out, join(root, file)));
const script = outputs.find((file) => file.endsWith('.js'));
const style = outputs.find((file) => file.endsWith('.css'));
const html = readFileSync(join(src, 'index.html'), 'utf8')
  .replace('%SCRIPT%', `/${script}`)
  .replace('%STYLE%', style ? `<link rel="stylesheet" href="/${style}">` : '');
writeFileSync(join(out, 'index.html'), html);
writeFileSync(stampFile, stamp);
const size = outputs.filter((f) => !f.endsWith('.map')).reduce((sum, file) => sum + statSync(join(out, file)).size, 0);
console.log(`console built in ${Date.now() - started} ms: ${outputs.filter((f) => !f.endsWith('.map')).join(', ')} (${Math.round(size / 1024)} KiB)`);
