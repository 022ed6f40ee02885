/**
 * Warnings from library code (env checker, wrappers). Library code never prints: warnings go to a
 * handler, by default Node's `process.emitWarning` once per distinct message (as Python's warnings
 * module shows each once). The CLI or a test can install its own handler.
 */
export type WarningHandler = (message: string, category: string) => void;

const seen = new Set<string>();

const defaultHandler: WarningHandler = (message, category) => {
  const key = `${category}:${message}`;
  if (seen.has(key)) return;
  seen.add(key);
  process.emitWarning(message, { type: category });
};

let handler: WarningHandler = defaultHandler;

export function warn(message: string, category = 'DaogymWarning'): void {
  handler(message, category);
}

/** Installs a handler and returns the previous one (to restore it). */
export function setWarningHandler(next: WarningHandler | undefined): WarningHandler {
  const previous = handler;
  handler = next ?? defaultHandler;
  return previous;
}

/** Runs `fn` and returns its result with the warnings it raised, without reporting them. */
export function captureWarnings<T>(fn: () => T): { result: T; warnings: string[] } {
  const warnings: string[] = [];
  const previous = setWarningHandler((message) => warnings.push(message));
  try {
    return { result: fn(), warnings };
  } finally {
    setWarningHandler(previous);
  }
}
