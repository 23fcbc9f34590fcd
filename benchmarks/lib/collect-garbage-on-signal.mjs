// Preloaded into the JavaScript servers whose memory a benchmark measures (node --expose-gc
// --import, bun --preload): SIGWINCH (ignored by default, and not a signal
// any server here answers) runs a full garbage collection, so that what is measured
// is what the server holds, not garbage it has yet to collect. See settleMemory() in
// server-process.ts.
process.on('SIGWINCH', () => {
  if (globalThis.Bun !== undefined) globalThis.Bun.gc(true)
  else globalThis.gc?.()
})
