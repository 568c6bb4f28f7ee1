// Runs in the CLI. Argument parsers that turn bad values into usage errors (exit code 2).
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { FaceKitError } from '../api/errors.ts';

export function parseNumberArg(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number)) throw new InvalidArgumentError(`"${value}" is not a number.`);
  return number;
}

export function parseIntegerArg(value: string): number {
  const number = parseNumberArg(value);
  if (!Number.isInteger(number) || number < 0) throw new InvalidArgumentError(`"${value}" is not a whole number ≥ 0.`);
  return number;
}

export function parsePositiveIntegerArg(value: string): number {
  const number = parseIntegerArg(value);
  if (number < 1) throw new InvalidArgumentError(`"${value}" must be at least 1.`);
  return number;
}

/** A whole number within `range` (e.g. a style limit from api/style-limits.ts). */
export function integerInRange(range: { min: number; max: number }): (value: string) => number {
  return (value) => {
    const number = parseNumberArg(value);
    if (!Number.isInteger(number) || number < range.min || number > range.max) {
      throw new InvalidArgumentError(`"${value}" must be a whole number from ${range.min} to ${range.max}.`);
    }
    return number;
  };
}

/** A number within `range`. */
export function numberInRange(range: { min: number; max: number }): (value: string) => number {
  return (value) => {
    const number = parseNumberArg(value);
    if (number < range.min || number > range.max) throw new InvalidArgumentError(`"${value}" must be from ${range.min} to ${range.max}.`);
    return number;
  };
}

/** A comma-separated list of positive numbers ("1,1.5,2"). */
export function parseNumberListArg(value: string): number[] {
  const numbers = value.split(',').map((part) => parseNumberArg(part));
  if (numbers.some((n) => n <= 0)) throw new InvalidArgumentError(`"${value}" must be positive numbers separated by commas.`);
  return numbers;
}

/** Refuses an output path that cannot be written before a long run (LFW takes minutes), not after it; `what` names the output. */
export function checkWritablePath(file: string, what: string): void {
  const resolved = path.resolve(file);
  try {
    if (fs.existsSync(resolved) && fs.statSync(resolved).isDirectory())
      throw new FaceKitError('BAD_INPUT', 'is a directory, not a file', file);
    fs.accessSync(path.dirname(resolved), fs.constants.W_OK);
  } catch (error) {
    if (error instanceof FaceKitError) throw error;
    throw new FaceKitError('BAD_INPUT', `cannot write the ${what} there (${(error as NodeJS.ErrnoException).code ?? String(error)})`, file);
  }
}
