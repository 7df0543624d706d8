// docs/events.md as `npm run docs:events` writes it: the catalogue's Markdown, Prettier-formatted.
import * as prettier from 'prettier';
import { eventCatalogueMarkdown } from '../src/contract/events.ts';

export async function eventsDoc(file: string): Promise<string> {
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(eventCatalogueMarkdown(), { ...options, parser: 'markdown' });
}
