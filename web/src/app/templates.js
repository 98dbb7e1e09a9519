// Prompt templates: CLIP learned from captions, so a label reads better inside a sentence.
export const TEMPLATES = [
  { id: 'bare', text: '{}', name: 'the bare label' },
  { id: 'photo', text: 'a photo of a {}', name: 'a photo of a {}' },
  { id: 'this-is', text: 'This is a photo of {}', name: 'This is a photo of {}' },
  { id: 'drawing', text: 'a drawing of a {}', name: 'a drawing of a {}' },
  { id: 'closeup', text: 'a close-up photo of the {}', name: 'a close-up photo of the {}' },
  { id: 'picture', text: 'a picture of a {}', name: 'a picture of a {}' },
];

export const DEFAULT_TEMPLATE = 'photo';

export function templateById(id) {
  return TEMPLATES.find((t) => t.id === id) ?? TEMPLATES.find((t) => t.id === DEFAULT_TEMPLATE);
}

export function applyTemplate(template, label) {
  return template.text.replace('{}', label);
}

/** The prompts one label is encoded as: one template, or every template when ensembling. */
export function promptsFor(label, { template, ensemble }) {
  if (ensemble) return TEMPLATES.map((t) => applyTemplate(t, label));
  return [applyTemplate(templateById(template), label)];
}
