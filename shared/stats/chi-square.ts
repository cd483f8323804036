import { assertPair } from './counts.ts';
import { chiSquareSurvival } from './special-functions.ts';

/** A chi-square test's outcome. */
export interface ChiSquareResult {
  statistic: number;
  dof: number;
  pValue: number;
}

/**
 * Pearson's chi-square test of homogeneity on the 2×k table [reference; live], without Yates'
 * correction, bins empty in both rows dropped first (scipy's `chi2_contingency(correction=False)`
 * on the non-zero columns). One remaining bin gives statistic 0, dof 0, p 1.
 */
export function chiSquareHomogeneity(reference: readonly number[], live: readonly number[]): ChiSquareResult {
  const [n, m] = assertPair(reference, live);
  const grand = n + m;
  let statistic = 0;
  let columns = 0;
  for (let i = 0; i < reference.length; i++) {
    const a = reference[i] as number;
    const b = live[i] as number;
    const column = a + b;
    if (column === 0) continue;
    columns++;
    const expectedA = (n * column) / grand;
    const expectedB = (m * column) / grand;
    statistic += (a - expectedA) ** 2 / expectedA + (b - expectedB) ** 2 / expectedB;
  }
  const dof = columns - 1;
  if (dof === 0) return { statistic: 0, dof: 0, pValue: 1 };
  return { statistic, dof, pValue: chiSquareSurvival(statistic, dof) };
}
