// Runs anywhere (made on the style job's thread, used in band workers). Its one job: pass a band's edge
// rows straight to its neighbouring band's worker through shared memory, so the job's thread is not a hop
// in every layer. A link joins bands k and k+1 and carries rows both ways: "down" (k's last row, which
// k+1 needs above its first) and "up" (k+1's first row, which k needs below its last).
//
// Each exchange has a step number, the same on both sides (both walk the same layers in the same order).
// A writer copies its row into the slot of the step's parity, then publishes the step; a reader blocks
// (Atomics.wait) until the step is published. Two slots are enough: a side cannot write step s + 2 before
// it has read its neighbour's s + 1, which the neighbour writes only after reading s.
import { FaceKitError } from '../../../api/errors.ts';

export type Direction = 'down' | 'up';

/** Int32 header: the last published step of each direction. Rows follow it, 2 directions × 2 slots. */
const HEADER_INTS = 2;
const HEADER_BYTES = HEADER_INTS * Int32Array.BYTES_PER_ELEMENT;
const DIRECTION_INDEX: Record<Direction, number> = { down: 0, up: 1 };

/** How long a blocked reader sleeps between looks at the stop flag, ms. */
const STOP_POLL_MS = 20;

/** Shared memory of one link, for rows of at most `maxFloats` values. */
export function createLinkBuffer(maxFloats: number): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(HEADER_BYTES + 4 * maxFloats * Float32Array.BYTES_PER_ELEMENT);
  new Int32Array(buffer, 0, HEADER_INTS).fill(-1);
  return buffer;
}

/** A flag every band worker of a job watches: set when the job is cancelled or a band failed. */
export class StopFlag {
  readonly #flag: Int32Array;

  constructor(readonly buffer = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT)) {
    this.#flag = new Int32Array(buffer);
  }

  get raised(): boolean {
    return Atomics.load(this.#flag, 0) !== 0;
  }

  raise(): void {
    Atomics.store(this.#flag, 0, 1);
  }

  lower(): void {
    Atomics.store(this.#flag, 0, 0);
  }

  /** Throws CANCELLED once raised: the band stops between layers and out of a wait. */
  check(): void {
    if (this.raised) throw new FaceKitError('CANCELLED', 'cancelled');
  }
}

/** One side's view of a link. */
export class EdgeLink {
  readonly #steps: Int32Array;
  readonly #rows: Float32Array;
  readonly #slotFloats: number;
  readonly #stop: StopFlag;

  constructor(buffer: SharedArrayBuffer, stop: StopFlag) {
    this.#steps = new Int32Array(buffer, 0, HEADER_INTS);
    this.#rows = new Float32Array(buffer, HEADER_BYTES);
    this.#slotFloats = this.#rows.length / 4;
    this.#stop = stop;
  }

  #slot(direction: Direction, step: number, length: number): Float32Array {
    if (length > this.#slotFloats)
      throw new FaceKitError('INTERNAL', `an edge row of ${length} values for a link made for ${this.#slotFloats}`);
    const offset = (DIRECTION_INDEX[direction] * 2 + (step % 2)) * this.#slotFloats;
    return this.#rows.subarray(offset, offset + length);
  }

  send(direction: Direction, step: number, row: Float32Array): void {
    this.#slot(direction, step, row.length).set(row);
    const index = DIRECTION_INDEX[direction];
    Atomics.store(this.#steps, index, step);
    Atomics.notify(this.#steps, index);
  }

  /** The neighbour's row of `step` (a copy), once it is there; CANCELLED if the stop flag rises meanwhile. */
  receive(direction: Direction, step: number, length: number): Float32Array {
    const index = DIRECTION_INDEX[direction];
    for (;;) {
      const published = Atomics.load(this.#steps, index);
      if (published >= step) break;
      this.#stop.check();
      Atomics.wait(this.#steps, index, published, STOP_POLL_MS);
    }
    return this.#slot(direction, step, length).slice();
  }
}
