// The TPS view: the version shown (the counted one, the newest, or the one asked for) with its
// photos and its form, the anomaly findings, and the history of every version.
import type { TpsResult, TpsVersion } from './api.ts';
import { versionStatus } from '../../contract/version-status.ts';
import { h, type Child } from '../shared/dom.ts';
import { formatNumber as num, formatTime } from '../shared/i18n.ts';
import { actorWords, reviewStateWords, versionStatusWords } from '../shared/review-words.ts';
import { anomaliesCard, findingFields } from './anomalies-view.ts';
import { flagsBox, formSections, sirekapNote, type Marks } from './form-view.ts';
import { tpsHref } from './routes.ts';
import { breadcrumbs, heading, statusBadge, t, type Ctx } from './view-parts.ts';

function photos(ctx: Ctx, v: TpsVersion): HTMLElement {
  return h(
    'section',
    { class: 'card photos', 'aria-labelledby': 'photos-title' },
    h('h2', { id: 'photos-title', class: 'card-title' }, t(ctx, 'photosTitle')),
    v.photos.length === 0
      ? h('p', { class: 'muted' }, t(ctx, 'noPhotos'))
      : v.photos.map((p, i) =>
          h(
            'figure',
            { 'data-key': p.sha256 },
            h(
              'a',
              { href: p.url, target: '_blank', rel: 'noopener' },
              h('img', {
                src: p.url,
                alt: t(ctx, 'photoAlt', { n: i + 1 }),
                width: p.width ?? undefined,
                height: p.height ?? undefined,
                loading: i === 0 ? undefined : 'lazy',
                decoding: 'async',
              }),
            ),
            h(
              'figcaption',
              { class: 'small' },
              h('a', { href: p.url, target: '_blank', rel: 'noopener' }, t(ctx, 'openPhoto')),
              ' · ',
              h('span', { class: 'code', title: p.sha256 }, `sha256 ${p.sha256.slice(0, 12)}…`),
            ),
          ),
        ),
  );
}

function history(ctx: Ctx, r: TpsResult, shown: TpsVersion): HTMLElement {
  const newest = r.versions[0]?.version ?? 0;
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'history-title' },
    h('h2', { id: 'history-title', class: 'card-title' }, t(ctx, 'historyTitle')),
    h('p', { class: 'note' }, t(ctx, 'historyNote')),
    h(
      'div',
      { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': 'history-title' },
      h(
        'table',
        { class: 'history' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', { scope: 'col' }, t(ctx, 'colVersion')),
            h('th', { scope: 'col' }, t(ctx, 'colReceived')),
            h('th', { scope: 'col' }, t(ctx, 'colHash')),
            h('th', { scope: 'col' }, t(ctx, 'colStatus')),
            h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, t(ctx, 'view'))),
          ),
        ),
        h(
          'tbody',
          null,
          r.versions.map((v) => {
            const isShown = v.version === shown.version;
            return h(
              'tr',
              { 'data-key': v.id, 'data-version': v.version, class: isShown ? 'current' : null },
              h('th', { scope: 'row' }, `v${v.version}`),
              h(
                'td',
                null,
                h('time', { datetime: v.receivedAt }, formatTime(v.receivedAt, ctx.lang)),
                v.uploader ? h('span', { class: 'small muted block' }, v.uploader) : null,
              ),
              h('td', null, h('code', { title: v.hash }, v.hash.slice(0, 12))),
              h(
                'td',
                null,
                h('span', { class: `badge vstatus-${v.status}` }, t(ctx, `vstatus_${v.status}`)),
                v.counted ? [' ', h('span', { class: 'badge counts' }, t(ctx, 'counts'))] : null,
                v.version > 1
                  ? h(
                      'span',
                      { class: 'small muted block' },
                      t(ctx, 'replaces', { v: v.version - 1 }),
                    )
                  : null,
                v.version < newest
                  ? h(
                      'span',
                      { class: 'small muted block' },
                      t(ctx, 'replacedBy', { v: v.version + 1 }),
                    )
                  : null,
              ),
              h(
                'td',
                null,
                isShown
                  ? h('span', { class: 'small', 'aria-current': 'true' }, t(ctx, 'viewing'))
                  : h('a', { href: tpsHref(r.code, v.version) }, t(ctx, 'view')),
              ),
            );
          }),
        ),
      ),
    ),
  );
}

/**
 * What the review made of the TPS (decision 7 of docs/design/recap-ladder.md): its state and the
 * newest version's status in words (flagged and why, in review, a photo asked for), and each
 * correction with who made it, when, why and the plenary's reference.
 */
function reviewLine(ctx: Ctx, r: TpsResult): HTMLElement | null {
  const review = r.review;
  // A plain counted result says all there is in the status badge above.
  if (review.latest === null || (review.state === 'counted' && review.corrections.length === 0))
    return null;
  return h(
    'section',
    { class: 'card review-status', 'data-testid': 'review-status', 'data-state': review.state },
    h(
      'p',
      null,
      h('strong', null, `${reviewStateWords(review, ctx.lang)} · v${review.latest}: `),
      versionStatusWords(versionStatus(review, review.latest), ctx.lang),
    ),
    review.corrections.length === 0
      ? null
      : h(
          'ul',
          { class: 'small' },
          review.corrections.map((c) =>
            h(
              'li',
              { 'data-version': c.version },
              `v${c.version} ← v${c.corrects}: ${actorWords(c.by, ctx.lang)} · `,
              h('time', { datetime: c.at }, formatTime(c.at, ctx.lang)),
              ` · ${c.reason} (${c.reference})`,
            ),
          ),
        ),
  );
}

export function tpsView(ctx: Ctx, r: TpsResult, wanted: number | null): Child[] {
  const counted = r.versions.find((v) => v.counted);
  const shown =
    (wanted !== null ? r.versions.find((v) => v.version === wanted) : undefined) ??
    counted ??
    r.versions[0];
  const head = heading(ctx, r, h('p', { class: 'status-line' }, statusBadge(ctx, r.status)));
  const out: Child[] = [breadcrumbs(ctx, r.parents, r), head, reviewLine(ctx, r)];
  if (!shown) {
    out.push(
      h(
        'section',
        { class: 'card' },
        h('p', null, t(ctx, 'notReportedYet')),
        r.dpt === null
          ? null
          : h('p', { class: 'muted' }, `${t(ctx, 'registeredDpt')}: ${num(r.dpt)}`),
      ),
    );
    return out;
  }
  // The anomaly engine audits the current result: the counted version, else the newest.
  const current = counted ?? r.versions[0];
  const marks: Marks = {
    bad: new Set(shown.flags.flatMap((f) => f.fields)),
    anomaly: new Set(
      current?.version === shown.version ? (r.anomalies ?? []).flatMap(findingFields) : [],
    ),
    ext: r.external?.result ?? null,
  };
  const countNote = counted
    ? t(ctx, 'countingVersion', { v: `v${counted.version}` })
    : t(ctx, 'noCountingVersion');
  out.push(
    h(
      'p',
      { class: 'version-line' },
      h('strong', null, t(ctx, 'showingVersion', { v: `v${shown.version}` })),
      ' · ',
      countNote,
      !shown.counted && shown.status === 'flagged' ? [' ', t(ctx, 'flaggedNotCounted')] : null,
    ),
    h(
      'div',
      { class: 'tps-grid' },
      photos(ctx, shown),
      h(
        'section',
        { class: 'card form', 'aria-labelledby': 'form-title' },
        h('h2', { id: 'form-title', class: 'card-title' }, t(ctx, 'formTitle')),
        flagsBox(ctx, shown),
        r.external ? sirekapNote(ctx, shown, r.external) : null,
        formSections(ctx, shown, r.dpt, marks),
      ),
    ),
    r.anomalies && current ? anomaliesCard(ctx, r.anomalies, current, shown) : null,
    history(ctx, r, shown),
  );
  return out;
}
