// The dashboard: a hash router over the views, the sign-in gate, and the
// header.  Every view renders into <main> and may return a function that
// stops its timers when the user leaves it.

import { analysisView } from './analysis.js';
import { captureView } from './capture.js';
import { capturesView } from './captures.js';
import { session } from './session.js';
import { signInView } from './signin.js';
import { uploadView } from './upload.js';

const ID = '([0-9a-f]{32})';
const routes = [
  [new RegExp(`^#/captures/${ID}$`), captureView, 'captures'],
  [/^#\/captures$/, capturesView, 'captures'],
  [new RegExp(`^#/analysis/${ID}$`), analysisView, null],
  [/^#\/upload$/, uploadView, 'upload'],
];

let leave = null;

/** Shows who is signed in, and the navigation, in the header. */
function header(s, section) {
  document.getElementById('nav').hidden = !s;
  document.getElementById('who').hidden = !s;
  document.getElementById('who-account').textContent = s ? `account ${s.account}` : '';
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.getAttribute('href') === `#/${section}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

/** Renders the view of the current hash. */
function route() {
  if (leave) leave();
  leave = null;
  const main = document.getElementById('main');
  const s = session.get();
  if (!s) {
    header(null);
    leave = signInView(main, () => route());
  } else {
    const hash = window.location.hash;
    const match = routes.map(([re, view, section]) => [re.exec(hash), view, section])
      .find(([m]) => m);
    if (!match) {
      window.location.replace('#/captures');
      return;
    }
    const [m, view, section] = match;
    header(s, section);
    leave = view(main, ...m.slice(1)) || null;
  }
  const heading = main.querySelector('h1');
  if (heading && document.activeElement === document.body) heading.focus({ preventScroll: true });
}

document.getElementById('sign-out').addEventListener('click', () => {
  session.clear();
  window.location.hash = '#/captures';
  route();
});
window.addEventListener('hashchange', route);
route();
