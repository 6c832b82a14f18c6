/**
 * The member's config files, rendered from its metadata tree by confd's template resources
 * (conf.d/*.toml + templates/). Before the workload starts every resource is rendered and
 * checked; a failure there fails the member. Afterwards each new tree is re-rendered once a
 * burst of changes has ended: nothing is written or reloaded where the content is the same,
 * and a failed check_cmd keeps the old file and is reported.
 *
 * Paths: an absolute `dest` is inside the member's root (a local member's own folder, `/`
 * in a container) and must fall under one of the allowed folders; `src` must stay inside
 * the confdir's templates/. Neither can reach anything else.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { loadConfdir, syncResource, type TemplateResource } from '@stratos/templating';
import type { MetadataTree } from '@stratos/contracts';

export interface ConfigRendererOptions {
  confdir: string;
  /** The member's root: absolute dest paths are resolved inside it. */
  root: string;
  /** Folders (absolute, inside the root) that dest may be under; [] or ['/']: anywhere in the root. */
  destRoots: string[];
  /** Quiet time after the last change before a re-render. */
  debounceMs: number;
  /** Environment of templates' getenv and of check and reload commands (no broker credential). */
  env: Record<string, string | undefined>;
  report(level: 'info' | 'warning', message: string): void;
}

/** A failure a person can act on: which resource, and why. */
export class ConfigError extends Error {}

const within = (parent: string, child: string) => {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/** The output tail of a failed command is enough to act on; a whole log is not an event. */
const tail = (text: string, max = 1500) => (text.length > max ? `…${text.slice(-max)}` : text);

export class ConfigRenderer {
  readonly resources: TemplateResource[];
  private latest: MetadataTree | null = null;
  private renderedRevision = -1;
  private timer: NodeJS.Timeout | null = null;
  private burstStarted = 0;
  private running: Promise<void> = Promise.resolve();

  private constructor(private readonly options: ConfigRendererOptions) {
    this.resources = loadConfdir(options.confdir).map((resource) => this.confine(resource));
  }

  /** The confdir's resources, each checked; throws a ConfigError naming the file and the fault. */
  static load(options: ConfigRendererOptions): ConfigRenderer {
    try {
      return new ConfigRenderer(options);
    } catch (error) {
      throw error instanceof ConfigError ? error : new ConfigError((error as Error).message);
    }
  }

  /** Renders every resource now; throws on the first failure (the member cannot start). */
  async renderAll(tree: MetadataTree, revision: number): Promise<string[]> {
    this.latest = tree;
    this.renderedRevision = Math.max(this.renderedRevision, revision);
    return this.syncAll(tree, (message) => {
      throw new ConfigError(message);
    });
  }

  /** Renders each resource (stage, check, swap, reload); the labels of those that changed. */
  private async syncAll(tree: MetadataTree, failed: (message: string) => void): Promise<string[]> {
    const changed: string[] = [];
    for (const resource of this.resources) {
      try {
        const result = await syncResource(resource, { templatesDir: join(this.options.confdir, 'templates'), keys: tree, env: this.options.env });
        if (result.changed) changed.push(`${relative(this.options.root, resource.dest) || resource.dest}${result.reloaded ? ' (reloaded)' : ''}`);
      } catch (error) {
        failed(tail((error as Error).message));
      }
    }
    return changed;
  }

  /**
   * A new tree: rendered once the changes stop for debounceMs (and at the latest ten
   * debounce periods into a burst, so that a cluster that never settles is still followed).
   */
  update(tree: MetadataTree, revision: number): void {
    if (revision <= this.renderedRevision) return;
    this.latest = tree;
    this.renderedRevision = revision;
    const now = Date.now();
    if (!this.timer) this.burstStarted = now;
    else clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(this.options.debounceMs, this.burstStarted + this.options.debounceMs * 10 - now));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.running.then(() => this.rerender());
    }, wait);
  }

  private async rerender(): Promise<void> {
    const changed = await this.syncAll(this.latest!, (message) => this.options.report('warning', message));
    if (changed.length) this.options.report('info', `config re-rendered: ${changed.join(', ')}`);
  }

  /** The resource with dest inside the member's root; refused when dest or src would leave their folders. */
  private confine(resource: TemplateResource): TemplateResource {
    const root = resolve(this.options.root);
    if (resource.dest.split('/').includes('..')) throw new ConfigError(`${resource.file}: dest ${resource.dest} has ".." segments; name the file by its absolute path`);
    const dest = resolve(root, `.${sep}${resource.dest}`);
    if (!within(root, dest) || dest === root) throw new ConfigError(`${resource.file}: dest ${resource.dest} is outside the member's root`);
    const allowed = this.options.destRoots.filter((r) => r !== '/' && r !== '');
    if (allowed.length && !allowed.some((r) => within(resolve(root, `.${sep}${r}`), dest))) {
      throw new ConfigError(`${resource.file}: dest ${resource.dest} is outside the folders templates may write (${allowed.join(', ')})`);
    }
    const templates = resolve(this.options.confdir, 'templates');
    if (!within(templates, resolve(templates, resource.src)) || isAbsolute(resource.src)) throw new ConfigError(`${resource.file}: src ${resource.src} is outside the confdir's templates/`);
    if (!existsSync(resolve(templates, resource.src))) throw new ConfigError(`${resource.file}: template ${resource.src} does not exist in ${templates}`);
    mkdirSync(resolve(dest, '..'), { recursive: true });
    return { ...resource, dest };
  }
}
