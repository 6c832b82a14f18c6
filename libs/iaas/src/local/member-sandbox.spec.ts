import { sandboxArgs } from './member-sandbox';

describe('sandboxArgs', () => {
  const args = sandboxArgs({ root: '/srv/members/m1/root', agentEntry: `${process.cwd()}/dist/apps/cartridge-agent/src/main.js`, volumes: [{ source: '/srv/volumes/c/slot-1/data', target: '/data' }] });
  const joined = args.join(' ');

  it("makes the member's folder its root and the host's system read-only", () => {
    expect(args.slice(0, 3)).toEqual(['--bind', '/srv/members/m1/root', '/']);
    expect(joined).toContain('--ro-bind /usr /usr');
    expect(joined).toContain('--ro-bind /etc /etc');
  });

  it("creates the folders above the agent's code 0755, before binding it, so a workload that drops root reaches it", () => {
    const project = process.cwd();
    const bind = joined.indexOf(`--ro-bind ${project} ${project}`);
    expect(bind).toBeGreaterThan(0);
    const parent = project.slice(0, project.lastIndexOf('/')) || '/';
    if (parent !== '/') {
      const made = joined.indexOf(`--perms 0755 --dir ${parent}`);
      expect(made).toBeGreaterThan(0);
      expect(made).toBeLessThan(bind);
    }
  });

  it('binds each volume writable at its mapping path, after the system folders', () => {
    expect(joined).toMatch(/--bind \/srv\/volumes\/c\/slot-1\/data \/data --chdir \/$/);
  });

  it("hides the platform's own folder where it lies inside a folder the member sees, and only there", () => {
    const project = process.cwd();
    const args = sandboxArgs({ root: '/srv/m/root', agentEntry: `${project}/dist/apps/cartridge-agent/src/main.js`, volumes: [], hidden: [`${project}/node_modules`, '/tmp'] });
    const masked = args.flatMap((a, i) => (a === '--tmpfs' ? [args[i + 1]] : []));
    expect(masked).toEqual([`${project}/node_modules`]); // an existing folder under the project: hidden; /tmp is not bound: the member never sees it anyway
  });
});
