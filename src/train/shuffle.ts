/**
 * The seeded data order. A small PRNG (mulberry32) whose whole state is one uint32, so a
 * checkpoint can record it and a resumed run draws exactly the same permutations.
 */
export class SeededRandom {
  constructor(private state: number) {
    this.state = state >>> 0;
  }

  /** The state to save; `new SeededRandom(saved)` continues the same sequence. */
  get savedState(): number {
    return this.state;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/** A Fisher-Yates permutation of 0..count-1 drawn from `random`. */
export function permutation(count: number, random: SeededRandom): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    const swap = order[i]!;
    order[i] = order[j]!;
    order[j] = swap;
  }
  return order;
}
