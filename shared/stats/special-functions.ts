// Special functions the drift tests need, hand-written on purpose: the well-kept npm options were
// either heavy (@stdlib/math-base-special-gammainc pulls ~40 packages, N-API bindings included) or
// untyped UMD without a Kolmogorov distribution (jstat). Each algorithm is cited; golden tests in
// special-functions.test.ts hold them to scipy 1.x over a grid of arguments.

// Lanczos coefficients for g = 671/128, n = 14 (Numerical Recipes, 3rd ed., §6.1, `gammln`), written
// as the doubles they round to:
// relative error below 1e-15 for every positive argument.
const LANCZOS = [
  57.15623566586292, -59.59796035547549, 14.136097974741746, -0.4919138160976202, 3.399464998481189e-5,
  4.652362892704858e-5, -9.837447530487956e-5, 1.580887032249125e-4, -2.1026444172410488e-4,
  2.1743961811521265e-4, -1.643181065367639e-4, 8.441822398385275e-5, -2.6190838401581408e-5,
  3.6899182659531625e-6,
];

/** ln Γ(x) for x > 0 (Lanczos approximation, Numerical Recipes 3rd ed. §6.1); NaN otherwise. */
export function logGamma(x: number): number {
  if (!(x > 0)) return Number.NaN;
  let y = x;
  const base = x + 5.2421875;
  const head = (x + 0.5) * Math.log(base) - base;
  let series = 0.9999999999999971;
  for (const c of LANCZOS) series += c / ++y;
  return head + Math.log((2.5066282746310007 * series) / x);
}

const EPS = Number.EPSILON;
const TINY = Number.MIN_VALUE / EPS;
// Both expansions converge in O(√a) steps; 4096 categories give a = 2048, far below this cap.
const MAX_ITERATIONS = 100_000;

/**
 * lnΓ(a) − [(a − ½) ln a − a + ½ ln 2π] for a ≥ 10, by Stirling's series (DLMF 5.11.1); its first
 * omitted term is below 2e-14 there.
 */
function stirlingError(a: number): number {
  const r = 1 / a;
  const r2 = r * r;
  return r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 * (1 / 1680 - r2 / 1188))));
}

/**
 * e^{-x} x^a / Γ(a), the common prefactor of both expansions. For large a, a·ln x and lnΓ(a) are
 * huge and nearly cancel, so it is rewritten as √(a/2π)·exp(a·(ln(1+t) − t) − stirlingError(a)),
 * t = (x − a)/a, which keeps full relative accuracy near x ≈ a (the idea of Temme's uniform
 * expansion, as in Cephes' `igam_fac`).
 */
function prefactor(a: number, x: number): number {
  if (a < 10) return Math.exp(-x + a * Math.log(x) - logGamma(a));
  const t = (x - a) / a;
  return Math.sqrt(a / (2 * Math.PI)) * Math.exp(a * (Math.log1p(t) - t) - stirlingError(a));
}

/** P(a, x) by its power series (Numerical Recipes 3rd ed. §6.2, `gser`); use for x < a + 1. */
function lowerBySeries(a: number, x: number): number {
  let ap = a;
  let term = 1 / a;
  let sum = term;
  for (let i = 0; i < MAX_ITERATIONS; i++) {
    ap += 1;
    term *= x / ap;
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPS) return sum * prefactor(a, x);
  }
  return Number.NaN;
}

/** Q(a, x) by its continued fraction, modified Lentz (Numerical Recipes 3rd ed. §6.2, `gcf`); x ≥ a + 1. */
function upperByContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) <= EPS) return h * prefactor(a, x);
  }
  return Number.NaN;
}

/**
 * The regularised upper incomplete gamma function Q(a, x) = Γ(a, x) / Γ(a) (scipy's `gammaincc`),
 * for a > 0 and x ≥ 0; NaN for other arguments. Accurate in relative terms even for tiny results.
 */
export function regularizedGammaQ(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) return Number.NaN;
  if (x === 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  return x < a + 1 ? 1 - lowerBySeries(a, x) : upperByContinuedFraction(a, x);
}

/** The chi-square distribution's survival function P(X ≥ x) with `dof` degrees of freedom (scipy's `chi2.sf`). */
export function chiSquareSurvival(x: number, dof: number): number {
  if (!(dof > 0) || Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 1;
  return regularizedGammaQ(dof / 2, x / 2);
}

// Below this the theta-function series converges faster; Cephes' `kolmogorov` (which scipy's
// kstwobign.sf calls) switches at the same point.
const KOLMOGOROV_CUTOVER = 0.82;

/**
 * The survival function of the limiting Kolmogorov distribution, P(√n·D > x) as n → ∞ (scipy's
 * `kstwobign.sf`): 2 Σ (-1)^{k-1} e^{-2k²x²} above 0.82, else 1 − (√(2π)/x) Σ e^{-(2k-1)²π²/(8x²)}
 * (Kolmogorov 1933; the two series of Cephes `kolmogorov`).
 */
export function kolmogorovSurvival(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  if (x < KOLMOGOROV_CUTOVER) {
    const w = -(Math.PI * Math.PI) / (8 * x * x);
    let sum = 0;
    for (let k = 1; k < 100; k += 2) {
      const term = Math.exp(k * k * w);
      sum += term;
      if (term <= sum * EPS) break;
    }
    return 1 - (Math.sqrt(2 * Math.PI) / x) * sum;
  }
  let sum = 0;
  for (let k = 1; k < 100; k++) {
    const term = Math.exp(-2 * k * k * x * x);
    sum += k % 2 === 1 ? term : -term;
    if (term <= Math.abs(sum) * EPS) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/** The standard normal CDF Φ(x) = ½ erfc(−x/√2), with erfc(z) = Q(½, z²) (scipy's `norm.cdf`). */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const tail = 0.5 * regularizedGammaQ(0.5, (x * x) / 2);
  return x < 0 ? tail : 1 - tail;
}
