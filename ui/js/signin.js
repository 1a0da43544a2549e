// Sign-in: the account id and an API token (made on the appliance with
// `pcapd token create`).  The pair is checked with one list request and
// kept in sessionStorage only.

import { listCaptures } from './api.js';
import { errorBox, h, showError, title } from './dom.js';
import { session } from './session.js';

export function signInView(main, done) {
  const error = errorBox('signin-error');
  const account = h('input', {
    id: 'account', name: 'account', autocomplete: 'username', spellcheck: 'false',
    required: true, value: session.lastAccount(), 'aria-describedby': 'account-help',
  });
  const token = h('input', {
    id: 'token', name: 'token', type: 'password', autocomplete: 'current-password',
    required: true, 'aria-describedby': 'token-help',
  });
  const button = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h('form', { class: 'card signin', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'account' }, 'Account ID'), account,
      h('p', { id: 'account-help', class: 'help' }, '32 hexadecimal digits, as in the API\'s paths.')),
    h('div', { class: 'field' }, h('label', { for: 'token' }, 'API token'), token,
      h('p', { id: 'token-help', class: 'help' },
        'Made on the appliance with ', h('code', null, 'pcapd token create'),
        '. It stays in this browser tab only and is gone when the tab closes.')),
    error, button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    showError(error, null);
    button.disabled = true;
    session.set(account.value.trim(), token.value.trim());
    try {
      await listCaptures(1, 1);
      done();
    } catch (e) {
      session.clear();
      showError(error, e);
      (e.status === 404 ? account : token).focus();
    } finally {
      button.disabled = false;
    }
  });
  main.replaceChildren(title('Sign in'),
    h('p', { class: 'lead' }, 'pcapd captures packets on demand and analyses them. Sign in with an API token of your account.'),
    form);
  (account.value ? token : account).focus();
}
