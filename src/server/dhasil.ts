// The D.Hasil over HTTP (issue 12, docs/recap.md): an operator closes or reopens a level's recap;
// anyone reads the signed D.Hasil as JSON or as a PDF made from that JSON, the server's public key
// that checks it, and the head of the event chain. The PDF uses the standard fonts only and writes
// every number as text, so that its text can be extracted and compared with the JSON.
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import type { FastifyInstance } from 'fastify';
import { BallotSchema, type Ballot } from '../core/ballots.ts';
import { parseRegionCode, type RegionCode } from '../core/codes.ts';
import { choiceNames, type DHasilTotals } from '../core/dhasil.ts';
import { quote } from '../core/problems.ts';
import { err, ok, type Result } from '../core/result.ts';
import { ReopenRecapSchema, type RecapClosed, type RecapReopened } from '../contract/recap.ts';
import { accountActor } from '../store/accounts.ts';
import type { RecapRefusal, StoredDHasil } from '../store/recaps.ts';
import type { Store } from '../store/store.ts';
import { apiError, sendError, type ApiError } from './errors.ts';
import { publishedKey, type ServerKey } from './keys.ts';
import { requireOperator } from './session.ts';

/** `key`: the server's signing key, loaded when first needed (keys.ts). */
export type RecapRouteDeps = { store: Store; key: () => ServerKey };

export const dhasilPaths = (region: string, ballot: Ballot) => ({
  json: `/api/v1/recap/${region}/${ballot}/dhasil.json`,
  pdf: `/api/v1/recap/${region}/${ballot}/dhasil.pdf`,
});

function refusal(r: RecapRefusal): ApiError {
  switch (r.code) {
    case 'unknown_region':
      return apiError('unknown_region', r.message);
    case 'unknown_contest':
      return apiError('unknown_ballot', r.message);
    case 'reason_required':
      return apiError('malformed_request', r.message);
    case 'recap_not_ready':
      return apiError('recap_not_ready', r.message, {
        unresolved: r.unresolved,
        tps: r.tps,
        open: r.open,
        regions: r.regions,
      });
    case 'no_recap_level':
    case 'recap_already_closed':
    case 'recap_not_closed':
    case 'parent_recap_closed':
      return apiError(r.code, r.message);
  }
}

function placeOf(params: {
  region: string;
  ballot: string;
}): Result<{ region: RegionCode; ballot: Ballot }, ApiError> {
  const region = parseRegionCode(params.region);
  if (!region) return err(apiError('bad_code', `not a region code: ${quote(params.region, 40)}`));
  const ballot = BallotSchema.safeParse(params.ballot);
  if (!ballot.success)
    return err(
      apiError(
        'unknown_ballot',
        `unknown ballot ${quote(params.ballot, 40)} (one of ${BallotSchema.options.join(', ')})`,
      ),
    );
  return ok({ region, ballot: ballot.data });
}

type Params = { Params: { region: string; ballot: string } };

export function registerRecap(app: FastifyInstance, deps: RecapRouteDeps): void {
  const { store } = deps;

  app.post<Params>('/api/operator/recap/:region/:ballot/close', async (req, reply) => {
    const place = placeOf(req.params);
    if (!place.ok) return sendError(reply, place.error);
    const { region, ballot } = place.value;
    const account = await requireOperator(req, 'close_recap', { region });
    const closed = await store.closeRecap(region, ballot, deps.key(), {
      actor: accountActor(account.id),
    });
    if (!closed.ok) return sendError(reply, refusal(closed.error));
    const { dhasil } = closed.value.document;
    req.log.info(
      { region, ballot, seq: closed.value.seq, sha256: closed.value.sha256 },
      'recap closed',
    );
    const body: RecapClosed = {
      region,
      ballot,
      state: 'certified',
      seq: closed.value.seq,
      sha256: closed.value.sha256,
      chainHead: dhasil.chainHead,
      ...dhasilPaths(region, ballot),
    };
    return reply.code(201).send(body);
  });

  app.post<Params>('/api/operator/recap/:region/:ballot/reopen', async (req, reply) => {
    const place = placeOf(req.params);
    if (!place.ok) return sendError(reply, place.error);
    const { region, ballot } = place.value;
    const account = await requireOperator(req, 'reopen_recap', { region });
    const parsed = ReopenRecapSchema.safeParse(req.body);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      const where = first && first.path.length > 0 ? `body.${first.path.join('.')}` : 'body';
      return sendError(
        reply,
        apiError('malformed_request', `${where}: ${first?.message ?? 'expected { reason }'}`),
      );
    }
    const reopened = await store.reopenRecap(region, ballot, parsed.data.reason, {
      actor: accountActor(account.id),
    });
    if (!reopened.ok) return sendError(reply, refusal(reopened.error));
    req.log.info({ region, ballot, seq: reopened.value.seq }, 'recap reopened');
    const body: RecapReopened = { region, ballot, state: 'correction', seq: reopened.value.seq };
    return reply.send(body);
  });

  const read = async (params: Params['Params']): Promise<Result<StoredDHasil, ApiError>> => {
    const place = placeOf(params);
    if (!place.ok) return place;
    const got = await store.dhasil(place.value.region, place.value.ballot);
    if (got.ok) return got;
    return err(apiError(got.error.code, got.error.message));
  };

  app.get<Params>('/api/v1/recap/:region/:ballot/dhasil.json', async (req, reply) => {
    const got = await read(req.params);
    if (!got.ok) return sendError(reply, got.error);
    // The level's state now: a D.Hasil of a level reopened since is superseded until it closes again.
    return reply
      .header('rekap-recap-state', got.value.state)
      .header('cache-control', 'no-cache')
      .send(got.value.document);
  });

  app.get<Params>('/api/v1/recap/:region/:ballot/dhasil.pdf', async (req, reply) => {
    const got = await read(req.params);
    if (!got.ok) return sendError(reply, got.error);
    const pdf = await renderDHasilPdf(got.value);
    return reply
      .header('content-type', 'application/pdf')
      .header('rekap-recap-state', got.value.state)
      .header('cache-control', 'no-cache')
      .header(
        'content-disposition',
        `inline; filename="D.Hasil-${got.value.document.dhasil.region.code}-${got.value.document.dhasil.contest.ballot}.pdf"`,
      )
      .send(Buffer.from(pdf));
  });

  app.get('/api/v1/keys/server', () => publishedKey(deps.key()));

  app.get('/api/v1/audit/head', async () => {
    const head = await store.chainHead();
    return { seq: head?.seq ?? 0, hash: head?.hash ?? null, at: head?.at ?? null };
  });
}

// ---------------------------------------------------------------------------------------------
// The PDF: A4, Helvetica and Courier (WinAnsi), Bahasa Indonesia first with English after a slash.

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 40;

/** What the standard fonts can write: other characters (a name in another script) become `?`.
 *  The sending-point plan's PDF (plan-pdf.ts) writes with the same fonts. */
export const winAnsi = (text: string) =>
  [...text]
    .map((c) => {
      const n = c.codePointAt(0)!;
      return n < 0x20 || (n >= 0x7f && n < 0xa0) || n > 0xff ? '?' : c;
    })
    .join('');

type Pen = {
  text(s: string, opts?: { size?: number; bold?: boolean; mono?: boolean; x?: number }): void;
  row(
    cells: { s: string; x: number; right?: boolean }[],
    opts?: { size?: number; bold?: boolean; mono?: boolean },
  ): void;
  gap(h?: number): void;
  heading(s: string): void;
};

async function pen(doc: PDFDocument): Promise<Pen> {
  const fonts = {
    regular: await doc.embedFont(StandardFonts.Helvetica),
    bold: await doc.embedFont(StandardFonts.HelveticaBold),
    mono: await doc.embedFont(StandardFonts.Courier),
  };
  let page: PDFPage = doc.addPage([A4.width, A4.height]);
  let y = A4.height - MARGIN;
  const fontOf = (o: { bold?: boolean; mono?: boolean }): PDFFont =>
    o.mono ? fonts.mono : o.bold ? fonts.bold : fonts.regular;
  const room = (h: number) => {
    if (y - h < MARGIN) {
      page = doc.addPage([A4.width, A4.height]);
      y = A4.height - MARGIN;
    }
  };
  const width = A4.width - 2 * MARGIN;
  /** Breaks a line at spaces (or anywhere, for a hash) to fit the page. */
  const wrap = (s: string, font: PDFFont, size: number, max: number): string[] => {
    const out: string[] = [];
    let line = '';
    for (const word of s.split(' ')) {
      const next = line ? `${line} ${word}` : word;
      if (font.widthOfTextAtSize(next, size) <= max) {
        line = next;
        continue;
      }
      if (line) out.push(line);
      line = word;
      while (font.widthOfTextAtSize(line, size) > max) {
        let cut = line.length - 1;
        while (cut > 1 && font.widthOfTextAtSize(line.slice(0, cut), size) > max) cut--;
        out.push(line.slice(0, cut));
        line = line.slice(cut);
      }
    }
    if (line) out.push(line);
    return out;
  };
  const p: Pen = {
    text(s, o = {}) {
      const size = o.size ?? 9;
      const font = fontOf(o);
      const x = MARGIN + (o.x ?? 0);
      for (const line of wrap(winAnsi(s), font, size, width - (o.x ?? 0))) {
        room(size * 1.35);
        y -= size * 1.35;
        page.drawText(line, { x, y, size, font, color: rgb(0, 0, 0) });
      }
    },
    row(cells, o = {}) {
      const size = o.size ?? 8;
      const font = fontOf(o);
      room(size * 1.4);
      y -= size * 1.4;
      for (const c of cells) {
        const s = winAnsi(c.s);
        const w = font.widthOfTextAtSize(s, size);
        page.drawText(s, { x: MARGIN + (c.right ? c.x - w : c.x), y, size, font });
      }
    },
    gap(h = 6) {
      y -= h;
    },
    heading(s) {
      p.gap(6);
      p.text(s, { size: 11, bold: true });
      p.gap(2);
    },
  };
  return p;
}

const LEVEL_NAMES: Record<string, string> = {
  kecamatan: 'Kecamatan',
  kabupaten: 'Kabupaten/Kota',
  provinsi: 'Provinsi',
  nasional: 'Nasional',
  desa: 'Desa/Kelurahan',
};

/** The PDF of a stored D.Hasil: everything the JSON holds that a person checks, as text. */
export async function renderDHasilPdf(stored: StoredDHasil): Promise<Uint8Array> {
  const { dhasil: d, signature } = stored.document;
  const doc = await PDFDocument.create();
  doc.setTitle(`D.Hasil ${d.region.code} ${d.contest.ballot}`);
  doc.setProducer('Rekap');
  doc.setCreationDate(new Date(d.at));
  doc.setModificationDate(new Date(d.at));
  const p = await pen(doc);
  p.text('D.HASIL - BERITA ACARA REKAPITULASI HASIL PENGHITUNGAN PEROLEHAN SUARA', {
    size: 13,
    bold: true,
  });
  p.text('Certificate of the recapitulation of vote counts', { size: 10 });
  p.gap();
  p.text(`Pemilihan / election: ${d.election}`);
  p.text(`Jenis / contest: ${d.contest.ballot}`);
  p.text(`Tingkat / level: ${LEVEL_NAMES[d.level] ?? d.level} (${d.level})`);
  p.text(`Wilayah / region: ${d.region.code} ${d.region.name}`, { bold: true });
  if (d.parents.length > 0)
    p.text(`Di dalam / within: ${d.parents.map((r) => `${r.code} ${r.name}`).join(' > ')}`);
  p.text(
    `Status: ${d.status} (ditetapkan)${stored.state === 'correction' ? ' - DIBUKA KEMBALI / REOPENED since: superseded until closed again' : ''}`,
  );
  p.text(`Ditutup / closed: ${d.at} oleh / by ${d.by}`);

  const choices = choiceNames(d.contest);
  const named = new Set(choices.map((c) => c.key));
  const extra = Object.keys(d.totals.votes).filter((k) => !named.has(k));
  const keys = [...choices, ...extra.map((k) => ({ key: k, name: k }))];

  p.heading('Jumlah / totals');
  for (const c of keys)
    p.row(
      [
        { s: c.key, x: 0 },
        { s: c.name, x: 30 },
        { s: String(d.totals.votes[c.key] ?? 0), x: 380, right: true },
      ],
      { size: 9 },
    );
  const totalsLine = (label: string, n: number) =>
    p.row(
      [
        { s: label, x: 0 },
        { s: String(n), x: 380, right: true },
      ],
      { size: 9, bold: true },
    );
  totalsLine('Suara sah / valid', d.totals.valid);
  totalsLine('Suara tidak sah / invalid', d.totals.invalid);
  totalsLine('Jumlah suara / total', d.totals.total);
  totalsLine('TPS masuk / TPS reported', d.totals.tpsReported);
  totalsLine('TPS seluruhnya / TPS in all', d.totals.tpsTotal);

  p.heading('Rincian wilayah di bawahnya / children');
  const colW = Math.min(48, 300 / Math.max(1, keys.length));
  const childRow = (cells: string[], bold = false) =>
    p.row(
      [
        { s: cells[0]!, x: 0 },
        { s: cells[1]!, x: 70 },
        ...cells.slice(2).map((s, i) => ({ s, x: 215 + colW * (i + 1), right: true })),
      ],
      { size: 7, bold },
    );
  const values = (t: DHasilTotals | Omit<DHasilTotals, 'tpsReported' | 'tpsTotal'>) => [
    ...keys.map((c) => String(t.votes[c.key] ?? 0)),
    String(t.valid),
    String(t.invalid),
    String(t.total),
  ];
  childRow(['kode', 'nama', ...keys.map((c) => c.key), 'sah', 'tdk sah', 'jumlah', 'TPS'], true);
  for (const c of d.children)
    childRow([
      c.code,
      c.name.slice(0, 30),
      ...values(c.totals),
      `${c.totals.tpsReported}/${c.totals.tpsTotal}`,
    ]);
  const signed = d.children.filter((c) => c.dhasil);
  if (signed.length > 0) {
    p.gap(4);
    p.text('D.Hasil tiap wilayah (sha256) / each child D.Hasil:', { size: 8, bold: true });
    for (const c of signed) p.text(`${c.code}  ${c.dhasil}`, { size: 7, mono: true });
  }

  p.heading(`Pembetulan / corrections (${d.corrections.length})`);
  if (d.corrections.length === 0) p.text('Tidak ada / none.', { size: 8 });
  for (const c of d.corrections) {
    p.text(
      `TPS ${c.tps}: versi ${c.version} membetulkan versi ${c.corrects} / version ${c.version} corrects ${c.corrects}`,
      {
        size: 8,
        bold: true,
      },
    );
    p.text(
      c.changes.map((x) => `${x.field}: ${x.from ?? '-'} -> ${x.to ?? '-'}`).join('; ') || '-',
      { size: 8, x: 12 },
    );
    p.text(`Alasan / reason: ${c.reason}`, { size: 8, x: 12 });
    p.text(`Rujukan / reference: ${c.reference}; oleh / by ${c.by}, ${c.at} (event ${c.seq})`, {
      size: 8,
      x: 12,
    });
  }

  const tps = d.children.flatMap((c) => c.tps ?? []);
  if (tps.length > 0) {
    p.heading(`Hash hasil TPS / TPS result hashes (${tps.length})`);
    p.text('kode TPS, versi yang dihitung, hash isi (content), hash rantai (chain)', { size: 7 });
    for (const t of tps) {
      p.text(`${t.code} v${t.version}${t.kind === 'correction' ? ' (pembetulan)' : ''}`, {
        size: 6,
        mono: true,
      });
      p.text(`  isi   ${t.contentHash}`, { size: 6, mono: true });
      p.text(`  rantai ${t.chainHash}`, { size: 6, mono: true });
    }
  }

  p.heading('Tanda tangan / signature');
  p.text(`Kepala rantai / chain head: event ${d.chainHead.seq}`, { size: 8 });
  p.text(d.chainHead.hash ?? '-', { size: 7, mono: true });
  p.text('sha256 D.Hasil (JSON kanonik / canonical JSON):', { size: 8 });
  p.text(stored.sha256, { size: 7, mono: true });
  if (d.replaces) {
    p.text('Menggantikan / replaces D.Hasil:', { size: 8 });
    p.text(d.replaces, { size: 7, mono: true });
  }
  p.text(`Kunci server / server key: Ed25519 ${d.keyId} (GET /api/v1/keys/server)`, { size: 8 });
  p.text('Tanda tangan / signature (base64url):', { size: 8 });
  p.text(signature, { size: 7, mono: true });
  p.gap();
  p.text(
    'Periksa / verify: rekap verify-dhasil D.Hasil.json --server URL (the JSON is the signed document; this PDF is made from it).',
    { size: 7 },
  );
  return doc.save();
}
