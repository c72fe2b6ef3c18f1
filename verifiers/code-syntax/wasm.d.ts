/** Workers (wrangler / vitest-pool-workers) import `.wasm` files as compiled modules (CompiledWasm rule). */
declare module '*.wasm' {
  const module: WebAssembly.Module
  export default module
}
