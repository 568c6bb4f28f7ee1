// Runs in the engine process. 1:n search at a given gallery size (facekit bench search): fills a
// temporary store with synthetic clustered faces, builds the HNSW index, times queries through the
// store's face search, and compares every answer with the exact scan (db/search/exact.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Store } from '../../db/store.ts';
import { nearestPeople } from '../../db/search/exact.ts';
import { expectDefined, FaceKitError } from '../../api/errors.ts';
import { mulberry32 } from '../style/rng.ts';
import { DEFAULT_THRESHOLD } from '../recognition/thresholds.ts';
import { SyntheticFaces } from './synthetic-faces.ts';

/** The model id synthetic faces are stored under. */
export const SYNTHETIC_MODEL = 'synthetic-128';

export interface SearchScaleOptions {
  /** Faces stored. */
  size: number;
  facesPerPerson?: number;
  queries?: number;
  /** Share of the queries that are people never enrolled. */
  strangerShare?: number;
  seed?: number;
  onProgress?: (stage: 'fill' | 'exact', done: number, total: number) => void;
}

/** Field names are the JSON contract of `facekit bench search --json`. */
export interface SearchScaleResult {
  size: number;
  people: number;
  queries: number;
  strangers: number;
  fill_ms: number;
  build_ms: number;
  median_ms: number;
  p99_ms: number;
  /** Share of queries whose top-1 person is the exact scan's top-1 person. */
  agreement: number;
  agreement_enrolled: number;
  agreement_strangers: number;
  /** Share of queries with the same outcome at the default threshold: the same person, or unknown for both. */
  decision_agreement: number;
  /** The exact scan (the reference, and what small stores use), median per query, same queries. */
  exact_median_ms: number;
  /** Resident memory of this process after the index was built and queried (before the exact reference ran). */
  rss_mb: number;
  /** Resident memory before the store was filled: what the process needs without any faces. */
  base_rss_mb: number;
  /** Growth of resident memory while the index was built: the index itself. */
  index_mb: number;
}

function percentile(sorted: number[], p: number): number {
  return expectDefined(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))], `the ${p} quantile of ${sorted.length} timings`);
}

const rssMb = (): number => process.memoryUsage().rss / 2 ** 20;

/** Enrols people 0…people-1 as "Person <n>", `perPerson` synthetic faces each, each under a photo of its own. */
export function fillSyntheticStore(
  store: Store,
  faces: SyntheticFaces,
  options: {
    people: number;
    perPerson: number;
    modelId?: string;
    /** Stored with every face (benches that move faces around want their realistic size). */
    thumbnail?: Buffer;
    onProgress?: SearchScaleOptions['onProgress'];
  },
): void {
  const { people, perPerson, modelId = SYNTHETIC_MODEL, thumbnail, onProgress } = options;
  const size = people * perPerson;
  const PEOPLE_PER_BATCH = 1000; // one commit per 1000 people instead of one per face
  for (let first = 0; first < people; first += PEOPLE_PER_BATCH) {
    store.batch(() => {
      for (let person = first; person < Math.min(people, first + PEOPLE_PER_BATCH); person++) {
        const centre = faces.centre(person);
        for (let sample = 0; sample < perPerson; sample++) {
          const n = person * perPerson + sample;
          store.enrolFace(
            `Person ${person}`,
            { sha256: n.toString(16).padStart(64, '0'), path: `/synthetic/${n}.jpg`, width: 640, height: 480 },
            {
              faceIndex: 0,
              box: { x: 0, y: 0, width: 100, height: 100 },
              score: 0.99,
              faceSize: 100,
              blur: 500,
              modelId,
              embedding: faces.face(person, sample, centre),
              thumbnail,
            },
            { createIfMissing: true },
          );
        }
      }
    });
    onProgress?.('fill', Math.min(people, first + PEOPLE_PER_BATCH) * perPerson, size);
  }
}

export function measureSearchScale(options: SearchScaleOptions): SearchScaleResult {
  const { size, facesPerPerson = 5, queries = 300, strangerShare = 0.1, seed = 1 } = options;
  for (const [name, value] of Object.entries({ size, facesPerPerson, queries })) {
    if (!Number.isInteger(value) || value < 1) throw new FaceKitError('BAD_INPUT', `${name} must be a positive integer (got ${value})`);
  }
  if (size % facesPerPerson !== 0)
    throw new FaceKitError('BAD_INPUT', `size (${size}) must be a multiple of faces per person (${facesPerPerson})`);
  if (!(strangerShare >= 0 && strangerShare <= 1))
    throw new FaceKitError('BAD_INPUT', `stranger share must be between 0 and 1 (got ${strangerShare})`);

  const baseRss = rssMb();
  const people = size / facesPerPerson;
  const faces = new SyntheticFaces({ seed });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facekit-scale-'));
  const store = Store.open(path.join(dir, 'scale.db'));
  try {
    let start = performance.now();
    fillSyntheticStore(store, faces, { people, perPerson: facesPerPerson, onProgress: options.onProgress });
    const fillMs = performance.now() - start;

    // Queries: new samples of enrolled people (never stored), and people who were never enrolled.
    const random = mulberry32(seed + 1);
    const strangers = Math.round(queries * strangerShare);
    const querySet = Array.from({ length: queries }, (_, q) => {
      const stranger = q < strangers;
      const identity = stranger ? people + q : Math.floor(random() * people);
      return { stranger, embedding: faces.face(identity, facesPerPerson + q) };
    });

    const search = store.faceSearch;
    search.annMinFaces = 0; // this bench measures the index at every size
    const rssBefore = rssMb();
    start = performance.now();
    search.prepare(SYNTHETIC_MODEL);
    const buildMs = performance.now() - start;
    const indexMb = rssMb() - rssBefore;

    const times: number[] = [];
    const annTop = querySet.map((q) => {
      const t = performance.now();
      const hit = search.nearestPeople(SYNTHETIC_MODEL, q.embedding, 1)[0];
      times.push(performance.now() - t);
      return hit;
    });
    const rss = rssMb();

    const exact = store.embeddingIndex(SYNTHETIC_MODEL);
    const exactTimes: number[] = [];
    let agreeEnrolled = 0;
    let agreeStrangers = 0;
    let sameDecision = 0;
    const decision = (hit?: { personId: number; distance: number }) => (hit && hit.distance <= DEFAULT_THRESHOLD ? hit.personId : null);
    querySet.forEach((q, i) => {
      const t = performance.now();
      const top = nearestPeople(exact, q.embedding, 1)[0];
      exactTimes.push(performance.now() - t);
      if (top?.personId === annTop[i]?.personId) {
        if (q.stranger) agreeStrangers++;
        else agreeEnrolled++;
      }
      if (decision(top) === decision(annTop[i])) sameDecision++;
      if (i % 50 === 49) options.onProgress?.('exact', i + 1, queries);
    });

    times.sort((a, b) => a - b);
    exactTimes.sort((a, b) => a - b);
    return {
      size,
      people,
      queries,
      strangers,
      fill_ms: fillMs,
      build_ms: buildMs,
      median_ms: percentile(times, 0.5),
      p99_ms: percentile(times, 0.99),
      agreement: (agreeEnrolled + agreeStrangers) / queries,
      agreement_enrolled: queries > strangers ? agreeEnrolled / (queries - strangers) : 1,
      agreement_strangers: strangers ? agreeStrangers / strangers : 1,
      decision_agreement: sameDecision / queries,
      exact_median_ms: percentile(exactTimes, 0.5),
      rss_mb: rss,
      base_rss_mb: baseRss,
      index_mb: indexMb,
    };
  } finally {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
