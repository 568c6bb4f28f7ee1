// npm run bench: every speed table, each against a baseline measured in the same run.
// Pass --quick for smaller style-transfer sizes (≈ 1 minute instead of ≈ 3) and search at scale up to
// 100 k faces (the 1 M row alone takes ≈ 10 minutes).
import { benchFaces } from './faces.bench.ts';
import { benchSearch } from './search.bench.ts';
import { benchScale } from './scale.bench.ts';
import { benchStyle } from './style.bench.ts';
import { benchThreads } from './threads.bench.ts';
import { benchKiosk } from './kiosk.bench.ts';
import { benchEnrol } from './enrol.bench.ts';
import { benchEncryption } from './encryption.bench.ts';
import { accuracyOptionsFromArgs, benchAccuracy } from './accuracy.bench.ts';
import { benchDetection } from './detection.bench.ts';
import { benchLiveness, livenessArgs } from './liveness.bench.ts';
import { benchCluster, clusterArgs } from './cluster.bench.ts';
import { benchRegistry } from './registry.bench.ts';

// npm run bench -- accuracy --pairs DIR: only the accuracy of candidate pipelines on labelled pairs read
// from DIR (e.g. LFW fold 1; never copied into the repository), bench/accuracy.bench.ts.
if (process.argv[2] === 'accuracy') {
  await benchAccuracy(accuracyOptionsFromArgs());
  process.exit(0);
}

// npm run bench -- detection [--lfw DIR]: only the detector table (bench/detection.bench.ts).
if (process.argv[2] === 'detection') {
  await benchDetection();
  process.exit(0);
}

// npm run bench -- cluster --photos DIR [--cache FILE]: only the clustering table (bench/cluster.bench.ts).
if (process.argv[2] === 'cluster') {
  const { root, cache } = clusterArgs();
  await benchCluster(root, cache);
  process.exit(0);
}

// npm run bench -- liveness --dir DIR [--human-models DIR]: only the passive liveness table (bench/liveness.bench.ts).
if (process.argv[2] === 'liveness') {
  const { dir, humanModels } = livenessArgs();
  await benchLiveness(dir, humanModels);
  process.exit(0);
}

// npm run bench -- registry [--quick]: only registry mode against a PostgreSQL it starts (bench/registry.bench.ts).
if (process.argv[2] === 'registry') {
  await benchRegistry(process.argv.includes('--quick'));
  process.exit(0);
}

await benchFaces();
await benchSearch();
await benchScale(process.argv.includes('--quick'));
await benchEncryption();
await benchKiosk();
await benchEnrol();
await benchStyle(process.argv.includes('--quick'));
await benchThreads();
