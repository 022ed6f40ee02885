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
