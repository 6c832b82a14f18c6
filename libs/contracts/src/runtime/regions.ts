/**
 * Regions: where a partition's members run. A partition names its region with Stratos's
 * `property` list (`{"name": "region", "value": "eu"}`; none: the default region). Each region
 * of a driver is an engine of its own — the docker driver's, a Docker engine (its endpoint, as
 * DOCKER_HOST names one); the local driver's, a folder — configured by STRATOS_REGIONS. The
 * controller installs one driver per region, named `<driver>@<region>` (the default region's is
 * the plain `<driver>`), and a member's driver name says where it runs.
 */
import type { Partition } from '../definitions/definition-types';
import type { FieldIssue } from '../errors';

export const DEFAULT_REGION = 'default';
/** A region's name: what a partition's `region` property and STRATOS_REGIONS may say. */
export const REGION_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** The drivers a region can be given to (a swarm's region: one of its managers' engines). */
export const REGIONAL_DRIVERS = ['docker', 'swarm', 'local'] as const;
export type RegionalDriver = (typeof REGIONAL_DRIVERS)[number];

/** The region a partition names (its `region` property), or the default one. */
export function regionOf(partition: Pick<Partition, 'property'> | undefined): string {
  const value = partition?.property?.find((p) => p.name === 'region')?.value;
  return typeof value === 'string' && value !== '' ? value : DEFAULT_REGION;
}

/** The installed driver that runs `driver`'s members in `region`. */
export const regionDriverName = (driver: string, region: string) => (region === DEFAULT_REGION ? driver : `${driver}@${region}`);

/** The driver and region an installed driver's name says. */
export function parseRegionDriverName(name: string): { driver: string; region: string } {
  const at = name.indexOf('@');
  return at < 0 ? { driver: name, region: DEFAULT_REGION } : { driver: name.slice(0, at), region: name.slice(at + 1) };
}

/** One region of STRATOS_REGIONS: a driver's engine (docker: unix:///…sock or tcp://host:port) or folder (local: an absolute path). */
export interface RegionEndpoint {
  driver: RegionalDriver;
  region: string;
  endpoint: string;
  /**
   * docker and swarm: the address the region's members reach the platform at (its broker and
   * API), `?platform=` after the endpoint — an engine on another host cannot use its own network's
   * gateway. None: the gateway (docker), the route towards the manager (swarm).
   */
  platformHost?: string;
  /**
   * local: the host whose folder it is, by its controller's host id (`STRATOS_HOME/host-id`),
   * `?host=` after the folder. That host's controller runs its members; every other controller
   * asks it to (over the broker). None: every controller's own host.
   */
  host?: string;
}

/** A host id as `?host=` names one (what `STRATOS_HOME/host-id` holds: a UUID, or a name given there). */
export const HOST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A host as an address or a DNS name: what `?platform=` may say. */
const PLATFORM_HOST_PATTERN = /^(?:\d{1,3}(?:\.\d{1,3}){3}|\[?[0-9a-fA-F:]*:[0-9a-fA-F:.]*\]?|(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)$/;

/**
 * STRATOS_REGIONS: `driver:region=endpoint` entries, comma-separated, e.g.
 * `docker:eu=unix:///run/docker-eu.sock,local:eu=/srv/stratos/eu`; a docker or swarm endpoint may
 * end in `?platform=HOST` (`docker:eu=tcp://10.1.0.2:2375?platform=10.1.0.1`), a local one in
 * `?host=HOST-ID` (`local:lab=/srv/stratos/lab?host=7c9e…`: a folder of that host). Every mistake is named
 * with the entry it is in; the default region is not configured here (the default engine, the home).
 */
export function parseRegions(text: string): { regions: RegionEndpoint[]; errors: FieldIssue[] } {
  const regions: RegionEndpoint[] = [];
  const errors: FieldIssue[] = [];
  const entries = text.split(',').map((e) => e.trim()).filter(Boolean);
  entries.forEach((entry, index) => {
    const path = `/${index}`;
    const match = /^([^:=]+):([^=]+)=(.+)$/.exec(entry);
    if (!match) return errors.push({ path, message: `"${entry}" is not driver:region=endpoint (e.g. docker:eu=unix:///run/docker-eu.sock)` });
    const [, driver, region, written] = match;
    const query = written.indexOf('?');
    const endpoint = query < 0 ? written : written.slice(0, query);
    let platformHost: string | undefined;
    let host: string | undefined;
    if (query >= 0) {
      const option = /^(platform|host)=(.*)$/.exec(written.slice(query + 1));
      if (!option) return errors.push({ path, message: `"${written.slice(query)}" is not an option an endpoint takes: ?platform=HOST (docker, swarm) or ?host=HOST-ID (local)` });
      if (option[1] === 'platform') {
        if (driver === 'local') return errors.push({ path, message: 'a local region runs on a host of the platform: it takes no ?platform= (?host=HOST-ID says which host)' });
        if (!PLATFORM_HOST_PATTERN.test(option[2])) return errors.push({ path, message: `"${option[2]}" is not a host: an IPv4 or IPv6 address, or a DNS name` });
        platformHost = option[2].replace(/^\[(.*)\]$/, '$1');
      } else {
        if (driver !== 'local') return errors.push({ path, message: `a ${driver} region is its engine's: it takes no ?host= (?platform=HOST says where its members reach the platform)` });
        if (!HOST_ID_PATTERN.test(option[2])) return errors.push({ path, message: `"${option[2]}" is not a host id: what a controller's STRATOS_HOME/host-id holds (letters, digits, ".", "_", "-", up to 128)` });
        host = option[2];
      }
    }
    if (!(REGIONAL_DRIVERS as readonly string[]).includes(driver)) return errors.push({ path, message: `"${driver}" is not a driver with regions`, allowed: [...REGIONAL_DRIVERS] });
    if (!REGION_NAME_PATTERN.test(region) || region === DEFAULT_REGION) return errors.push({ path, message: `"${region}" is not a region name: lower-case letters, digits and "-", up to 63, and not "${DEFAULT_REGION}" (the default engine's)` });
    if ((driver === 'docker' || driver === 'swarm') && !/^(unix:\/\/\/\S+|tcp:\/\/[^\s/:]+:\d{1,5})$/.test(endpoint)) return errors.push({ path, message: `"${endpoint}" is not a Docker engine's endpoint: unix:///path/to/docker.sock or tcp://host:port` });
    if (driver === 'local' && !/^\/\S*$/.test(endpoint)) return errors.push({ path, message: `"${endpoint}" is not an absolute folder (the local driver's region is a folder)` });
    if (regions.some((r) => r.driver === driver && r.region === region)) return errors.push({ path, message: `${driver}:${region} is named twice` });
    regions.push({ driver: driver as RegionalDriver, region, endpoint, ...(platformHost && { platformHost }), ...(host && { host }) });
  });
  return { regions, errors };
}

/** One region as STRATOS_REGIONS writes it (what parseRegions reads back). */
export function formatRegion(region: RegionEndpoint): string {
  const option = region.platformHost ? `?platform=${region.platformHost.includes(':') ? `[${region.platformHost}]` : region.platformHost}` : region.host ? `?host=${region.host}` : '';
  return `${region.driver}:${region.region}=${region.endpoint}${option}`;
}

/** A region as `stratos region list` shows it. */
export interface RegionView {
  region: string;
  driver: string;
  /** The installed driver's name (what members' `driver` says). */
  driverName: string;
  /** Where it is: a Docker engine's endpoint, or a folder. */
  endpoint: string;
  /** Whether it answered now (docker: a ping within a second; local: its folder is there). */
  answers: boolean;
  /** Why it does not answer. */
  reason?: string;
  /** The platform's members there now. */
  members: number;
}
