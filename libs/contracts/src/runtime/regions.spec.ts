import fc from 'fast-check';
import { DEFAULT_REGION, formatRegion, parseRegionDriverName, parseRegions, regionDriverName, regionOf } from './regions';

describe('regions', () => {
  it("reads a partition's region from its property list, else the default one", () => {
    expect(regionOf({ property: [{ name: 'zone', value: 'a' }, { name: 'region', value: 'eu' }] })).toBe('eu');
    expect(regionOf({ property: [] })).toBe(DEFAULT_REGION);
    expect(regionOf(undefined)).toBe(DEFAULT_REGION);
  });

  it('names a region’s driver <driver>@<region>, the default region’s plainly, and reads the name back (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom('docker', 'local'), fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/), (driver, region) => {
        expect(parseRegionDriverName(regionDriverName(driver, region))).toEqual({ driver, region });
      }),
      { seed: 21, numRuns: 300 },
    );
    expect(regionDriverName('docker', DEFAULT_REGION)).toBe('docker');
  });

  it('parses STRATOS_REGIONS entries of every regional driver', () => {
    expect(parseRegions(' docker:eu=unix:///run/docker-eu.sock, docker:us=tcp://10.0.0.2:2375,local:west=/srv/west,swarm:east=tcp://10.0.0.9:2375 ')).toEqual({
      regions: [
        { driver: 'docker', region: 'eu', endpoint: 'unix:///run/docker-eu.sock' },
        { driver: 'docker', region: 'us', endpoint: 'tcp://10.0.0.2:2375' },
        { driver: 'local', region: 'west', endpoint: '/srv/west' },
        { driver: 'swarm', region: 'east', endpoint: 'tcp://10.0.0.9:2375' },
      ],
      errors: [],
    });
    expect(parseRegions('')).toEqual({ regions: [], errors: [] });
  });

  it('takes the address a remote engine’s members reach the platform at (?platform=)', () => {
    expect(parseRegions('docker:eu=tcp://10.1.0.2:2375?platform=10.1.0.1,swarm:us=unix:///run/us.sock?platform=platform.example.com,docker:v6=tcp://h:2375?platform=[fd00::1]').regions).toEqual([
      { driver: 'docker', region: 'eu', endpoint: 'tcp://10.1.0.2:2375', platformHost: '10.1.0.1' },
      { driver: 'swarm', region: 'us', endpoint: 'unix:///run/us.sock', platformHost: 'platform.example.com' },
      { driver: 'docker', region: 'v6', endpoint: 'tcp://h:2375', platformHost: 'fd00::1' },
    ]);
    const errors = (text: string) => parseRegions(text).errors.map((e) => `${e.path} ${e.message}`);
    expect(errors('docker:eu=tcp://h:2375?via=x')).toEqual(['/0 "?via=x" is not an option an endpoint takes: ?platform=HOST (docker, swarm) or ?host=HOST-ID (local)']);
    expect(errors('docker:eu=tcp://h:2375?platform=a_b')).toEqual(['/0 "a_b" is not a host: an IPv4 or IPv6 address, or a DNS name']);
    expect(errors('docker:eu=tcp://h:2375?platform=')).toHaveLength(1);
    expect(errors('local:west=/srv/west?platform=10.0.0.1')).toEqual(['/0 a local region runs on a host of the platform: it takes no ?platform= (?host=HOST-ID says which host)']);
  });

  it('takes the host a local region is a folder of (?host=, its controller\'s host id)', () => {
    expect(parseRegions('local:lab=/srv/lab?host=7c9e6679-7425-40de-944b-e07fc1f90ae7,local:b=/srv/b?host=rack-2.b').regions).toEqual([
      { driver: 'local', region: 'lab', endpoint: '/srv/lab', host: '7c9e6679-7425-40de-944b-e07fc1f90ae7' },
      { driver: 'local', region: 'b', endpoint: '/srv/b', host: 'rack-2.b' },
    ]);
    const errors = (text: string) => parseRegions(text).errors.map((e) => `${e.path} ${e.message}`);
    expect(errors('docker:eu=tcp://h:2375?host=a')).toEqual(["/0 a docker region is its engine's: it takes no ?host= (?platform=HOST says where its members reach the platform)"]);
    expect(errors('local:lab=/srv/lab?host=a/b')).toEqual(['/0 "a/b" is not a host id: what a controller\'s STRATOS_HOME/host-id holds (letters, digits, ".", "_", "-", up to 128)']);
    expect(errors('local:lab=/srv/lab?host=')).toHaveLength(1);
  });

  it('writes each region as it reads it back (formatRegion)', () => {
    const text = 'docker:eu=tcp://10.1.0.2:2375?platform=10.1.0.1,docker:v6=tcp://h:2375?platform=[fd00::1],local:lab=/srv/lab?host=rack-2,local:west=/srv/west';
    const { regions } = parseRegions(text);
    expect(regions.map(formatRegion).join(',')).toBe(text);
  });

  it('names the entry and what is wrong with it', () => {
    const errors = (text: string) => parseRegions(text).errors.map((e) => `${e.path} ${e.message}`);
    expect(errors('vms:eu=unix:///x')).toEqual(['/0 "vms" is not a driver with regions']);
    expect(errors('swarm:eu=/srv/eu')).toEqual(['/0 "/srv/eu" is not a Docker engine\'s endpoint: unix:///path/to/docker.sock or tcp://host:port']);
    expect(errors('docker:eu=unix:///a,docker:EU=unix:///b')).toEqual(['/1 "EU" is not a region name: lower-case letters, digits and "-", up to 63, and not "default" (the default engine\'s)']);
    expect(errors('docker:default=unix:///a')).toHaveLength(1);
    expect(errors('docker:eu=http://host')).toEqual(['/0 "http://host" is not a Docker engine\'s endpoint: unix:///path/to/docker.sock or tcp://host:port']);
    expect(errors('local:west=relative/path')).toEqual(['/0 "relative/path" is not an absolute folder (the local driver\'s region is a folder)']);
    expect(errors('docker:eu=unix:///a,docker:eu=unix:///b')).toEqual(['/1 docker:eu is named twice']);
    expect(errors('docker-eu')).toEqual(['/0 "docker-eu" is not driver:region=endpoint (e.g. docker:eu=unix:///run/docker-eu.sock)']);
  });

  it('answers any text with regions or errors naming an entry, never a throw, and never both for one entry (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (text) => {
        const { regions, errors } = parseRegions(text);
        const entries = text.split(',').map((e) => e.trim()).filter(Boolean).length;
        expect(regions.length + errors.length).toBe(entries);
        for (const e of errors) expect(e.path).toMatch(/^\/\d+$/);
      }),
      { seed: 21, numRuns: 1000 },
    );
  });
});
