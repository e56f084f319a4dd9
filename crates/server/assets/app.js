// The console shell: sign-in, the views a role may use, and hash routing.
import { api, h, $, clear, token, setToken, clearToken, whenUnauthorized, ApiError } from './ui.js';
import { decideView } from './decide.js';
import { lawView } from './law.js';
import { compareView, diffView } from './analysis.js';
import { logView, reportsView, mineView, memoView } from './records.js';

// Which roles may use which view, after docs/api.md's role table. A view a role
// may not use is neither linked nor rendered.
const VIEWS = {
  decide: { title: 'Decide a request', nav: 'Decide', roles: ['clerk', 'counsel'], render: decideView },
  mine: { title: 'My decisions', roles: ['clerk', 'counsel'], render: mineView },
  law: { title: 'Law in force', nav: 'Law', roles: ['clerk', 'counsel', 'auditor', 'admin'], render: lawView },
  compare: { title: 'Compare', roles: ['clerk', 'counsel', 'auditor', 'admin'], render: compareView, probe: '/v1/compare?date=probe' },
  diff: { title: 'What changed', roles: ['clerk', 'counsel', 'auditor', 'admin'], render: diffView, probe: '/v1/diff' },
  log: { title: 'Decision log', roles: ['counsel', 'auditor'], render: logView },
  reports: { title: 'Reports', roles: ['counsel'], render: reportsView },
  memo: { title: 'Decision memo', roles: ['clerk', 'counsel', 'auditor'], render: memoView, hidden: true },
};

const session = { me: null, laws: null, views: [], rendered: new Set() };

// An optional route answers a malformed probe with 400 when it exists and 404 when it does not.
async function routeExists(path) {
  try {
    await api(path, path === '/v1/diff' ? { method: 'POST', body: {} } : {});
    return true;
  } catch (e) {
    return e instanceof ApiError && e.status !== 404 && e.status !== 0;
  }
}

function showOnly(id) {
  for (const s of document.querySelectorAll('main > section')) s.hidden = s.id !== id;
}

function signInScreen(message) {
  session.me = null;
  session.rendered.clear();
  $('#nav').hidden = true;
  $('#who').hidden = true;
  for (const s of document.querySelectorAll('main > section')) {
    if (s.id.startsWith('view-') && s.id !== 'view-signin' && s.id !== 'view-denied') s.replaceChildren();
  }
  showOnly('view-signin');
  const msg = $('#signin-msg');
  clear(msg, message ? h('p', { class: 'error', role: 'alert' }, message) : null);
  document.title = 'Sign in — brightline';
}

async function start() {
  if (!token()) return signInScreen();
  let me;
  try {
    me = await api('/v1/me');
  } catch (e) {
    clearToken();
    return signInScreen(e.status === 401
      ? 'That token is not known or has been revoked. Ask your administrator for a new one.'
      : e.message);
  }
  session.me = me;
  session.laws = await api('/v1/laws').catch(() => ({ jurisdictions: [] }));
  const names = Object.keys(VIEWS).filter((k) => VIEWS[k].roles.includes(me.role));
  const present = await Promise.all(names.map((k) => (VIEWS[k].probe ? routeExists(VIEWS[k].probe) : true)));
  session.views = names.filter((_, i) => present[i]);

  clear($('#nav'), h('ul', {}, session.views.filter((k) => !VIEWS[k].hidden).map((k) =>
    h('li', {}, h('a', { href: `#${k}`, id: `nav-${k}` }, VIEWS[k].nav || VIEWS[k].title)))));
  clear($('#who'),
    h('span', {}, 'Signed in as ', h('strong', { id: 'me-name' }, me.name), ' · role: ',
      h('strong', { id: 'me-role', class: `role role-${me.role}` }, me.role)),
    h('button', { type: 'button', id: 'signout', class: 'link', onclick: signOut }, 'Sign out'));
  $('#nav').hidden = false;
  $('#who').hidden = false;
  route();
}

function signOut() {
  clearToken();
  location.hash = '';
  signInScreen();
  $('#token-input').focus();
}

function route() {
  if (!session.me) return;
  const [name, arg] = location.hash.replace(/^#/, '').split('/');
  const want = name || session.views[0];
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.getAttribute('href') === `#${want}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (!session.views.includes(want)) {
    const v = VIEWS[want];
    clear($('#denied-msg'), v
      ? `Your role (${session.me.role}) may not open “${v.title}”.`
      : `There is no page “${want}”.`);
    document.title = 'Not available — brightline';
    return showOnly('view-denied');
  }
  const section = $(`#view-${want}`);
  const ctx = { me: session.me, laws: session.laws, arg, has: (k) => session.views.includes(k) };
  if (!session.rendered.has(want)) {
    session.rendered.add(want);
    VIEWS[want].render(section, ctx);
  } else if (section.onroute) {
    section.onroute(ctx);
  }
  document.title = `${VIEWS[want].title} — brightline`;
  showOnly(`view-${want}`);
}

whenUnauthorized(() => {
  if (session.me) {
    clearToken();
    signInScreen('Your token is no longer accepted (revoked?). Sign in again.');
  }
});

$('#signin-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const t = $('#token-input').value.trim();
  if (!t) return;
  setToken(t);
  $('#token-input').value = '';
  start().then(() => {
    if (session.me) $('#main').focus();
  });
});

window.addEventListener('hashchange', route);
start();
