// The decision log (counsel, auditor), its verification (auditor) and the
// statutory reports (counsel). app.js renders these only for those roles.
import { api, h, $, clear, errorBox, outcomeBadge, table, openAuthed, today } from './ui.js';
import { KINDS } from './decide.js';

const when = (t) => (t || '').replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
const yesNo = (v) => (v === true ? 'yes' : v === false ? 'no' : '—');

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
        h('thead', {}, h('tr', {}, ['#', 'Logged', 'By', 'Jurisdiction', 'Agency', 'Date', 'Kind', 'Outcome', 'Acted', 'Transferred']
          .map((t) => h('th', { scope: 'col' }, t)))), rows)) : h('p', {}, 'No decisions match.'));
    }
    for (const d of r.decisions) {
      rows.append(h('tr', {},
        h('td', {}, h('a', { href: `#log/${d.id}` }, `#${d.id}`)),
        h('td', { class: 'nowrap' }, when(d.logged_at)), h('td', {}, d.token_name || d.token_id),
        h('td', {}, d.jurisdiction), h('td', {}, d.agency || '—'), h('td', { class: 'nowrap' }, d.date),
        h('td', {}, d.kind), h('td', {}, outcomeBadge(d.outcome)),
        h('td', {}, yesNo(d.acted)), h('td', {}, yesNo(d.transferred))));
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
        h('dt', {}, 'Actions'), h('dd', {}, d.actions.length ? h('ul', { class: 'plain' }, d.actions.map((a) =>
          h('li', {}, `${when(a.logged_at)}: acted ${yesNo(a.acted)}, transferred ${yesNo(a.transferred)}${a.note ? ` — ${a.note}` : ''}`))) : 'none recorded')),
      h('details', {}, h('summary', {}, 'The request as logged (identifiers are kept only as a keyed hash)'), h('pre', {}, JSON.stringify(d.request, null, 2))),
      h('button', { type: 'button', class: 'secondary', onclick: replay }, 'Replay under the running law'), replayOut));
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
      table(null, ['Paragraph', 'What the law asks for', 'Value', 'How it was counted'], v.fields.map((f) => h('tr', {},
        h('td', { class: 'nowrap' }, f.paragraph || ''), h('td', {}, f.words || f.name),
        h('td', { class: 'num' }, f.value === null ? h('em', {}, 'fill by hand') : `${f.value} ${f.unit || ''}`,
          f.breakdown ? h('ul', { class: 'plain small' }, Object.entries(f.breakdown).map(([k, n]) => h('li', {}, `${k}: ${n}`))) : null),
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
