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
    const ch = line.charAt(i);
    if (quoted) {
      if (ch === '"' && line.charAt(i + 1) === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
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

/** `lines[0]` is the header; line numbers count from it (line 1). */
function parseCsv(header: string, lines: string[], file: string): LabelledPair[] {
  const names = splitCsvLine(header).map((h) => h.toLowerCase());
  const ia = names.indexOf('a'),
    ib = names.indexOf('b'),
    isame = names.indexOf('same');
  const pairs: LabelledPair[] = [];
  for (const [i, text] of lines.entries()) {
    if (i === 0 || !text.trim()) continue; // the header, a blank line
    const fields = splitCsvLine(text);
    const a = fields[ia],
      b = fields[ib];
    const label = (fields[isame] ?? '').toLowerCase();
    if (!a || !b) throw new FaceKitError('BAD_INPUT', `line ${i + 1}: expected a,b,same`, file);
    if (!TRUE_WORDS.has(label) && !FALSE_WORDS.has(label)) {
      throw new FaceKitError('BAD_INPUT', `line ${i + 1}: "same" is "${label}"; use yes/no, true/false or 1/0`, file);
    }
    pairs.push({ a, b, same: TRUE_WORDS.has(label), line: i + 1 });
  }
  return pairs;
}

/** LFW: `name n m` is a same-person pair, `name1 n name2 m` a different one; images are name/name_000n.jpg. */
function lfwImage(name: string, number: string): string {
  return path.join(name, `${name}_${number.padStart(4, '0')}.jpg`);
}

/** `lines[0]` is the header: "300" or "10 300" (folds and pairs per fold). */
function parseLfw(lines: string[], file: string): LabelledPair[] {
  const pairs: LabelledPair[] = [];
  for (const [i, text] of lines.entries()) {
    if (i === 0) continue;
    const fields = text.trim().split(/\s+/).filter(Boolean); // no empty strings: each present field is truthy
    const [first, second, third, fourth] = fields;
    if (!first) continue;
    if (fields.length === 3 && second && third)
      pairs.push({ a: lfwImage(first, second), b: lfwImage(first, third), same: true, line: i + 1 });
    else if (fields.length === 4 && second && third && fourth)
      pairs.push({ a: lfwImage(first, second), b: lfwImage(third, fourth), same: false, line: i + 1 });
    else throw new FaceKitError('BAD_INPUT', `line ${i + 1}: expected "name n m" or "name1 n name2 m" (LFW pairs format)`, file);
  }
  return pairs;
}

export function parsePairsFile(text: string, file: string): LabelledPair[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines[0]?.trim() === '') lines.shift();
  const [header] = lines;
  if (header === undefined) throw new FaceKitError('BAD_INPUT', 'no pairs in the file', file);
  const first = header.trim();
  let pairs: LabelledPair[];
  if (/^\d+(\s+\d+)?$/.test(first)) pairs = parseLfw(lines, file);
  else if (/(^|,)\s*"?a"?\s*,/i.test(first) && /same/i.test(first)) pairs = parseCsv(header, lines, file);
  else throw new FaceKitError('BAD_INPUT', 'not a pairs file: expected a CSV with header a,b,same or an LFW pairs.txt', file);
  if (!pairs.length) throw new FaceKitError('BAD_INPUT', 'no pairs in the file', file);
  return pairs;
}
