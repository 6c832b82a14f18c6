import { packBundle, type BundleEntry } from '@stratos/contracts';
import { renderedDests } from './bake.service';

const file = (path: string, text: string): BundleEntry => ({ path, kind: 'file', mode: 0o644, content: Buffer.from(text) });

describe('renderedDests', () => {
  it("lists where a bundle's templates render, relative to /, and skips what does not parse", () => {
    const bundle = packBundle([
      file('confd/conf.d/a.toml', '[template]\nsrc = "a.tmpl"\ndest = "/etc/app/a.conf"\n'),
      file('confd/conf.d/b.toml', '[template]\nsrc = "b.tmpl"\ndest = "//opt/b"\n'),
      file('confd/conf.d/broken.toml', '[template\n'),
      file('confd/conf.d/relative.toml', '[template]\ndest = "not/absolute"\n'),
      file('confd/templates/a.tmpl', 'x'),
      file('provision/10.toml', '[template]\ndest = "/not/a/resource"\n'),
    ]);
    expect(renderedDests(bundle).sort()).toEqual(['etc/app/a.conf', 'opt/b']);
    expect(renderedDests(null)).toEqual([]);
  });
});
