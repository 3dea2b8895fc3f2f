import { randomFreeSlot } from '../../../api/purchases/in-flight';

describe('randomFreeSlot', () => {
  it('answers only slots below the limit that are not taken, and undefined when every one is', () => {
    for (let run = 0; run < 200; run += 1) {
      const slot = randomFreeSlot(5, new Set([0, 2, 4]))!;
      expect([1, 3]).toContain(slot);
    }
    expect(randomFreeSlot(3, new Set([0, 1, 2]))).toBeUndefined();
    // Slots above a lowered limit do not count against it.
    expect(randomFreeSlot(2, new Set([5, 6, 7, 0]))).toBe(1);
    expect(randomFreeSlot(0, new Set())).toBeUndefined();
  });

  it('spreads claims over the free slots', () => {
    const seen = new Set<number>();
    for (let run = 0; run < 500; run += 1) seen.add(randomFreeSlot(20, new Set([0, 1]))!);
    expect(seen.size).toBe(18);
  });

  it('costs a few draws, not a list of every slot, while most slots are free: however large the limit', () => {
    let draws = 0;
    const counted = () => {
      draws += 1;
      return Math.random();
    };
    for (let run = 0; run < 1000; run += 1) randomFreeSlot(100_000_000, new Set([1, 2, 3]), counted);
    // A list of 10^8 slots per claim would not finish; each claim here draws about once.
    expect(draws).toBeLessThan(1100);
  });
});
