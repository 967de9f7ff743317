// Seeded fault decisions for the test receivers (SMTP sink, SMS gateway): the same seed gives
// the same faults, so a failing run can be repeated.

/** A generator of numbers in [0, 1) from `seed` (mulberry32: small, and spreads well enough). */
export function seeded(seed) {
  let state = Number(seed ?? 1) >>> 0;
  return function random() {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
