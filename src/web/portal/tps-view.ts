// The TPS view: the version shown (the counted one, the newest, or the one asked for) with its
// photos (zoomable: photo-zoom.ts), its form with what the re-read of the photos found, its
// signature (device, key, whether it held), each breach said once in the page's language
// (breach-words.ts), the whole history as a timeline (timeline.ts) and the table of versions.
import type { TpsResult, TpsVersion } from './api.ts';
import { versionStatus } from '../../contract/version-status.ts';
import { h, type Child } from '../shared/dom.ts';
import { formatNumber as num, formatTime } from '../shared/i18n.ts';
import { actorWords, reviewStateWords, versionStatusWords } from '../shared/review-words.ts';
import { findingFields } from './anomalies-view.ts';
import { breaches, formatCount, type Breach } from './breach-words.ts';
import { installPhotoZoom } from './photo-zoom.ts';
import { timelineCard, whoWords } from './timeline.ts';
import { ts } from './tps-strings.ts';
import { flagsBox, formSections, sirekapNote, type Marks } from './form-view.ts';
import { tpsHref } from './routes.ts';
import { breadcrumbs, heading, statusBadge, t, type Ctx } from './view-parts.ts';

function photos(ctx: Ctx, v: TpsVersion): HTMLElement {
  installPhotoZoom();
  return h(
    'section',
    { class: 'card photos', 'aria-labelledby': 'photos-title' },
    h('h2', { id: 'photos-title', class: 'card-title' }, t(ctx, 'photosTitle')),
    v.photos.length === 0
      ? h('p', { class: 'muted' }, t(ctx, 'noPhotos'))
      : v.photos.map((p, i) => {
          const alt = t(ctx, 'photoAlt', { n: i + 1 });
          return h(
            'figure',
            { 'data-key': p.sha256 },
            h(
              'a',
              {
                href: p.url,
                target: '_blank',
                rel: 'noopener',
                'data-zoom': i,
                'data-zoom-alt': alt,
                'aria-label': `${ts(ctx.lang, 'zoomPhoto')}: ${alt}`,
              },
              h('img', {
                src: p.url,
                alt,
                // The page keeps its place while the photo loads: the box has the photo's shape.
                width: p.width > 0 ? p.width : undefined,
                height: p.height > 0 ? p.height : undefined,
                loading: i === 0 ? undefined : 'lazy',
                decoding: 'async',
              }),
            ),
            h(
              'figcaption',
              { class: 'small' },
              h('a', { href: p.url, target: '_blank', rel: 'noopener' }, t(ctx, 'openPhoto')),
              ' · ',
              h(
                'a',
                { href: p.url, class: 'code', title: p.sha256, 'data-testid': 'photo-sha' },
                `${ts(ctx.lang, 'photoSha')} ${p.sha256.slice(0, 12)}…`,
              ),
            ),
          );
        }),
  );
}

/** Who signed the shown version, with which device and key, and whether the signature held. */
function signatureCard(ctx: Ctx, r: TpsResult, v: TpsVersion): HTMLElement {
  const lang = ctx.lang;
  const sig = v.signature;
  const signer = v.signer;
  const correction = r.review.corrections.find((c) => c.version === v.version);
  const row = (label: string, value: Child) =>
    h('div', { class: 'sig-row' }, h('dt', null, label), h('dd', null, value));
  return h(
    'section',
    { class: 'card signature', 'aria-labelledby': 'sig-title', 'data-testid': 'signature' },
    h('h2', { id: 'sig-title', class: 'card-title' }, ts(lang, 'sigTitle')),
    sig
      ? [
          h(
            'p',
            {
              class: signer?.verified === false ? 'callout warn' : 'callout ok',
              'data-testid': 'sig-status',
            },
            h('span', { 'aria-hidden': 'true' }, signer?.verified === false ? '⚠ ' : '✓ '),
            ts(lang, signer?.verified === false ? 'sigUnverified' : 'sigVerified'),
          ),
          h(
            'dl',
            { class: 'sig-list small' },
            row(ts(lang, 'sigSignedBy'), signer?.label ?? sig.deviceId),
            row(ts(lang, 'sigDevice'), h('code', { 'data-testid': 'sig-device' }, sig.deviceId)),
            row(
              ts(lang, 'sigKey'),
              h(
                'code',
                { title: signer?.fingerprint ?? '' },
                (signer?.fingerprint ?? '').slice(0, 16),
              ),
            ),
            row(
              ts(lang, 'sigSignedAt'),
              h('time', { datetime: sig.signedAt }, formatTime(sig.signedAt, lang)),
            ),
            signer?.enrolledAt
              ? row(
                  ts(lang, 'sigEnrolled'),
                  h('time', { datetime: signer.enrolledAt }, formatTime(signer.enrolledAt, lang)),
                )
              : null,
            row(
              ts(lang, 'sigUploader'),
              whoWords({ actor: v.uploader, name: null, role: null, region: null }, lang),
            ),
            row(ts(lang, 'sigPublicKey'), h('code', { class: 'break' }, sig.publicKey)),
          ),
          h('p', { class: 'note' }, ts(lang, 'sigCheck')),
        ]
      : h(
          'p',
          { class: 'muted' },
          correction
            ? ts(lang, 'sigCorrection', { who: whoWords(correction.by, lang) })
            : ts(lang, 'sigNone'),
        ),
  );
}

/** What the server's re-read made of the shown version's photos. */
function readingNote(ctx: Ctx, v: TpsVersion): HTMLElement | null {
  if (v.photos.length === 0) return null;
  const lang = ctx.lang;
  const rr = v.reread;
  const text = !rr
    ? ts(lang, 'readNone')
    : rr.outcome === 'agrees'
      ? ts(lang, 'readAgrees')
      : rr.outcome === 'disagrees'
        ? ts(lang, 'readDisagrees', { n: formatCount(rr.fields.length, lang) })
        : ts(lang, 'readFailed', { reason: rr.reason ?? '' });
  return h(
    'div',
    {
      class: rr?.outcome === 'disagrees' ? 'callout warn' : 'callout',
      'data-testid': 'reading',
      'data-outcome': rr?.outcome ?? 'none',
    },
    h('p', null, h('strong', null, `${ts(lang, 'readTitle')}: `), text),
    rr && rr.outcome !== 'failed'
      ? h('p', { class: 'small muted' }, ts(lang, 'readUnsureNote'))
      : null,
  );
}

/** The engine's findings on the current version that the flags do not already say. */
function findingsCard(
  ctx: Ctx,
  said: readonly Breach[],
  current: TpsVersion,
  shown: TpsVersion,
): HTMLElement {
  const engine = said.filter((b) => b.source === 'engine');
  return h(
    'section',
    { class: 'card anomalies', 'aria-labelledby': 'anomalies-title', 'data-testid': 'anomalies' },
    h('h2', { id: 'anomalies-title', class: 'card-title' }, t(ctx, 'anomaliesTitle')),
    h('p', { class: 'note' }, t(ctx, 'anomaliesIntro', { v: current.version })),
    current.version === shown.version
      ? null
      : h('p', { class: 'note' }, t(ctx, 'anomaliesOtherVersion', { v: `v${current.version}` })),
    engine.length === 0
      ? h('div', { class: 'callout ok' }, t(ctx, 'noAnomalies'))
      : h(
          'ul',
          { class: 'findings' },
          engine.map((b) =>
            h(
              'li',
              { class: `finding kind-${b.kind}`, 'data-kind': b.kind, 'data-check': b.check },
              h('span', { class: `badge kind kind-${b.kind}` }, ts(ctx.lang, `breach_${b.kind}`)),
              ' ',
              h(
                'span',
                { class: 'reason', 'data-testid': b.kind === 'misread' ? 'misread' : null },
                b.words,
              ),
            ),
          ),
        ),
    h('p', { class: 'note', 'data-testid': 'anomalies-note' }, t(ctx, 'anomaliesNote')),
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
  const isCurrent = current?.version === shown.version;
  const words = { ballot: r.ballot, registeredDpt: r.dpt };
  const said = breaches(shown, isCurrent ? (r.anomalies ?? []) : [], ctx.lang, words);
  const saidOfCurrent =
    isCurrent || !current ? said : breaches(current, r.anomalies ?? [], ctx.lang, words);
  const marks: Marks = {
    bad: new Set(shown.flags.flatMap((f) => f.fields)),
    anomaly: new Set(isCurrent ? (r.anomalies ?? []).flatMap(findingFields) : []),
    ext: r.external?.result ?? null,
    reread: new Map(
      shown.reread?.outcome === 'disagrees' ? shown.reread.fields.map((f) => [f.field, f.to]) : [],
    ),
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
        flagsBox(ctx, said),
        // A correction's numbers are an operator's, not read from a photo of its own.
        r.review.corrections.some((c) => c.version === shown.version)
          ? null
          : readingNote(ctx, shown),
        r.external ? sirekapNote(ctx, shown, r.external) : null,
        formSections(ctx, shown, r.dpt, marks),
      ),
    ),
    signatureCard(ctx, r, shown),
    r.anomalies && current ? findingsCard(ctx, saidOfCurrent, current, shown) : null,
    timelineCard(ctx.lang, r),
    history(ctx, r, shown),
  );
  return out;
}
