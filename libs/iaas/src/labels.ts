/**
 * Labels on everything a driver creates. `platform` scopes them to one platform (one
 * STRATOS_HOME / database), so that two platforms sharing an engine never touch each other's.
 */
export const Label = {
  platform: 'org.stratos.platform',
  /** The STRATOS_HOME of that platform (absolute): what is left once it is deleted can be found (`stratos prune`). */
  home: 'org.stratos.home',
  member: 'org.stratos.member',
  cluster: 'org.stratos.cluster',
  application: 'org.stratos.application',
  /** The tenant whose own deployment a member is (absent: the platform's). */
  tenant: 'org.stratos.tenant',
  volume: 'org.stratos.volume',
  /** A swarm job that removes a cluster's volumes on the nodes (not a member). */
  volumeSweep: 'org.stratos.volume-sweep',
} as const;
