// The page's Content-Security-Policy, in one place. web/index.html carries the same text in a
// <meta http-equiv> (so any static server, the kiosk included, enforces it); the Vite dev and
// preview servers also send it as a header, which reaches the workers too (a <meta> policy
// only binds the document). vite.config.js refuses to build if the two texts drift apart.
//
// Why each source is there:
//   script-src 'wasm-unsafe-eval'  compiling WebAssembly (the C++ core and ONNX Runtime);
//                                  no 'unsafe-eval', no inline script
//   worker-src 'self'              the inference worker and ONNX Runtime's thread workers,
//                                  all same-origin module workers (no blob: needed)
//   connect-src hub origins        the real model may be downloaded from the hub; a hub
//                                  download redirects to its LFS or Xet storage hosts
//   img-src data: blob:            canvas thumbnails (data:) and the reader's own photos
//   font-src data:                 KaTeX's fonts are bundled files; data: keeps inlined
//                                  small fonts working should the bundler inline them
//   style-src 'self'               the built page has no <style> and no style attributes:
//                                  KaTeX and the widgets set styles through the CSSOM, which
//                                  CSP does not restrict
const HUB_ORIGINS = ['https://huggingface.co', 'https://cdn-lfs.huggingface.co', 'https://cas-bridge.xethub.hf.co'];

const DIRECTIVES = [
  ['default-src', "'self'"],
  ['script-src', "'self' 'wasm-unsafe-eval'"],
  ['worker-src', "'self'"],
  ['connect-src', `'self' ${HUB_ORIGINS.join(' ')}`],
  ['img-src', "'self' data: blob:"],
  ['media-src', "'self' blob:"],
  ['style-src', "'self'"],
  ['font-src', "'self' data:"],
  ['object-src', "'none'"],
  ['frame-src', "'none'"],
  ['base-uri', "'self'"],
  ['form-action', "'self'"],
];

const join = (directives) => directives.map(([k, v]) => `${k} ${v}`).join('; ');

/** The policy of the built page (meta tag and preview header). */
export const CSP = join(DIRECTIVES);

/**
 * The dev server's variant: Vite's dev client injects each CSS module as a <style> element,
 * so dev alone needs inline styles. Never used for the built page.
 */
export const DEV_CSP = join(DIRECTIVES.map(([k, v]) => [k, k === 'style-src' ? `${v} 'unsafe-inline'` : v]));

/** The meta tag exactly as web/index.html must carry it. */
export const CSP_META = `<meta http-equiv="Content-Security-Policy" content="${CSP}">`;
