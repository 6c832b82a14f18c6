/** The autoscaler's timing: every value a setting, so that tests run in seconds (STRATOS_SCALING_*). */
export interface ScalingSettings {
  /** Between evaluations of every cluster; 0: no autoscaling. Kubernetes' HPA syncs every 15 s. */
  intervalS: number;
  /** The statistics a prediction is made from (Stratos's CEP windows: 1 minute). */
  windowS: number;
  /** How far ahead a statistic is predicted ("the value one minute ahead"). */
  horizonS: number;
  /** After a decision, the cluster is left alone this long: its new members are counted before the next. */
  coolDownS: number;
  /** A member is removed only after more than this many consecutive evaluations wanted fewer (Stratos: more than 5). */
  scaleDownVotes: number;
}

export const AUTOSCALING_DEFAULTS: ScalingSettings = { intervalS: 15, windowS: 60, horizonS: 60, coolDownS: 60, scaleDownVotes: 5 };
