// Types for the two internal stdlib modules lib/distributions.ts runs its lean normal samplers on.
declare module '@stdlib/random-base-improved-ziggurat/lib/improved_ziggurat.js' {
  /** Doornik's improved ziggurat over a uniform source `randu` in [0, 1) and a 32-bit word source `randi`. */
  export default function wrap(randu: () => number, randi: () => number): () => number;
}

declare module '@stdlib/random-base-lognormal/lib/lognormal.js' {
  /** exp(mu + sigma x randn()), with stdlib's exp. */
  export default function lognormal(randn: () => number, mu: number, sigma: number): number;
}
