// The decision log (counsel, auditor), its verification (auditor) and the
// statutory reports (counsel). app.js renders these only for those roles.
import { api, h, $, clear, errorBox, outcomeBadge, table, openAuthed, today } from './ui.js';
import { KINDS, ACTS, actionForm, memoLink } from './decide.js';

const when = (t) => (t || '').replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
const actWords = (acts) => (acts && acts.length ? acts.map((a) => (ACTS[a] ? a.replace('_', ' ') : a)).join(', ') : '—');

export function logView(section, ctx) {
  const verify = h('div', { id: 'verify-out', 'aria-live': 'polite' });
  const oSel = h('select', { id: 'log-outcome' }, h('option', { value: '' }, 'Any'),
    ['prohibited', 'permitted', 'required', 'undetermined'].map((o) => h('option', { value: o }, o)));
  const jSel = h('select', { id: 'log-j' }, h('option', { value: '' }, 'Any'),
    ctx.laws.jurisdictions.map((j) => h('option', { value: j.id }, j.name)));
  const kSel = h('select', { id: 'log-kind' }, h('option', { value: '' }, 'Any'),
    Object.keys(KINDS).map((k) => h('option', { value: k }, k)));
  const list = h('div', { id: 'log-list' });
  const detail = h('div', { id: 'log-detail', tabindex: '-1' });
  const more = h('p', {});
  const form = h('form', { class: 'card row-form', id: 'log-form' },
    h('div', { class: 'field' }, h('label', { for: 'log-outcome' }, 'Outcome'), oSel),
    h('div', { class: 'field' }, h('label', { for: 'log-j' }, 'Jurisdiction'), jSel),
    h('div', { class: 'field' }, h('label', { for: 'log-kind' }, 'Kind'), kSel),
    h('button', { type: 'submit', class: 'primary' }, 'Show decisions'));

  let rows;
  const load = async (before) => {
    const q = new URLSearchParams({ limit: '50' });
    if (oSel.value) q.set('outcome', oSel.value);
    if (jSel.value) q.set('jurisdiction', jSel.value);
    if (kSel.value) q.set('kind', kSel.value);
    if (before) q.set('before', before);
    let r;
    try {
      r = await api(`/v1/decisions?${q}`);
    } catch (e) {
      return clear(list, errorBox(e));
    }
    if (!before) {
      rows = h('tbody', {});
      clear(list, r.decisions.length ? h('div', { class: 'table-wrap' }, h('table', { id: 'log-table' },
        h('caption', {}, 'Logged decisions, newest first'),
        h('thead', {}, h('tr', {}, ['#', 'Logged', 'By', 'Jurisdiction', 'Agency', 'Date', 'Kind', 'Outcome', 'Acts', 'Status']
          .map((t) => h('th', { scope: 'col' }, t)))), rows)) : h('p', {}, 'No decisions match.'));
    }
    for (const d of r.decisions) {
      rows.append(h('tr', {},
        h('td', {}, h('a', { href: `#log/${d.id}` }, `#${d.id}`)),
        h('td', { class: 'nowrap' }, when(d.logged_at)), h('td', {}, d.token_name || d.token_id),
        h('td', {}, d.jurisdiction), h('td', {}, d.agency || '—'), h('td', { class: 'nowrap' }, d.date),
        h('td', {}, d.kind), h('td', {}, outcomeBadge(d.outcome)),
        h('td', {}, actWords(d.acts)), h('td', {}, d.superseded_by ? `corrected by #${d.superseded_by}` : d.supersedes ? `corrects #${d.supersedes}` : '')));
    }
    clear(more, r.next_before ? h('button', { type: 'button', class: 'secondary', onclick: () => load(r.next_before) }, 'Show older decisions') : null);
  };

  const showDetail = async (id) => {
    if (!id) return clear(detail);
    clear(detail, h('p', { class: 'muted' }, `Loading decision #${id}…`));
    let d;
    try {
      d = await api(`/v1/decisions/${encodeURIComponent(id)}`);
    } catch (e) {
      return clear(detail, errorBox(e));
    }
    const replayOut = h('div', { 'aria-live': 'polite' });
    const replay = async () => {
      try {
        const r = await api(`/v1/decisions/${d.id}/replay${d.law_hash_current ? '' : '?force=true'}`);
        clear(replayOut, h('p', { class: r.outcome_matches ? 'ok' : 'error' },
          r.outcome_matches ? `Replayed under the running law: same outcome (${r.decision.outcome}).`
            : `Replayed: the outcome would now be ${r.decision.outcome}, not ${r.stored_outcome}.`,
          r.law_hash_matches ? '' : ' The law packs have changed since this decision was logged.'));
      } catch (e) {
        clear(replayOut, errorBox(e));
      }
    };
    clear(detail, h('section', { class: 'card', 'aria-labelledby': 'detail-h' },
      h('h2', { id: 'detail-h' }, `Decision #${d.id}`),
      h('p', { class: `outcome o-${d.decision.outcome}` }, outcomeBadge(d.decision.outcome, true), h('span', { class: 'summary' }, d.decision.summary.replace(/^[A-Z]+:\s*/, ''))),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Logged'), h('dd', {}, `${when(d.logged_at)} by ${d.token_name || d.token_id}`),
        h('dt', {}, 'Law packs'), h('dd', {}, h('code', {}, d.law_hash.slice(0, 16)), d.law_hash_current ? ' (the running law)' : ' (not the running law)'),
        h('dt', {}, 'Engine'), h('dd', {}, d.engine_version),
        h('dt', {}, 'Entry hash'), h('dd', {}, h('code', { class: 'hash' }, d.entry_hash)),
        h('dt', {}, 'Citations'), h('dd', {}, h('ul', { class: 'plain' }, d.decision.citations.map((c) => h('li', {}, h('cite', {}, c))))),
        h('dt', {}, 'Actions'), h('dd', {}, actionList(d, 'log'))),
      h('details', {}, h('summary', {}, 'The request as logged (identifiers are kept only as a keyed hash)'), h('pre', {}, JSON.stringify(d.request, null, 2))),
      h('p', {}, h('a', { href: `#memo/${d.id}`, class: 'button secondary' }, 'Decision memo')),
      h('button', { type: 'button', class: 'secondary', onclick: replay }, 'Replay under the running law'), replayOut,
      ctx.me.role === 'counsel' ? reopenForm(d, () => showDetail(id), 'log-act') : null));
    detail.focus();
  };

  const runVerify = async () => {
    clear(verify, h('p', { class: 'muted' }, 'Checking every link of the hash chain…'));
    try {
      const v = await api('/v1/log/verify');
      clear(verify, v.ok
        ? h('p', { class: 'verdict ok', id: 'verify-verdict' }, h('strong', {}, '✓ The log is intact. '),
          `${v.entries} entries; head #${v.head_seq} `, h('code', { class: 'hash' }, v.head_hash || ''))
        : h('p', { class: 'verdict bad', id: 'verify-verdict', role: 'alert' }, h('strong', {}, '✕ The log has been altered. '),
          v.first_bad ? `First bad entry: #${v.first_bad.seq}: ${v.first_bad.problem}.` : ''));
    } catch (e) {
      clear(verify, errorBox(e));
    }
  };

  form.addEventListener('submit', (ev) => { ev.preventDefault(); load(); });
  section.onroute = (c) => showDetail(c.arg);
  clear(section, h('h1', { id: 'log-h' }, 'Decision log'),
    ctx.me.role === 'auditor' ? h('section', { class: 'card', 'aria-labelledby': 'verify-h' },
      h('h2', { id: 'verify-h' }, 'Integrity of the log'),
      h('p', {}, 'Each entry carries the hash of the one before it, so an edited, deleted, inserted or moved entry breaks the chain.'),
      verify, h('button', { type: 'button', class: 'secondary', id: 'verify-btn', onclick: runVerify }, 'Check again')) : null,
    detail, h('h2', {}, 'Decisions'), form, list, more);
  if (ctx.me.role === 'auditor') runVerify();
  load();
  showDetail(ctx.arg);
}

function actionList(d, p) {
  if (!d.actions.length) return 'none recorded';
  return h('ul', { class: 'plain', id: `${p}-action-list` }, d.actions.map((a) => h('li', {},
    `${a.date || when(a.logged_at)}: ${actWords(a.acts)}`,
    a.against_decision ? h('strong', { class: 'flag' }, ' — against the decision') : '',
    a.reason ? ` (reason: ${a.reason})` : '', a.note ? ` — ${a.note}` : '')));
}

// The action form under a reopened decision; after a record the detail reloads.
function reopenForm(d, reload, p) {
  if (d.superseded_by) return h('p', { class: 'help' }, `Corrected by decision #${d.superseded_by}: record actions there.`);
  const f = actionForm(d.id, d.decision.outcome, d.request && d.request.request ? d.request.request.kind : null, p);
  f.addEventListener('recorded', () => setTimeout(reload, 600));
  return f;
}

// "My decisions": the decisions a user recorded, newest first; opening one
// shows what was recorded since and lets the user add what the agency did next.
export function mineView(section, ctx) {
  const list = h('div', { id: 'mine-list' });
  const detail = h('div', { id: 'mine-detail', tabindex: '-1' });
  const more = h('p', {});
  let rows;
  const load = async (before) => {
    const q = new URLSearchParams({ limit: '50' });
    if (before) q.set('before', before);
    let r;
    try {
      r = await api(`/v1/decisions?${q}`);
    } catch (e) {
      return clear(list, errorBox(e));
    }
    const mine = r.decisions.filter((d) => d.token_id === ctx.me.id);
    if (!before) {
      rows = h('tbody', {});
      clear(list, h('div', { class: 'table-wrap' }, h('table', { id: 'mine-table' },
        h('caption', {}, 'Decisions you recorded, newest first'),
        h('thead', {}, h('tr', {}, ['#', 'Request date', 'Jurisdiction', 'Agency', 'Kind', 'Outcome', 'Acts recorded', 'Status'].map((t) => h('th', { scope: 'col' }, t)))), rows)));
    }
    for (const d of mine) {
      rows.append(h('tr', { id: `mine-row-${d.id}` },
        h('td', {}, h('a', { href: `#mine/${d.id}` }, `#${d.id}`)), h('td', { class: 'nowrap' }, d.date),
        h('td', {}, d.jurisdiction), h('td', {}, d.agency || '—'), h('td', {}, d.kind), h('td', {}, outcomeBadge(d.outcome)),
        h('td', {}, actWords(d.acts)), h('td', {}, d.superseded_by ? `corrected by #${d.superseded_by}` : d.supersedes ? `corrects #${d.supersedes}` : '')));
    }
    if (!before && !mine.length) clear(list, h('p', {}, 'You have recorded no decisions yet. Decide a request and press “Decide and record”.'));
    clear(more, r.next_before ? h('button', { type: 'button', class: 'secondary', onclick: () => load(r.next_before) }, 'Show older decisions') : null);
  };
  const show = async (id) => {
    if (!id) return clear(detail);
    let d;
    try {
      d = await api(`/v1/decisions/${encodeURIComponent(id)}`);
    } catch (e) {
      return clear(detail, errorBox(e));
    }
    clear(detail, h('section', { class: 'card', 'aria-labelledby': 'mine-h2' },
      h('h2', { id: 'mine-h2' }, `Decision #${d.id}`),
      h('p', { class: `outcome o-${d.decision.outcome}` }, outcomeBadge(d.decision.outcome, true), h('span', { class: 'summary' }, d.decision.summary.replace(/^[A-Z]+:\s*/, ''))),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Request'), h('dd', {}, `${d.request.request.kind} to ${d.request.agency || 'an agency'} (${d.request.jurisdiction}), ${d.request.date}`),
        h('dt', {}, 'Recorded'), h('dd', {}, when(d.logged_at)),
        d.supersedes ? [h('dt', {}, 'Corrects'), h('dd', {}, `#${d.supersedes}`)] : null,
        h('dt', {}, 'Actions'), h('dd', {}, actionList(d, 'mine'))),
      h('p', {}, h('a', { href: `#memo/${d.id}`, id: 'mine-memo', class: 'button secondary' }, 'Decision memo')),
      reopenForm(d, () => { show(id); load(); }, 'mine-act')));
    detail.focus();
  };
  section.onroute = (c) => show(c.arg);
  clear(section, h('h1', { id: 'mine-h' }, 'My decisions'),
    h('p', { class: 'lede' }, 'Reopen a decision to record what your agency did later: a hold, then a transfer, each with its date.'),
    detail, list, more);
  load();
  show(ctx.arg);
}

// The decision memo in the page, with print, PDF and a link to share. A
// shared link (#memo/r.…) carries the request without identifiers and
// decides it afresh as a draft.
export function memoView(section, ctx) {
  const frame = h('iframe', { id: 'memo-frame', title: 'Decision memo', sandbox: '' });
  const bar = h('div', { class: 'actions' });
  const msg = h('div', { 'aria-live': 'polite' });
  const show = async (arg) => {
    clear(msg);
    if (!arg) return clear(msg, h('p', {}, 'No memo chosen.'));
    let html;
    let pdf;
    let share = null;
    try {
      if (arg.startsWith('r.')) {
        const b64 = arg.slice(2).replace(/-/g, '+').replace(/_/g, '/');
        const json = decodeURIComponent(escape(atob(b64)));
        const q = `/v1/memo?request=${encodeURIComponent(json)}`;
        html = await (await api(q, { raw: true })).text();
        pdf = `${q}&format=pdf`;
        share = `#memo/${arg}`;
      } else {
        html = await (await api(`/v1/decisions/${encodeURIComponent(arg)}/memo`, { raw: true })).text();
        pdf = `/v1/decisions/${encodeURIComponent(arg)}/memo.pdf`;
        const d = await api(`/v1/decisions/${encodeURIComponent(arg)}`);
        share = memoLink(d.request);
      }
    } catch (e) {
      return clear(msg, errorBox(e));
    }
    frame.srcdoc = html;
    const link = `${location.origin}${location.pathname}${share}`;
    clear(bar,
      h('button', { type: 'button', class: 'primary', id: 'memo-print', onclick: () => openAuthed(pdf.replace(/memo\.pdf$/, 'memo').replace(/&format=pdf$/, '')) }, 'Open for printing'),
      h('button', { type: 'button', class: 'secondary', id: 'memo-pdf', onclick: () => openAuthed(pdf, `memo-${arg.startsWith('r.') ? 'draft' : arg}.pdf`) }, 'Download PDF'),
      h('input', { type: 'text', readonly: true, id: 'memo-share', value: link, 'aria-label': 'Shareable link: the request without identifiers', size: 40 }),
      h('p', { class: 'help' }, 'The shareable link carries the request with no name, booking or case number; whoever opens it (signed in) sees the same answer as a draft.'));
  };
  section.onroute = (c) => show(c.arg);
  clear(section, h('h1', { id: 'memo-h' }, 'Decision memo'), msg, bar, frame);
  show(ctx.arg);
}

// The period pickers follow the report's schedule: a year for annual reports, a quarter for quarterly ones.
export function reportsView(section) {
  const out = h('div', { id: 'reports-list' });
  clear(section, h('h1', { id: 'reports-h' }, 'Reports'),
    h('p', { class: 'lede' }, 'The reports the law requires, counted from the decision log by the date of each request. Fields the log cannot support are left empty with a note: fill those by hand.'),
    out);
  api('/v1/reports').then((r) => clear(out, r.reports.map(reportCard)), (e) => clear(out, errorBox(e)));
}

function reportCard(r) {
  const id = `rep-${r.id}`;
  const year = Number(today().slice(0, 4));
  // Default: the last complete quarter (and for annual reports, the last complete year).
  const month = Number(today().slice(5, 7));
  const lastQ = Math.floor((month - 1) / 3) || 4;
  const ends = r.schedules && r.schedules.length ? r.schedules[r.schedules.length - 1].period_ends : null;
  const annualYear = /^\d\d-\d\d$/.test(ends || '') && today().slice(5) > ends ? year : year - 1;
  const yIn = h('input', { id: `${id}-year`, type: 'number', min: 2000, max: year + 1, value: r.period === 'quarterly' ? (lastQ !== 4 ? year : year - 1) : annualYear, inputmode: 'numeric' });
  const qSel = h('select', { id: `${id}-q` }, [1, 2, 3, 4].map((q) => h('option', { value: q, selected: q === lastQ }, `Q${q}`)));
  const out = h('div', { 'aria-live': 'polite' });
  const params = (fmt) => {
    const q = new URLSearchParams(r.period === 'quarterly' ? { quarter: `${yIn.value}Q${qSel.value}` } : { year: yIn.value });
    if (fmt) q.set('format', fmt);
    return `/v1/reports/${encodeURIComponent(r.id)}?${q}`;
  };
  const guard = (f) => async () => {
    try {
      await f();
    } catch (e) {
      clear(out, errorBox(e));
    }
  };
  const show = guard(async () => {
    const v = await api(params());
    clear(out, h('p', { class: 'sr-only', role: 'status' }, `${r.title}: loaded.`),
      h('p', {}, `Period ${v.period.from} to ${v.period.to}: ${v.decisions_counted} decisions counted.`),
      v.schedule ? h('p', { class: 'small' }, h('cite', {}, v.schedule.citation), v.schedule.words ? `: “${v.schedule.words}”` : '') : null,
      v.flagged && v.flagged.length ? h('p', { class: 'warning', role: 'note', id: `${id}-flagged` },
        h('strong', {}, `${v.flagged.length} act${v.flagged.length === 1 ? '' : 's'} went against a decision that said the request was prohibited: `),
        v.flagged.map((x, i) => [i ? '; ' : '', `decision #${x.decision}, ${x.act.replace('_', ' ')} on ${x.date || '?'}${x.reason ? ` (reason: ${x.reason})` : ''}`])) : null,
      table(null, ['Paragraph', 'What the law asks for', 'Value', 'How it was counted'], v.fields.map((f) => h('tr', { 'data-field': f.name },
        h('td', { class: 'nowrap' }, f.paragraph || ''), h('td', {}, f.words || f.name),
        h('td', { class: 'num' }, f.value === null ? h('em', {}, 'fill by hand') : h('span', { class: 'value' }, `${f.value}`), f.value === null ? '' : ` ${f.unit || ''}`,
          f.breakdown ? h('ul', { class: 'plain small' }, Object.entries(f.breakdown).map(([k, n]) => h('li', {}, `${k}: ${n}`))) : null,
          f.flagged && f.flagged.length ? h('p', { class: 'small flag' }, `${f.flagged.length} flagged`) : null),
        h('td', { class: 'small' }, f.note || '')))));
  });
  const slug = () => (r.period === 'quarterly' ? `${yIn.value}Q${qSel.value}` : yIn.value);
  const card = h('section', { class: 'card', 'aria-labelledby': `${id}-h` },
    h('h2', { id: `${id}-h` }, r.title),
    h('p', {}, h('cite', {}, r.citation), ` — ${r.period}, agency: ${r.agency}`),
    h('form', { class: 'row-form', onsubmit: (ev) => { ev.preventDefault(); show(); } },
      h('div', { class: 'field' }, h('label', { for: `${id}-year` }, r.period === 'quarterly' ? 'Year' : 'Reporting year (ends in)'), yIn),
      r.period === 'quarterly' ? h('div', { class: 'field' }, h('label', { for: `${id}-q` }, 'Quarter'), qSel) : null,
      h('button', { type: 'submit', class: 'primary' }, 'Show'),
      h('button', { type: 'button', class: 'secondary', onclick: guard(() => openAuthed(params('csv'), `${r.id}-${slug()}.csv`)) }, 'Download CSV'),
      h('button', { type: 'button', class: 'secondary', onclick: guard(() => openAuthed(params('html'))) }, 'Open printable page (HTML)')),
    out);
  return card;
}
