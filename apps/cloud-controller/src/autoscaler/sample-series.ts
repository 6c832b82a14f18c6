/**
 * One statistic's samples of one member, oldest first, in a ring of doubles (time, value) that
 * doubles its capacity when full. Thousands of members reporting every second would otherwise keep
 * a million small objects alive for the window and drop thousands a second: memory and garbage
 * collection (each pause a wait for every request) the controller spends for nothing. Objects are
 * made only when the samples are read (an evaluation every few seconds).
 */
import type { Sample } from './scaling-rules';

const INITIAL_CAPACITY = 8;

export class SampleSeries {
  /** at₀, value₀, at₁, value₁, … from `head`, wrapping around. */
  private ring = new Float64Array(INITIAL_CAPACITY * 2);
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  /** Appends a sample (the newest: `at` is not before the last one's). */
  push(at: number, value: number): void {
    const capacity = this.ring.length / 2;
    if (this.count === capacity) this.grow();
    const slot = ((this.head + this.count) % (this.ring.length / 2)) * 2;
    this.ring[slot] = at;
    this.ring[slot + 1] = value;
    this.count += 1;
  }

  /** Drops the samples taken before `at`. */
  dropBefore(at: number): void {
    const capacity = this.ring.length / 2;
    while (this.count > 0 && this.ring[this.head * 2] < at) {
      this.head = (this.head + 1) % capacity;
      this.count -= 1;
    }
    if (this.count === 0) this.head = 0;
  }

  /** The samples taken at `since` or later, oldest first. */
  since(since: number): Sample[] {
    const capacity = this.ring.length / 2;
    const found: Sample[] = [];
    for (let i = 0; i < this.count; i++) {
      const slot = ((this.head + i) % capacity) * 2;
      if (this.ring[slot] >= since) found.push({ at: this.ring[slot], value: this.ring[slot + 1] });
    }
    return found;
  }

  private grow(): void {
    const capacity = this.ring.length / 2;
    const grown = new Float64Array(this.ring.length * 2);
    for (let i = 0; i < this.count; i++) {
      const from = ((this.head + i) % capacity) * 2;
      grown[i * 2] = this.ring[from];
      grown[i * 2 + 1] = this.ring[from + 1];
    }
    this.ring = grown;
    this.head = 0;
  }
}
