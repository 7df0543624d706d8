// Measures the C.HASIL-PPWP plano template from the 100 dpi renders in ../shared/data/forms and
// writes src/reader/template/ppwp.json. Run: node bin/run-ts.mjs scripts/measure-template.ts
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { format } from 'prettier';
import { measureForm } from '../src/reader/template/measure-form.ts';

const formsDir = fileURLToPath(new URL('../../shared/data/forms/', import.meta.url));
const out = fileURLToPath(new URL('../src/reader/template/ppwp.json', import.meta.url));

const template = await measureForm(formsDir);
// Formatted as prettier would, so `npm run format` and a re-run agree.
await writeFile(out, await format(JSON.stringify(template), { parser: 'json' }));
for (const p of template.pages)
  console.log(
    `page ${p.page}: ${p.fields.length} fields, ${p.fields.reduce((n, f) => n + (f.bubbles?.flat().length ?? 0), 0)} bubbles, id ${p.pageId.code}`,
  );
console.log(`wrote ${out}`);
