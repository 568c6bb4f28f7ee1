// Test-only. With noUncheckedIndexedAccess on, `list[i]` may be undefined; in a test that is a failure to report,
// not something to assert away with `!`.
import assert from 'node:assert/strict';

/**
 * `list[index]` (a negative index counts from the end, like Array#at), or an AssertionError naming what is
 * missing: `at(rows, 0, 'the first row')`. Use it where the value is needed in an expression; where it is only
 * compared, `assert.equal(rows[0]?.name, ...)` reads better.
 */
export function at<T>(list: ArrayLike<T>, index: number, what = `element ${index}`): T {
  const value = list[index < 0 ? list.length + index : index];
  if (value === undefined) assert.fail(`${what} is missing: index ${index} of ${list.length}`);
  return value;
}
