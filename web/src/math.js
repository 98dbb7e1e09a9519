// Formulas are written in TeX in the HTML (data-tex) and typeset by KaTeX, bundled with the
// page so it works offline. KaTeX also emits MathML, which screen readers read out.
import katex from 'katex';
import 'katex/dist/katex.min.css';

export function renderMath(root = document) {
  for (const el of root.querySelectorAll('[data-tex]')) {
    katex.render(el.dataset.tex, el, { displayMode: el.tagName !== 'SPAN', throwOnError: false, output: 'htmlAndMathml' });
  }
}
