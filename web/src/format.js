// Number formatting shared by every widget, so the same quantity always reads the same way.

const SUPERSCRIPT = { '-': '⁻', 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹' };

/** 1.67e-5 → "1.67 × 10⁻⁵": scientific notation a reader can read. */
export function formatScientific(x, digits = 2) {
  const [mant, exp] = x.toExponential(digits).split('e');
  const sup = String(Number(exp)).split('').map((ch) => SUPERSCRIPT[ch]).join('');
  return `${mant} × 10${sup}`;
}

/** A probability as a percentage with enough digits to tell small values apart. */
export function formatPercent(p) {
  if (!Number.isFinite(p)) return '—';
  if (p === 0) return '0%';
  const pct = p * 100;
  if (pct >= 99.9 && p < 1) {  // near-certain: show how near, never a rounded "100%"
    const s = pct.toFixed(4);
    return s === '100.0000' ? '> 99.9999%' : `${s}%`;
  }
  if (pct >= 10) return `${pct.toFixed(2)}%`;
  if (pct >= 0.01) return `${pct.toFixed(3)}%`;
  return `${formatScientific(pct, 1)}%`;
}

/** A signed value such as a cosine or an embedding component. */
export function formatSigned(x, digits = 4) {
  if (!Number.isFinite(x)) return '—';
  return (x < 0 ? '−' : '') + Math.abs(x).toFixed(digits);
}

/** A positive quantity over many orders of magnitude (exp terms, ratios). */
export function formatMagnitude(x) {
  if (!Number.isFinite(x)) return '∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e6 || a < 1e-3) return formatScientific(x, 2);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  return x.toPrecision(3);
}

/** τ on the slider: three significant digits. */
export function formatTau(tau) {
  return tau >= 0.1 ? tau.toFixed(2) : tau >= 0.01 ? tau.toFixed(3) : tau.toPrecision(2);
}
