// Runs anywhere. Reads labelled verification pairs: a CSV with header `a,b,same`, or LFW's pairs.txt.
import path from 'node:path';
import { FaceKitError } from '../../api/errors.ts';

export interface LabelledPair {
  a: string;
  b: string;
  same: boolean;
  /** Line in the file, for messages. */
  line: number;
}

const TRUE_WORDS = new Set(['yes', 'true', '1', 'y', 'same']);
const FALSE_WORDS = new Set(['no', 'false', '0', 'n', 'different']);

/** Splits one CSV line, honouring double quotes ("a, b" and "" inside quotes). */
function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') field += line[++i];
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(field.trim());
      field = '';
    } else field += ch;
  }
  fields.push(field.trim());
  return fields;
}

function parseCsv(lines: string[], file: string): LabelledPair[] {
  const header = splitCsvLine(lines[0]!).map((h) => h.toLowerCase());
  const [ia, ib, isame] = ['a', 'b', 'same'].map((name) => header.indexOf(name));
  const pairs: LabelledPair[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (!lines[i]!.trim()) continue;
    const fields = splitCsvLine(lines[i]!);
    const label = (fields[isame!] ?? '').toLowerCase();
    if (!fields[ia!] || !fields[ib!]) throw new FaceKitError('BAD_INPUT', `line ${i + 1}: expected a,b,same`, file);
    if (!TRUE_WORDS.has(label) && !FALSE_WORDS.has(label)) {
      throw new FaceKitError('BAD_INPUT', `line ${i + 1}: "same" is "${label}"; use yes/no, true/false or 1/0`, file);
    }
    pairs.push({ a: fields[ia!]!, b: fields[ib!]!, same: TRUE_WORDS.has(label), line: i + 1 });
  }
  return pairs;
}

/** LFW: `name n m` is a same-person pair, `name1 n name2 m` a different one; images are name/name_000n.jpg. */
function lfwImage(name: string, number: string): string {
  return path.join(name, `${name}_${number.padStart(4, '0')}.jpg`);
}

function parseLfw(lines: string[], file: string): LabelledPair[] {
  const pairs: LabelledPair[] = [];
  // The first line is a header: "300" or "10 300" (folds and pairs per fold).
  for (let i = 1; i < lines.length; i++) {
    const fields = lines[i]!.trim().split(/\s+/).filter(Boolean);
    if (!fields.length) continue;
    if (fields.length === 3) pairs.push({ a: lfwImage(fields[0]!, fields[1]!), b: lfwImage(fields[0]!, fields[2]!), same: true, line: i + 1 });
    else if (fields.length === 4) pairs.push({ a: lfwImage(fields[0]!, fields[1]!), b: lfwImage(fields[2]!, fields[3]!), same: false, line: i + 1 });
    else throw new FaceKitError('BAD_INPUT', `line ${i + 1}: expected "name n m" or "name1 n name2 m" (LFW pairs format)`, file);
  }
  return pairs;
}

export function parsePairsFile(text: string, file: string): LabelledPair[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length && !lines[0]!.trim()) lines.shift();
  if (!lines.length) throw new FaceKitError('BAD_INPUT', 'no pairs in the file', file);
  const first = lines[0]!.trim();
  let pairs: LabelledPair[];
  if (/^\d+(\s+\d+)?$/.test(first)) pairs = parseLfw(lines, file);
  else if (/(^|,)\s*"?a"?\s*,/i.test(first) && /same/i.test(first)) pairs = parseCsv(lines, file);
  else throw new FaceKitError('BAD_INPUT', 'not a pairs file: expected a CSV with header a,b,same or an LFW pairs.txt', file);
  if (!pairs.length) throw new FaceKitError('BAD_INPUT', 'no pairs in the file', file);
  return pairs;
}
