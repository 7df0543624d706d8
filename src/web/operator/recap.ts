// The sign-off of the account's own level, under its review queue: the level's recap state, and
// for the operator who closes it (a PPK for its kecamatan, KPU for its kabupaten, province or the
// nation: src/core/authz.ts) a button that closes it, after a second, explicit yes. The server
// refuses while a TPS below is unresolved and says which; once closed, the signed D.Hasil's PDF
// and JSON are linked, and the level can be reopened with a reason that goes on the record.
import type { OperatorAccount } from '../../contract/operator.ts';
import { h } from '../shared/dom.ts';
import * as api from './api.ts';
import type { StringKey } from './strings.ts';

/** The roles that close the recap of their own region's level. */
const CLOSERS = new Set(['ppk', 'kpu_kab', 'kpu_prov', 'kpu_ri']);

export type RecapPanelDeps = {
  account: OperatorAccount;
  t: (key: StringKey, vars?: Record<string, string | number>) => string;
  /** A refusal in the operator's words. */
  failure: (f: api.Failure) => string;
};

/** The panel; it fills itself in once the level's state is read. */
export function recapPanel(deps: RecapPanelDeps): HTMLElement {
  const { account, t } = deps;
  const panel = h('section', {
    class: 'card recap',
    id: 'recap',
    'aria-labelledby': 'recap-title',
    'aria-live': 'polite',
  });
  const say = (text: string, kind: 'ok' | 'bad') =>
    h('p', { class: `notice ${kind}`, role: kind === 'bad' ? 'alert' : 'status' }, text);

  const render = async (message?: HTMLElement) => {
    const r = await api.region(account.region);
    if (!r.ok) {
      panel.replaceChildren(say(deps.failure(r.error), 'bad'));
      return;
    }
    const state = r.value.recap;
    const children: HTMLElement[] = [
      h(
        'h2',
        { id: 'recap-title' },
        t('recapTitle', { region: `${r.value.name} (${r.value.code})` }),
      ),
      h('p', { 'data-testid': 'recap-state', 'data-state': state }, t(`recap-${state}`)),
    ];
    if (message) children.push(message);
    if (state !== 'unofficial-partial')
      children.push(
        h(
          'p',
          null,
          `${t('recapDhasil')}: `,
          h('a', { href: api.dhasilUrl(account.region, 'pdf'), id: 'dhasil-pdf' }, 'PDF'),
          ' · ',
          h('a', { href: api.dhasilUrl(account.region, 'json'), id: 'dhasil-json' }, 'JSON'),
        ),
      );
    if (CLOSERS.has(account.role)) {
      if (state === 'certified') children.push(reopenForm());
      else children.push(closeButton());
    }
    panel.replaceChildren(...children);
  };

  const closeButton = (): HTMLElement => {
    const start = h('button', { type: 'button', id: 'recap-close' }, t('recapClose'));
    const wrap = h('div', { class: 'recap-close' }, start);
    start.addEventListener('click', () => {
      const yes = h(
        'button',
        { type: 'button', id: 'recap-close-yes', class: 'primary' },
        t('recapCloseYes'),
      );
      yes.addEventListener('click', () => {
        yes.disabled = true;
        void api
          .closeRecap(account.region)
          .then((r) =>
            render(r.ok ? say(t('recapClosed'), 'ok') : say(deps.failure(r.error), 'bad')),
          );
      });
      wrap.replaceChildren(h('p', null, t('recapCloseSure')), yes);
      yes.focus();
    });
    return wrap;
  };

  const reopenForm = (): HTMLElement => {
    const reason = h('input', {
      id: 'recap-reopen-reason',
      type: 'text',
      required: true,
      minlength: 3,
    });
    const form = h(
      'form',
      { class: 'recap-reopen' },
      h('label', { for: 'recap-reopen-reason' }, t('recapReopenReason')),
      reason,
      h('button', { type: 'submit', id: 'recap-reopen' }, t('recapReopen')),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void api
        .reopenRecap(account.region, reason.value)
        .then((r) =>
          render(r.ok ? say(t('recapReopened'), 'ok') : say(deps.failure(r.error), 'bad')),
        );
    });
    return form;
  };

  void render();
  return panel;
}
