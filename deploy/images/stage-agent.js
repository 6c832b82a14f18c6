// Copies what the cartridge agent needs at run time into a build context: its compiled code,
// the libraries it imports (contracts, templating), and the closure of its npm dependencies (nothing else).
const { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

const out = process.argv[2];
const root = join(__dirname, '..', '..');
for (const part of ['dist/apps/cartridge-agent', 'dist/libs/contracts', 'dist/libs/templating']) cpSync(join(root, part), join(out, part), { recursive: true, filter: (f) => !f.endsWith('.map') });
const needed = new Set();
const visit = (name, from) => {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) {
      if (needed.has(candidate)) return;
      needed.add(candidate);
      const pkg = JSON.parse(readFileSync(join(candidate, 'package.json'), 'utf8'));
      for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) visit(dep, candidate);
      return;
    }
    if (dir === root || dir === dirname(dir)) return;
  }
};
for (const dep of ['mqtt', 'ajv', 'smol-toml', 'yaml']) visit(dep, root);
for (const dir of needed) {
  const target = join(out, dir.slice(root.length + 1));
  mkdirSync(dirname(target), { recursive: true });
  cpSync(dir, target, { recursive: true, dereference: true });
}
writeFileSync(join(out, 'package.json'), JSON.stringify({ name: 'stratos-cartridge-agent', private: true }));
console.log(`staged the agent with ${needed.size} packages`);
