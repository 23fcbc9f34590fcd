// Preloaded into the JavaScript servers whose memory a benchmark measures (node --expose-gc
// --import, bun --preload): SIGUSR2 runs a full garbage collection, so that what is measured
// is what the server holds, not garbage it has yet to collect. See settleMemory() in
// server-process.ts.
process.on('SIGUSR2', () => {
  if (globalThis.Bun !== undefined) globalThis.Bun.gc(true)
  else globalThis.gc?.()
})
