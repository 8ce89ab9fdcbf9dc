/**
 * Snapshot identifiers and prefixes, checked against the RDS rules for a DB cluster snapshot identifier:
 * 1 to 63 letters, digits or hyphens; a letter first; no two consecutive hyphens; no trailing hyphen.
 *
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBClusterSnapshot.html
 */

/** The longest identifier RDS accepts for a DB cluster snapshot. */
export const MAX_SNAPSHOT_IDENTIFIER_LENGTH = 63;

/** `-YYYYMMDD-HHMM`: the scheduled time in UTC to the minute, never shortened. */
const TIME_PART_LENGTH = 14;

/** Length of the hash that replaces the end of a shortened cluster part, so two long clusters never collide. */
const CLUSTER_HASH_LENGTH = 6;

/** A prefix must leave room for `-`, a shortened cluster part (a character, `-` and the hash) and the time. */
export const MAX_SNAPSHOT_PREFIX_LENGTH = MAX_SNAPSHOT_IDENTIFIER_LENGTH - TIME_PART_LENGTH - 1 - (CLUSTER_HASH_LENGTH + 2);

/**
 * Returns the reasons `prefix` cannot start a snapshot identifier, as full sentences naming `prop`; empty when valid.
 */
export function validateSnapshotPrefix(prefix: string, prop = 'snapshotPrefix'): string[] {
  const errors: string[] = [];
  const shown = JSON.stringify(prefix);
  if (prefix.length < 1 || prefix.length > MAX_SNAPSHOT_PREFIX_LENGTH) {
    errors.push(`\`${prop}\` must be 1 to ${MAX_SNAPSHOT_PREFIX_LENGTH} characters long so the cluster and the time `
      + `still fit in the 63 characters RDS allows, got ${shown} (${prefix.length} characters).`);
  }
  if (!/^[A-Za-z0-9-]*$/.test(prefix)) {
    errors.push(`\`${prop}\` may only hold letters, digits and hyphens, got ${shown}.`);
  }
  if (prefix.length > 0 && !/^[A-Za-z]/.test(prefix)) {
    errors.push(`\`${prop}\` must start with a letter, got ${shown}.`);
  }
  if (prefix.includes('--')) {
    errors.push(`\`${prop}\` must not contain two consecutive hyphens, got ${shown}.`);
  }
  if (prefix.endsWith('-')) {
    errors.push(`\`${prop}\` must not end with a hyphen, got ${shown}.`);
  }
  return errors;
}

/** True when `identifier` is a valid DB cluster snapshot identifier. */
export function isValidSnapshotIdentifier(identifier: string): boolean {
  return identifier.length >= 1
    && identifier.length <= MAX_SNAPSHOT_IDENTIFIER_LENGTH
    && /^[A-Za-z][A-Za-z0-9-]*$/.test(identifier)
    && !identifier.includes('--')
    && !identifier.endsWith('-');
}

/**
 * Derives a valid prefix from a construct id: `ProdDatabase_Nightly` becomes `prod-database-nightly`.
 */
export function prefixFromConstructId(id: string): string {
  let prefix = id
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '');
  prefix = prefix.slice(0, 30).replace(/-+$/, '');
  return prefix.length > 0 ? prefix : 'snapshot';
}

/**
 * The identifier of the snapshot taken for `clusterIdentifier` at `scheduledTime`:
 * `<prefix>-<cluster>-<YYYYMMDD>-<HHMM>` in UTC, lower case. When it would be too long, the cluster part is
 * shortened and ends in a hash of the full cluster identifier; the prefix and the time are never shortened.
 */
export function snapshotIdentifier(prefix: string, clusterIdentifier: string, scheduledTime: Date): string {
  const errors = validateSnapshotPrefix(prefix);
  if (errors.length > 0) {
    throw new Error(errors.join(' '));
  }
  if (Number.isNaN(scheduledTime.getTime())) {
    throw new Error(`The scheduled time of the snapshot of cluster ${clusterIdentifier} is not a valid time.`);
  }
  const time = scheduledTime.toISOString();
  const timePart = `${time.slice(0, 4)}${time.slice(5, 7)}${time.slice(8, 10)}-${time.slice(11, 13)}${time.slice(14, 16)}`;
  const room = MAX_SNAPSHOT_IDENTIFIER_LENGTH - prefix.length - TIME_PART_LENGTH - 1;
  const cluster = clusterPart(clusterIdentifier.toLowerCase(), room);
  return `${prefix.toLowerCase()}-${cluster}-${timePart}`;
}

function clusterPart(cluster: string, room: number): string {
  const clean = cluster.replace(/[^a-z0-9-]+/g, '-').replace(/-{2,}/g, '-').replace(/^-+|-+$/g, '') || 'cluster';
  if (clean.length <= room) {
    return clean;
  }
  const hash = shortHash(cluster).slice(-Math.min(CLUSTER_HASH_LENGTH, room));
  const head = clean.slice(0, Math.max(0, room - hash.length - 1)).replace(/-+$/, '');
  return head.length > 0 ? `${head}-${hash}` : hash;
}

/** A polynomial hash modulo a prime, in base 36: stable across machines and runtimes, enough to tell clusters apart. */
function shortHash(text: string): string {
  const prime = 2_147_483_647;
  let hash = 7;
  for (let i = 0; i < text.length; i++) {
    hash = (hash * 131 + text.charCodeAt(i)) % prime;
  }
  return hash.toString(36).padStart(CLUSTER_HASH_LENGTH, '0').slice(-CLUSTER_HASH_LENGTH);
}
