// npm run bench: every speed table, each against a baseline measured in the same run.
// Pass --quick for smaller style-transfer sizes (≈ 1 minute instead of ≈ 3).
import { benchFaces } from './faces.bench.ts';
import { benchSearch } from './search.bench.ts';
import { benchStyle } from './style.bench.ts';
import { benchThreads } from './threads.bench.ts';
import { benchKiosk } from './kiosk.bench.ts';
import { benchEnrol } from './enrol.bench.ts';

await benchFaces();
await benchSearch();
await benchKiosk();
await benchEnrol();
await benchStyle(process.argv.includes('--quick'));
await benchThreads();
