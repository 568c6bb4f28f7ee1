// Runs anywhere (pure). Which visitor each group of a fresh clustering is, so that "Visitor 3" keeps
// its number while faces arrive and the clustering is redone from scratch each time.
//
// The rule: a group inherits the visitor most of its faces belonged to. Every (group, visitor) pair
// that shares faces is a claim; claims are granted greedily, largest overlap first (ties: the older
// visitor — lower id — then the group holding the older face), each group and each visitor at most
// once. So a group that only gained faces keeps its visitor; when a new face bridges two visitors, the
// merged group keeps the one it shares more faces with and the other number disappears; when a visitor
// splits, its larger part keeps the number. Groups that claim nothing (only new faces, or faces whose
// visitor went to a larger part) become new visitors. Deterministic for the same input.
import type { GroupableFace, VisitorGroupPlan } from '../../db/visitors.ts';
import { euclidean } from '../../db/search/exact.ts';
import { clusterEmbeddings, DEFAULT_CLUSTER_CUT } from './clustering.ts';

/**
 * `current[i]`: the visitor face i belongs to now, or null for a face just arriving; `groups`: the new
 * clustering (indices into `current`). Returns, per group, the visitor id it keeps, or null for a new one.
 */
export function keepVisitorIds(current: readonly (number | null)[], groups: readonly (readonly number[])[]): (number | null)[] {
  const claims: { group: number; visitor: number; overlap: number; oldest: number }[] = [];
  groups.forEach((members, group) => {
    const overlap = new Map<number, number>();
    for (const i of members) {
      const visitor = current[i];
      if (visitor !== null && visitor !== undefined) overlap.set(visitor, (overlap.get(visitor) ?? 0) + 1);
    }
    const oldest = Math.min(...members);
    for (const [visitor, n] of overlap) claims.push({ group, visitor, overlap: n, oldest });
  });
  claims.sort((a, b) => b.overlap - a.overlap || a.visitor - b.visitor || a.oldest - b.oldest);

  const result: (number | null)[] = groups.map(() => null);
  const taken = new Set<number>();
  for (const claim of claims) {
    if (result[claim.group] !== null || taken.has(claim.visitor)) continue;
    result[claim.group] = claim.visitor;
    taken.add(claim.visitor);
  }
  return result;
}

/**
 * Up to this many faces of a pipeline, each logged face re-clusters all of them (≈ 25 ms at 200 on this
 * shared 2-core machine); beyond it only the part the new faces can change (groupVisitorFaces): ≈ 17 ms
 * at 1 000 faces, 54 ms at 3 000. Clustering is O(n²): a full pass cost the kiosk 0.42 s a logged face at
 * 1 000 faces and grows from there.
 */
export const FULL_REGROUP_MAX = 200;
/** How far (in cuts) from a new face a visitor's faces must lie to be left as they are (groupVisitorFaces). */
const REACH = 1.2;

export interface GroupOptions {
  /** Clustering cut (clustering.ts); DEFAULT_CLUSTER_CUT by default. */
  cut?: number;
  /** Largest number of faces clustered all again; FULL_REGROUP_MAX by default. */
  fullUpTo?: number;
}

/**
 * Groups one pipeline's unknown faces into visitors, keeping the numbers of the groups that persist.
 * Up to `fullUpTo` faces, all of them are clustered again from scratch (clustering.ts). Beyond, only
 * the new faces and the visitors with a face within REACH × the cut of one are: a face farther than
 * the cut from all of a visitor's faces cannot bring that visitor's average distance to any group under
 * the cut, and the slack covers the merges it sets off between its neighbours. Other visitors keep their
 * groups as they are. (Twice the cut would reach most strangers: dlib puts different people ≈ 0.8–1.0 apart.)
 */
export function groupVisitorFaces(faces: readonly GroupableFace[], options: GroupOptions = {}): VisitorGroupPlan[] {
  const cut = options.cut ?? DEFAULT_CLUSTER_CUT;
  const all = faces.map((_, i) => i);
  if (faces.length <= (options.fullUpTo ?? FULL_REGROUP_MAX)) return cluster(faces, all, cut);
  const arriving = all.filter((i) => faces[i]?.visitorId === null);
  const touched = new Set<number>();
  for (const f of faces) {
    if (f.visitorId === null || touched.has(f.visitorId)) continue;
    if (arriving.some((a) => euclidean(f.embedding, (faces[a] as GroupableFace).embedding) <= REACH * cut)) touched.add(f.visitorId);
  }
  const untouched = new Map<number, number[]>();
  for (const i of all) {
    const visitor = faces[i]?.visitorId ?? null;
    if (visitor === null || touched.has(visitor)) continue;
    untouched.set(visitor, [...(untouched.get(visitor) ?? []), i]);
  }
  const local = all.filter((i) => {
    const visitor = faces[i]?.visitorId ?? null;
    return visitor === null || touched.has(visitor);
  });
  return [...cluster(faces, local, cut), ...[...untouched].map(([visitorId, members]) => ({ members, visitorId }))];
}

/** Clusters the faces at `subset` (indices into `faces`) and names the groups by keepVisitorIds. */
function cluster(faces: readonly GroupableFace[], subset: readonly number[], cut: number): VisitorGroupPlan[] {
  const groups = clusterEmbeddings(
    subset.map((i) => (faces[i] as GroupableFace).embedding),
    { cut },
  ).map((group) => group.map((j) => subset[j] as number));
  const ids = keepVisitorIds(
    faces.map((f) => f.visitorId),
    groups,
  );
  return groups.map((members, i) => ({ members, visitorId: ids[i] ?? null }));
}
