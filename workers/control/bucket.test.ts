import { describe, expect, it } from 'vitest';
import { BUCKETS } from '$shared/schemas/control.ts';
import { mulberry32 } from '$shared/stats/random.ts';
import { chiSquareSurvival } from '$shared/stats/special-functions.ts';
import { bucketOf, newDeviceId } from './bucket.ts';

const SALT_A = '0123456789abcdef0123456789abcdef';
const SALT_B = 'fedcba9876543210fedcba9876543210';
const N = 100_000;

/** `count` device ids from a seeded PRNG: the simulation is the same on every run. */
function seededIds(seed: number, count: number): string[] {
  const random = mulberry32(seed);
  const word = () =>
    Math.floor(random() * 2 ** 32)
      .toString(16)
      .padStart(8, '0');
  return Array.from({ length: count }, () => word() + word() + word() + word());
}

const ids = seededIds(20261202, N);
const passes = new Map<string, Promise<number[]>>();

/** Every id's bucket for one rollout; each pass is hashed once per file (two tests use digits with SALT_A). */
function bucketsOf(model: string, salt: string): Promise<number[]> {
  const key = `${model}.${salt}`;
  let pass = passes.get(key);
  if (!pass) {
    pass = Promise.all(ids.map((id) => bucketOf(id, model, salt)));
    passes.set(key, pass);
  }
  return pass;
}
const SLOW = 120_000; // 100,000 WebCrypto digests per pass on a loaded 2-core machine

describe('bucketOf', () => {
  it("matches Python's hashlib: int(sha1('model.salt.id').hexdigest()[:16], 16) % 10000", async () => {
    // Golden values from python3 -c "import hashlib; ...", an implementation independent of WebCrypto.
    expect(await bucketOf('0'.repeat(32), 'digits', SALT_A)).toBe(6709);
    expect(await bucketOf('f'.repeat(32), 'digits', SALT_A)).toBe(5267);
    expect(await bucketOf('5d41402abc4b2a76b9719d911017c592', 'debian-sections', SALT_B)).toBe(2289);
    expect(await bucketOf(SALT_A, 'breast-cancer', '00000000000000000000000000000001')).toBe(1651);
  });

  it('is sticky: the same device, model and salt always give the same bucket', async () => {
    for (const id of ids.slice(0, 100)) {
      expect(await bucketOf(id, 'digits', SALT_A)).toBe(await bucketOf(id, 'digits', SALT_A));
    }
  });

  it(
    'is uniform over the 10,000 buckets (chi-square over 100,000 seeded ids, p > 0.01)',
    async () => {
      const counts = new Array<number>(BUCKETS).fill(0);
      for (const bucket of await bucketsOf('digits', SALT_A)) counts[bucket]!++;
      const expected = N / BUCKETS;
      const statistic = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
      expect(chiSquareSurvival(statistic, BUCKETS - 1)).toBeGreaterThan(0.01);
    },
    SLOW,
  );

  it(
    'puts a share of devices on a 25% rollout within a 4.5-sigma binomial bound, independently across salts and models',
    async () => {
      const basisPoints = 2_500;
      const p = basisPoints / BUCKETS;
      const onCandidate = async (model: string, salt: string) =>
        (await bucketsOf(model, salt)).map((bucket) => bucket < basisPoints);
      const inA = await onCandidate('digits', SALT_A);
      const inB = await onCandidate('digits', SALT_B);
      const inOther = await onCandidate('breast-cancer', SALT_A);
      const share = (xs: boolean[]) => xs.filter(Boolean).length;
      const bound = (q: number) => 4.5 * Math.sqrt(N * q * (1 - q));
      for (const xs of [inA, inB, inOther]) expect(Math.abs(share(xs) - N * p)).toBeLessThan(bound(p));
      // Independent: being in one rollout says nothing about another, so both holds for p² of devices.
      const both = (xs: boolean[], ys: boolean[]) => xs.filter((x, i) => x && ys[i]).length;
      expect(Math.abs(both(inA, inB) - N * p * p)).toBeLessThan(bound(p * p));
      expect(Math.abs(both(inA, inOther) - N * p * p)).toBeLessThan(bound(p * p));
    },
    SLOW,
  );
});

describe('newDeviceId', () => {
  it('makes 128 random bits as 32 hex digits, different each time', () => {
    const a = newDeviceId();
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(newDeviceId()).not.toBe(a);
  });
});
