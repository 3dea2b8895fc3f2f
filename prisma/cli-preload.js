/**
 * Loaded (`node -r`) into the Prisma CLI processes that prisma/cli.ts starts.
 *
 * On PostgreSQL the JS schema engine (WebAssembly) races its advisory lock against a 10 s timeout and never clears
 * that timer, so every `migrate deploy` process lingered 10 s after its work was done. Timers the engine's WebAssembly
 * schedules are unref'd here: they still fire while the engine waits on the database (an open socket keeps the
 * process alive), but they no longer keep a finished process alive.
 */
const originalSetTimeout = global.setTimeout;
global.setTimeout = function setTimeoutFromPrisma(...args) {
  const timer = originalSetTimeout.apply(this, args);
  if (new Error().stack?.includes('wasm://')) timer.unref?.();
  return timer;
};
