// Golden tests: every statistic and special function against the values scipy computed in
// test/fixtures/stats/golden.json (made by test/fixtures/stats/make-golden.py; rerun it to refresh).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chiSquareHomogeneity } from './chi-square.ts';
import { jensenShannonDistance } from './jensen-shannon.ts';
import { binnedKolmogorovSmirnov } from './kolmogorov-smirnov.ts';
import { psi } from './psi.ts';
import {
  chiSquareSurvival,
  kolmogorovSurvival,
  logGamma,
  normalCdf,
  regularizedGammaQ,
} from './special-functions.ts';
import { binSupport, binnedWasserstein, weightedStd } from './wasserstein.ts';

interface GoldenHistogram {
  name: string;
  reference: number[];
  live: number[];
  edges?: number[];
  psi: number;
  jensenShannon: number;
  jensenShannonExact: number;
  chiSquare: { statistic: number; dof: number; pValue: number };
  ks: { statistic: number; effectiveN: number; pValue: number; scipyKs2sampStatistic?: number };
  wasserstein?: { raw: number; referenceStd: number; normalised: number | null };
}

interface Golden {
  scipy: string;
  psiEpsilon: number;
  special: {
    gammaQ: { a: number; x: number; q: number }[];
    chiSquareSf: { x: number; dof: number; sf: number }[];
    kolmogorovSf: { x: number; sf: number }[];
    logGamma: { x: number; value: number }[];
    normalCdf: { x: number; cdf: number }[];
  };
  histograms: GoldenHistogram[];
}

const file = new URL('../../test/fixtures/stats/golden.json', import.meta.url);
const all = JSON.parse(readFileSync(file, 'utf8')) as Golden;

/**
 * `actual` within `relative` of `expected` in relative terms, or within 1e-15 absolutely (which is
 * what separates 0 from a rounding residue like 7e-17): p-values span 1 to 1e-300, where an
 * absolute tolerance alone would pass anything.
 */
function expectClose(actual: number, expected: number, [relative, label]: [number, string]): void {
  const error = Math.abs(actual - expected);
  const ok = error <= 1e-15 || error / Math.abs(expected) <= relative;
  expect(ok, `${label}: ${actual} vs scipy ${expected}`).toBe(true);
}

// Tolerance: scipy (Cephes) and these routines (Numerical Recipes / Kolmogorov's series) are
// different algorithms, each good to a few ulps times the condition number; 1e-10 relative leaves
// room for that and still catches any wrong coefficient, branch or series (those err by ≥ 1e-6).
const RELATIVE = 1e-10;
const golden = all.special;

describe(`special functions against scipy ${all.scipy}`, () => {
  it(`logGamma matches scipy.special.gammaln at ${golden.logGamma.length} points`, () => {
    for (const { x, value } of golden.logGamma) {
      expect(logGamma(x)).toBeCloseTo(value, 10);
      expectClose(logGamma(x), value, [RELATIVE, `lnΓ(${x})`]);
    }
  });

  it(`regularizedGammaQ matches scipy.special.gammaincc at ${golden.gammaQ.length} points`, () => {
    for (const { a, x, q } of golden.gammaQ) {
      expect(regularizedGammaQ(a, x)).toBeCloseTo(q, 12);
      expectClose(regularizedGammaQ(a, x), q, [RELATIVE, `Q(${a}, ${x})`]);
    }
  });

  it(`chiSquareSurvival matches scipy.stats.chi2.sf at ${golden.chiSquareSf.length} points, tiny tails included`, () => {
    for (const { x, dof, sf } of golden.chiSquareSf) {
      expect(chiSquareSurvival(x, dof)).toBeCloseTo(sf, 12);
      expectClose(chiSquareSurvival(x, dof), sf, [RELATIVE, `chi2.sf(${x}, ${dof})`]);
    }
  });

  it(`kolmogorovSurvival matches scipy.stats.kstwobign.sf at ${golden.kolmogorovSf.length} points on both sides of the series switch`, () => {
    for (const { x, sf } of golden.kolmogorovSf) {
      expect(kolmogorovSurvival(x)).toBeCloseTo(sf, 12);
      expectClose(kolmogorovSurvival(x), sf, [RELATIVE, `kstwobign.sf(${x})`]);
    }
  });

  it(`normalCdf matches scipy.stats.norm.cdf at ${golden.normalCdf.length} points, far tails included`, () => {
    for (const { x, cdf } of golden.normalCdf) {
      expect(normalCdf(x)).toBeCloseTo(cdf, 14);
      expectClose(normalCdf(x), cdf, [RELATIVE, `Φ(${x})`]);
    }
  });

  it('answers the limits exactly and NaN outside the domain', () => {
    expect(regularizedGammaQ(3, 0)).toBe(1);
    expect(regularizedGammaQ(3, Number.POSITIVE_INFINITY)).toBe(0);
    expect(regularizedGammaQ(0, 1)).toBeNaN();
    expect(regularizedGammaQ(1, -1)).toBeNaN();
    expect(chiSquareSurvival(0, 4)).toBe(1);
    expect(chiSquareSurvival(1, 0)).toBeNaN();
    expect(chiSquareSurvival(1e9, 3)).toBe(0);
    expect(kolmogorovSurvival(0)).toBe(1);
    expect(kolmogorovSurvival(Number.POSITIVE_INFINITY)).toBe(0);
    expect(logGamma(0)).toBeNaN();
    // Q(1, x) = e^{-x} and chi2 with 2 dof: sf(x) = e^{-x/2}, closed forms.
    expect(regularizedGammaQ(1, 2.5)).toBeCloseTo(Math.exp(-2.5), 14);
    expect(chiSquareSurvival(7, 2)).toBeCloseTo(Math.exp(-3.5), 14);
  });
});

// Tolerance for the statistics: they are sums over at most ~1,000 bins of shares, so float
// rounding stays below ~1e-13 relative; the p-values inherit the special functions' 1e-10.
describe(`drift statistics against scipy ${all.scipy} on ${all.histograms.length} histogram pairs`, () => {
  for (const h of all.histograms) {
    it(`${h.name}: PSI, Jensen–Shannon, chi-square, KS and Wasserstein match`, () => {
      expectClose(psi(h.reference, h.live), h.psi, [1e-11, 'psi']);
      expect(psi(h.reference, h.live)).toBeCloseTo(h.psi, 10);
      // scipy's own float64 sum is rounding noise below ~1e-8 (nearly equal histograms), so the
      // tight check is against the 50-digit value and the one against scipy is absolute.
      expectClose(jensenShannonDistance(h.reference, h.live), h.jensenShannonExact, [1e-12, 'exact JS']);
      expect(jensenShannonDistance(h.reference, h.live)).toBeCloseTo(h.jensenShannon, 7);

      const chi = chiSquareHomogeneity(h.reference, h.live);
      expect(chi.dof).toBe(h.chiSquare.dof);
      expectClose(chi.statistic, h.chiSquare.statistic, [1e-11, 'chi2 statistic']);
      expectClose(chi.pValue, h.chiSquare.pValue, [1e-9, 'chi2 p']);
      expect(chi.pValue).toBeCloseTo(h.chiSquare.pValue, 12);

      const ks = binnedKolmogorovSmirnov(h.reference, h.live);
      expect(ks.statistic).toBeCloseTo(h.ks.statistic, 12);
      if (h.ks.scipyKs2sampStatistic !== undefined)
        expect(ks.statistic).toBeCloseTo(h.ks.scipyKs2sampStatistic, 12);
      expectClose(ks.effectiveN, h.ks.effectiveN, [1e-13, 'ks effective n']);
      expectClose(ks.pValue, h.ks.pValue, [1e-9, 'ks p']);

      if (h.edges && h.wasserstein) {
        const support = binSupport(h.edges);
        const raw = binnedWasserstein(support, h.reference, h.live);
        expectClose(raw, h.wasserstein.raw, [1e-11, 'wasserstein']);
        const std = weightedStd(support, h.reference);
        expectClose(std, h.wasserstein.referenceStd, [1e-11, 'reference std']);
        if (h.wasserstein.normalised !== null) expect(raw / std).toBeCloseTo(h.wasserstein.normalised, 10);
      }
    });
  }
});
