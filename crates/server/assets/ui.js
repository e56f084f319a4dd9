// Small DOM and API helpers shared by the views. Everything from the server is
// inserted with textContent (never innerHTML), so law text or a crafted
// decision cannot inject markup.

const KEY = 'brightline.token';

export const token = () => sessionStorage.getItem(KEY);
export const setToken = (t) => sessionStorage.setItem(KEY, t);
export const clearToken = () => sessionStorage.removeItem(KEY);

export class ApiError extends Error {
  constructor(status, field, message) {
    super(message);
    this.status = status;
    this.field = field;
  }
}

// Called on 401 so the app can return to the sign-in screen.
let onUnauthorized = () => {};
export const whenUnauthorized = (f) => { onUnauthorized = f; };

export async function api(path, { method = 'GET', body, raw = false, headers: extra = {} } = {}) {
  const headers = { ...extra, Authorization: `Bearer ${token() || ''}` };
  const init = { method, headers };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let r;
  try {
    r = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, null, `The server did not answer (${e.message}).`);
  }
  if (!r.ok) {
    let field = null;
    let message = `${r.status} ${r.statusText}`;
    try {
      const j = await r.json();
      if (j && j.error) {
        field = j.error.field ?? null;
        message = j.error.message || message;
      }
    } catch { /* not the error shape: keep the status line */ }
    if (r.status === 401) onUnauthorized();
    throw new ApiError(r.status, field, message);
  }
  return raw ? r : r.json();
}

// A fresh idempotency key: the server records once per key, so a second
// press of a Record button (or a retry after a lost answer) logs nothing new.
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

// h('p', {class: 'x', onclick: f}, 'text', child, [more children])
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  add(el, children);
  return el;
}

function add(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) add(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export const $ = (sel, root = document) => root.querySelector(sel);

export function clear(el, ...children) {
  el.replaceChildren();
  add(el, children);
  return el;
}

// An error message tied to the field the server named, when there is one.
export function errorBox(e) {
  const where = e.field ? ` (${e.field})` : '';
  return h('p', { class: 'error', role: 'alert' }, h('strong', {}, 'Error: '), `${e.message}${where}`);
}

export const OUTCOME_WORDS = {
  prohibited: 'Prohibited',
  permitted: 'Permitted',
  required: 'Required',
  undetermined: 'Undetermined',
};

// The outcome as a word with a symbol; colour only reinforces it.
export function outcomeBadge(o, big = false) {
  const sym = { prohibited: '✕', permitted: '✓', required: '!', undetermined: '?' }[o] || '·';
  return h('span', { class: `badge o-${o}${big ? ' big' : ''}` },
    h('span', { 'aria-hidden': 'true' }, `${sym} `), OUTCOME_WORDS[o] || o);
}

// A citation linked to its source (opens in a new tab, says so to screen readers).
export function citeLink(citation, source) {
  if (!source || !/^https?:\/\//.test(source)) return h('cite', {}, citation);
  return h('a', { href: source, target: '_blank', rel: 'noopener noreferrer', class: 'cite' },
    h('cite', {}, citation), h('span', { class: 'sr-only' }, ' (source, opens in a new tab)'));
}

export const CONFIDENCE = {
  verbatim: 'checked against the official text',
  secondary: 'taken from a secondary source; verify before relying on it',
  unconfirmed: 'not confirmed against any source; verify before relying on it',
};

export function confidenceTag(c) {
  if (!c) return null;
  const words = { verbatim: 'verbatim', secondary: 'secondary source — verify', unconfirmed: 'unconfirmed — verify' }[c] || c;
  return h('span', { class: `conf conf-${c}` }, words, h('span', { class: 'sr-only' }, `: ${CONFIDENCE[c] || ''}`));
}

export const today = () => {
  const d = new Date();
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
};

export function table(caption, heads, rows, id) {
  return h('div', { class: 'table-wrap' },
    h('table', { id },
      caption ? h('caption', {}, caption) : null,
      h('thead', {}, h('tr', {}, heads.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows)));
}

// Fetches an authenticated file and hands it to the browser: a download (CSV) or a new tab (HTML).
export async function openAuthed(url, filename) {
  const r = await api(url, { raw: true });
  const blob = await r.blob();
  const href = URL.createObjectURL(blob);
  const a = h('a', { href, target: filename ? null : '_blank', rel: 'noopener', download: filename || null });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}
