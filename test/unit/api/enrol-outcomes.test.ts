// The account of an enrolment run (api/enrol-outcomes.ts) and the CSV cells it is reported in (api/csv.ts).
import test from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODES } from '../../../api/errors.ts';
import {
  ENROL_OUTCOMES,
  OUTCOME_LABELS,
  SKIP_REASONS,
  skipReasonFor,
  summarizeOutcomes,
  summaryLine,
} from '../../../api/enrol-outcomes.ts';
import { csvCell, csvDocument } from '../../../api/csv.ts';

test('every refusal has a skip reason; only bugs and broken set-ups are "failed"', () => {
  const reasons = Object.fromEntries(ERROR_CODES.map((code) => [code, skipReasonFor(code)]));
  assert.equal(reasons.MULTIPLE_FACES, 'several-faces');
  assert.equal(reasons.NOT_SAME_PERSON, 'not-same-person');
  assert.equal(reasons.NO_FACE, 'no-face');
  assert.equal(reasons.LOW_QUALITY, 'low-quality');
  assert.equal(reasons.BAD_INPUT, 'unreadable');
  assert.equal(reasons.CONFLICT, 'enrolled-as-someone-else');
  assert.equal(reasons.INTERNAL, 'failed');
  assert.equal(reasons.MODEL_MISSING, 'failed');
  for (const outcome of ENROL_OUTCOMES) assert.ok(OUTCOME_LABELS[outcome].length > 3, `${outcome} has a label`);
});

test('the summary counts every outcome, zeros included, and says it in one line', () => {
  const summary = summarizeOutcomes(['added', 'added', 'already-enrolled', 'no-face', 'several-faces', 'no-face']);
  assert.equal(summary.photos, 6);
  assert.equal(summary.skipped, 3);
  assert.deepEqual(Object.keys(summary.counts), [...ENROL_OUTCOMES]);
  assert.equal(summary.counts['no-face'], 2);
  assert.equal(summary.counts['not-same-person'], 0);
  assert.equal(
    summaryLine(summary),
    "2 added · 1 already enrolled · 3 skipped (1 several faces, none clearly the person's, 2 no face found)",
  );
  assert.equal(summaryLine(summarizeOutcomes(['added'])), '1 added');
  assert.equal(SKIP_REASONS.length + 2, ENROL_OUTCOMES.length);
});

test('CSV cells are quoted where needed and formulas are defused', () => {
  assert.equal(csvCell('plain'), 'plain');
  assert.equal(csvCell('a, b'), '"a, b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('=HYPERLINK("x")'), '"\'=HYPERLINK(""x"")"');
  assert.equal(csvCell('+1'), "'+1");
  assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
  assert.equal(csvCell(-0.5), '-0.5', 'a number is a number');
  assert.equal(csvCell(null), '');
  assert.equal(csvDocument(['a', 'b'], [['1', null]]), 'a,b\r\n1,\r\n');
});
