/**
 * Module URLs that work both from the TypeScript sources (run under tsx) and from the compiled package (dist/).
 *
 * TypeScript rewrites `.ts` extensions in import specifiers when it compiles, but not in strings, so a worker's
 * entry module named as `new URL('./x.ts', import.meta.url)` would point at a file the package does not ship.
 */

/** The module `relative` (written with its `.ts` extension) next to `base`, as `.js` when `base` is compiled. */
export function siblingModule(relative: string, base: string): URL {
  const url = new URL(relative, base);
  if (!base.endsWith('.ts') && url.pathname.endsWith('.ts')) url.pathname = `${url.pathname.slice(0, -3)}.js`;
  return url;
}

/**
 * A module imported on first use and kept: `import()` of a module already loaded still resolves its specifier on
 * every call, which under tsx's loader hooks costs about 0.3 ms (a round trip to the hooks thread). Trial runners
 * that import their kind's code lazily call this once per process instead of once per trial.
 */
export function lazyModule<T>(load: () => Promise<T>): () => Promise<T> {
  let module: Promise<T> | undefined;
  return () => (module ??= load());
}
