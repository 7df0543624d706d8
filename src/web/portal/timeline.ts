// The whole history of a TPS result as a timeline, oldest first: each version received (and by
// which device it was signed), each re-read, confirmation, correction (with its reason, plenary
// reference and signer), objection, answer and photo request, with who and why; the version that
// counts is marked. From TpsResult.timeline (the audit chain's events about the TPS).
import type { ReviewActor, TimelineEvent, TpsResult } from '../../contract/results.ts';
import { h } from '../shared/dom.ts';
import { formatTime, type Lang } from '../shared/i18n.ts';
import { actorWords } from '../shared/review-words.ts';
import { fieldWords, formatCount } from './breach-words.ts';
import { ts } from './tps-strings.ts';

/** Who acted, in words: an operator by role and region, the server, or the KPPS by its token id. */
export function whoWords(a: ReviewActor, lang: Lang): string {
  if (a.actor === 'server') return ts(lang, 'tlServer');
  if (a.actor.startsWith('kpps:')) return ts(lang, 'tlKpps', { id: a.actor.slice(5) });
  return actorWords(a, lang);
}

function changesLine(e: TimelineEvent, lang: Lang): HTMLElement | null {
  if (e.fields.length === 0) return null;
  const n = (v: number | null) => (v === null ? '–' : formatCount(v, lang));
  return h(
    'p',
    { class: 'small tl-changes' },
    `${ts(lang, 'tlChanges')}: `,
    e.fields.map((f) => `${fieldWords(f.field, lang)} ${n(f.from)} → ${n(f.to)}`).join('; '),
  );
}

export function timelineCard(lang: Lang, r: TpsResult): HTMLElement | null {
  const events = r.timeline ?? [];
  if (events.length === 0) return null;
  const byVersion = new Map(r.versions.map((v) => [v.version, v]));
  const countedVersion = r.counted?.version ?? null;
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'timeline-title', 'data-testid': 'timeline' },
    h('h2', { id: 'timeline-title', class: 'card-title' }, ts(lang, 'timelineTitle')),
    h('p', { class: 'note' }, ts(lang, 'timelineNote')),
    h(
      'ol',
      { class: 'timeline' },
      events.map((e) => {
        const v = byVersion.get(e.version);
        const makesVersion = e.type === 'submission_received' || e.type === 'result_corrected';
        const counts = makesVersion && e.version === countedVersion;
        const title = ts(lang, `tl_${e.type}`, { v: e.version, c: e.corrects ?? e.version - 1 });
        const signer =
          e.type === 'submission_received' && v
            ? v.signature
              ? ts(lang, 'tlSignedBy', { d: v.signer?.label ?? v.signature.deviceId })
              : ts(lang, 'tlUnsigned')
            : null;
        const status =
          makesVersion && v ? ts(lang, v.status === 'clean' ? 'tlClean' : 'tlFlagged') : null;
        return h(
          'li',
          {
            class: counts ? 'tl-item counted' : 'tl-item',
            'data-key': `${e.seq}-${e.type}-${e.version}`,
            'data-type': e.type,
            'data-version': e.version,
            'data-counted': counts ? 'true' : null,
          },
          h('time', { class: 'small muted block', datetime: e.at }, formatTime(e.at, lang)),
          h(
            'p',
            { class: 'tl-title' },
            h('strong', null, title),
            status ? ` · ${status}` : null,
            counts
              ? [' ', h('span', { class: 'badge counts' }, `✓ ${ts(lang, 'tlCounted')}`)]
              : null,
          ),
          h(
            'p',
            { class: 'small tl-who' },
            `${ts(lang, 'tlBy')} ${whoWords(e.by, lang)}`,
            signer ? ` · ${signer}` : null,
          ),
          e.reason
            ? h(
                'p',
                { class: 'small tl-why' },
                `${ts(lang, 'tlWhy')}: ${e.reason}`,
                e.reference ? ` (${ts(lang, 'tlReference')} ${e.reference})` : null,
              )
            : e.type === 'objection_filed'
              ? h('p', { class: 'small muted' }, ts(lang, 'tlObjectionText'))
              : null,
          changesLine(e, lang),
        );
      }),
    ),
  );
}
