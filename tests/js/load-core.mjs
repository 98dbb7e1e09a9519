// Loads the Node build of the WASM core (build/wasm/node/clipcore.cjs) and wraps it the way
// the page's worker does, so JS tests exercise the exact bindings the browser uses.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const repoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sharedDir = process.env.CLIPX_SHARED_DIR || path.resolve(repoDir, '..', 'shared');
export const nodeModulePath = process.env.CLIPX_WASM_NODE_MODULE
  || path.join(repoDir, 'build', 'wasm', 'node', 'clipcore.cjs');

export async function loadCore() {
  if (!fs.existsSync(nodeModulePath)) {
    throw new Error(`${nodeModulePath} is missing: build the WASM core first (scripts/build.sh)`);
  }
  const require = createRequire(import.meta.url);
  const createClipCore = require(nodeModulePath);
  // Hand the .wasm bytes over directly: Emscripten 3.1.6 would otherwise try Node 20's
  // fetch() on a file path.
  const wasmBinary = fs.readFileSync(nodeModulePath.replace(/\.cjs$/, '.wasm'));
  const Module = await createClipCore({ wasmBinary });
  const { wrapCore } = await import('../../web/src/core/clip-core.js');
  return wrapCore(Module);
}
