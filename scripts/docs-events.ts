// `npm run docs:events`: writes docs/events.md from the event catalogue (src/contract/events.ts),
// formatted as Prettier formats the repository, so that `prettier --check .` and the test that
// the file is current (test/audit-verify.test.ts) both hold.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventsDoc } from './events-doc.ts';

const file = join(import.meta.dirname, '..', 'docs', 'events.md');
writeFileSync(file, await eventsDoc(file));
process.stdout.write(`wrote ${file}\n`);
