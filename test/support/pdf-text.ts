// The text of a PDF, page by page, as pdf.js extracts it (the legacy build runs in Node without a
// worker file or a canvas): what a reader copying from the D.Hasil gets.
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

/** Each page's text items joined by spaces, lines by newlines. */
export async function pdfText(bytes: Uint8Array): Promise<string[]> {
  const task = getDocument({ data: new Uint8Array(bytes), isEvalSupported: false, verbosity: 0 });
  const doc = await task.promise;
  try {
    const pages: string[] = [];
    for (let i = 1; i <= doc.numPages; i++) {
      const page = await doc.getPage(i);
      const content = await page.getTextContent();
      let text = '';
      for (const item of content.items) {
        if (!('str' in item)) continue;
        text += item.str + (item.hasEOL ? '\n' : ' ');
      }
      pages.push(text);
    }
    return pages;
  } finally {
    await task.destroy();
  }
}
