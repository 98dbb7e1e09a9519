// The reader's label list as the model sees it: empty rows are skipped, repeats are flagged
// (and computed once), and every label keeps its row so nothing typed is lost.
export const MAX_LABEL_CHARS = 20000;   // longer input is cut here before tokenizing

export function normalizeLabel(text) {
  return String(text ?? '').replace(/\s+/g, ' ').trim();
}

/**
 * rows: [{id, text}] → {active: [{rowId, label}], duplicateOf: Map(rowId → first rowId), empty: Set(rowId)}
 */
export function analyzeLabels(rows) {
  const firstByKey = new Map();
  const active = [];
  const duplicateOf = new Map();
  const empty = new Set();
  for (const row of rows) {
    const label = normalizeLabel(row.text).slice(0, MAX_LABEL_CHARS);
    if (!label) { empty.add(row.id); continue; }
    const key = label.toLowerCase();
    if (firstByKey.has(key)) { duplicateOf.set(row.id, firstByKey.get(key)); continue; }
    firstByKey.set(key, row.id);
    active.push({ rowId: row.id, label });
  }
  return { active, duplicateOf, empty };
}
