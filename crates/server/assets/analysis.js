// Compare (jurisdictions × request kinds) and diff (where two laws decide differently).
// app.js links these views only when the server has the routes.
import { api, h, $, clear, errorBox, outcomeBadge, today, table } from './ui.js';
import { KINDS, AGENCIES } from './decide.js';
import { jurisdictionSelect } from './law.js';
import { mapSection } from './mapview.js';

const CLASS_WORDS = {
  prohibited: 'Prohibited', permitted_only_if: 'Permitted only if', required: 'Required',
  cannot_be_restricted: 'Cannot be restricted', permitted: 'Permitted', no_rule: 'No rule',
  not_decided: 'Not decided',
};
// A long condition folds away so the matrix stays readable; a short one is shown inline.
const condition = (text) => (text.length <= 80 ? h('span', { class: 'cond' }, ` ${text}`)
  : h('details', { class: 'cond' }, h('summary', {}, `${text.slice(0, 60).replace(/\s+\S*$/, '')} …`), text));
const shortKind = (k) => KINDS[k] ? KINDS[k].split(' —')[0] : k;

// Exports for counsel: CSV of the data, and a standalone HTML page of what is on screen.
// Offered through the view's own link (as the map does): clicked at once, and left
// on the page as "Download <file>" in case the browser held the download back.
function download(link, text, filename, type) {
  const blob = new Blob([text], { type: `${type};charset=utf-8` });
  if (link.href) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(blob);
  link.download = filename;
  link.dataset.type = type;
  link.textContent = `Download ${filename} (${Math.ceil(blob.size / 1024)} KB)`;
  link.hidden = false;
  link.click();
}
const csvCell = (v) => {
  const t = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
};
const csvOf = (rows) => `${rows.map((r) => r.map(csvCell).join(',')).join('\n')}\n`;
function compareCsv(m) {
  const rows = [['jurisdiction', 'kind', 'agency', 'class', 'condition', 'unless', 'citations', 'note']];
  for (const row of m.rows) for (const c of row) rows.push([c.jurisdiction, c.kind, c.agency, c.class, c.condition, c.unless, c.citations.join('; '), c.note]);
  return csvOf(rows);
}
function diffCsv(d) {
  const rows = [['section', 'provision_or_region', 'kinds', 'agencies', 'when', 'a_outcome', 'b_outcome', 'a_provisions', 'b_provisions']];
  for (const c of d.summary || []) rows.push(['summary', c.citation, c.kinds.join('; '), c.agencies.join('; '), c.side, c.outcomes.join('; '), '', '', '']);
  d.regions.forEach((r, i) => rows.push(['region', i + 1, r.kinds.join('; '), r.agencies.join('; '), r.when.join(' AND '), r.a.outcome, r.b.outcome,
    r.a.provisions.map((p) => p.citation).join('; '), r.b.provisions.map((p) => p.citation).join('; ')]));
  return csvOf(rows);
}
// The element's own markup (built with textContent, so nothing from the server is markup) in a page of its own,
// without the export buttons and link.
function pageOf(el, title) {
  const copy = el.cloneNode(true);
  copy.querySelectorAll('.actions').forEach((a) => a.remove());
  const t = h('title', {}, title).outerHTML;
  const style = 'body{font-family:system-ui,sans-serif;margin:1.5rem;color:#111}table{border-collapse:collapse}th,td{border:1px solid #bbb;padding:.3rem;vertical-align:top;text-align:left}button{display:none}details>*{display:block}';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">${t}<style>${style}</style></head><body><h1>${h('span', {}, title).innerHTML}</h1>${copy.innerHTML}<p>Not legal advice. brightline.</p></body></html>`;
}

export function compareView(section, ctx) {
  const dIn = h('input', { id: 'cmp-date', type: 'date', value: today(), required: true });
  const aSel = h('select', { id: 'cmp-agency' }, h('option', { value: '' }, 'The agency usually asked, for each kind'),
    Object.entries(AGENCIES).map(([v, t]) => h('option', { value: v }, t)));
  const out = h('div', { id: 'cmp-out' });
  const status = h('p', { class: 'sr-only', 'aria-live': 'polite' });
  // Which jurisdictions: none ticked means all of them.
  const picks = h('fieldset', { class: 'field set', id: 'cmp-jurisdictions' }, h('legend', {}, 'Jurisdictions (none ticked: all)'),
    h('div', { class: 'checks' }, [...ctx.laws.jurisdictions].sort((a, b) => a.name.localeCompare(b.name)).map((j) =>
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'cmp-j', value: j.id }), ` ${j.name}`))));
  const form = h('form', { class: 'card' },
    h('div', { class: 'row-form' },
      h('div', { class: 'field' }, h('label', { for: 'cmp-date' }, 'Law in force on'), dIn),
      h('div', { class: 'field' }, h('label', { for: 'cmp-agency' }, 'Agency'), aSel),
      h('button', { type: 'submit', class: 'primary' }, 'Compare')),
    picks);
  const names = new Map(ctx.laws.jurisdictions.map((j) => [j.id, j.name]));
  const run = async () => {
    clear(out, h('p', { class: 'muted' }, 'Comparing…'));
    const q = new URLSearchParams({ date: dIn.value || today() });
    if (aSel.value) q.set('agency', aSel.value);
    const chosen = [...picks.querySelectorAll('input:checked')].map((c) => c.value);
    if (chosen.length) q.set('jurisdictions', chosen.join(','));
    let m;
    try {
      m = await api(`/v1/compare?${q}`);
    } catch (e) {
      return clear(out, errorBox(e));
    }
    status.textContent = `Compared ${m.rows.length} jurisdictions on ${m.date}.`;
    const grid = h('div', { class: 'table-wrap' });
    const link = h('a', { id: 'cmp-download', hidden: true });
    clear(out, h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'secondary', id: 'cmp-csv', onclick: () => download(link, compareCsv(m), `compare-${m.date}.csv`, 'text/csv') }, 'Download CSV'),
      h('button', { type: 'button', class: 'secondary', id: 'cmp-html', onclick: () => download(link, pageOf(grid, `What each law does with each kind of request, on ${m.date}`), `compare-${m.date}.html`, 'text/html') }, 'Download HTML'),
      link), grid);
    clear(grid, h('table', { class: 'matrix', id: 'matrix' },
      h('caption', {}, `What each law does with each kind of request, on ${m.date}`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Jurisdiction'), m.kinds.map((k) => h('th', { scope: 'col' }, shortKind(k))))),
      h('tbody', {}, m.rows.map((row) => h('tr', {},
        h('th', { scope: 'row' }, names.get(row[0] && row[0].jurisdiction) || (row[0] && row[0].jurisdiction)),
        row.map((c) => h('td', { class: `cell k-${c.class}` },
          h('span', { class: 'cls' }, CLASS_WORDS[c.class] || c.class),
          c.condition ? condition(`${c.class === 'permitted_only_if' ? '' : 'if '}${c.condition}`) : null,
          c.unless ? h('span', { class: 'cond' }, ` unless ${c.unless}`) : null,
          h('span', { class: 'muted small agency' }, ` (${c.agency})`),
          c.note ? h('span', { class: 'muted small' }, ` ${c.note}`) : null,
          c.citations.length ? h('details', {}, h('summary', {}, `${c.citations.length} provision${c.citations.length > 1 ? 's' : ''}`),
            h('ul', { class: 'plain small' }, c.citations.map((x) => h('li', {}, h('cite', {}, x))))) : null)))))));
  };
  form.addEventListener('submit', (ev) => { ev.preventDefault(); run(); });
  clear(section, h('h1', { id: 'compare-h' }, 'Compare jurisdictions'),
    h('p', { class: 'lede' }, 'For each jurisdiction and kind of request: is it prohibited, permitted (and under what condition), or required? Open a cell’s provisions to see what it rests on; decide a concrete request for the full answer.'),
    mapSection(), form, status, out);
  run();
}

export function diffView(section, ctx) {
  const side = (s, j, d, word) => h('fieldset', { class: 'side' }, h('legend', {}, word),
    h('div', { class: 'field' }, h('label', { for: `diff-${s}-j` }, 'Jurisdiction'), jurisdictionSelect(`diff-${s}-j`, ctx.laws, j)),
    h('div', { class: 'field' }, h('label', { for: `diff-${s}-d` }, 'Date'), h('input', { id: `diff-${s}-d`, type: 'date', value: d, required: true })));
  const out = h('div', { id: 'diff-out' });
  const status = h('p', { class: 'sr-only', 'aria-live': 'polite' });
  const form = h('form', { class: 'card' },
    h('div', { class: 'sides' }, side('a', 'us-ny-nyc', '2017-01-01', 'Law A'), side('b', 'us-ny-nyc', today(), 'Law B')),
    h('button', { type: 'submit', class: 'primary' }, 'Show the differences'));
  const val = (id) => $(`#${id}`, form).value;
  const run = async () => {
    clear(out, h('p', { class: 'muted' }, 'Comparing…'));
    let d;
    try {
      d = await api('/v1/diff', { method: 'POST', body: {
        a: { jurisdiction: val('diff-a-j'), date: val('diff-a-d') }, b: { jurisdiction: val('diff-b-j'), date: val('diff-b-d') } } });
    } catch (e) {
      return clear(out, errorBox(e));
    }
    status.textContent = d.equivalent ? 'No differences.' : `${d.regions.length} differences found.`;
    const lawName = (x) => `${x.jurisdiction} on ${x.date} (version ${x.version})`;
    const provs = (s) => h('ul', { class: 'plain small' }, s.provisions.map((p) => h('li', {}, h('cite', {}, p.citation))));
    const link = h('a', { id: 'diff-download', hidden: true });
    clear(out,
      h('h2', {}, d.equivalent ? 'The two laws decide every request the same way.' : `${d.regions.length} ways the two laws decide differently`),
      h('p', {}, `A: ${lawName(d.a)}. B: ${lawName(d.b)}. `,
        `Of ${d.points.toLocaleString('en-US')} distinct requests examined, ${d.differing_points.toLocaleString('en-US')} are decided differently.`),
      d.summary && d.summary.length ? h('section', { class: 'card', id: 'diff-summary', 'aria-labelledby': 'diff-summary-h' },
        h('h3', { id: 'diff-summary-h' }, 'What changed, by provision'),
        table(null, ['Provision', 'Where it decides', 'Requests', 'Outcome (A → B)', 'Regions'], d.summary.map((c) => h('tr', {},
          h('td', {}, h('cite', {}, c.citation)),
          h('td', {}, c.side === 'b' ? `only under B (${d.b.jurisdiction}, ${d.b.date})` : c.side === 'a' ? `only under A (${d.a.jurisdiction}, ${d.a.date})` : 'under both, differently'),
          h('td', {}, `${c.kinds.map(shortKind).join(', ')} — ${c.agencies.map((a) => AGENCIES[a] || a).join(', ')}`),
          h('td', {}, c.outcomes.join('; ')), h('td', { class: 'num' }, String(c.regions))))),
        h('p', { class: 'help' }, 'Each provision with the requests it now decides differently; the regions below give the facts.')) : null,
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', id: 'diff-csv', onclick: () => download(link, diffCsv(d), `diff-${d.a.jurisdiction}-${d.a.date}-${d.b.jurisdiction}-${d.b.date}.csv`, 'text/csv') }, 'Download CSV'),
        h('button', { type: 'button', class: 'secondary', id: 'diff-html', onclick: () => download(link, pageOf(out, `What changed: ${lawName(d.a)} → ${lawName(d.b)}`), 'diff.html', 'text/html') }, 'Download HTML'),
        link),
      d.regions.map((r, i) => h('section', { class: 'region card inset', 'aria-labelledby': `region-${i}` },
        h('h3', { id: `region-${i}` }, `${i + 1}. ${r.kinds.map(shortKind).join(', ')} — ${r.agencies.map((a) => AGENCIES[a] || a).join(', ')}`),
        r.when.length ? [h('p', {}, 'When all of these hold:'), h('ul', {}, r.when.map((w) => h('li', {}, h('code', {}, w))))]
          : h('p', {}, 'For every request of this kind.'),
        h('div', { class: 'ab' },
          h('div', {}, h('p', {}, h('strong', {}, 'A: '), outcomeBadge(r.a.outcome)), provs(r.a)),
          h('div', {}, h('p', {}, h('strong', {}, 'B: '), outcomeBadge(r.b.outcome)), provs(r.b))),
        r.check && !r.check.agrees ? h('p', { class: 'error' }, `The worked example does not decide as this region says${r.check.note ? `: ${r.check.note}` : '.'}`) : null,
        h('details', {}, h('summary', {}, 'An example request in this region'), h('pre', {}, JSON.stringify(r.example, null, 2))))),
      d.undecided.length ? [h('h3', {}, 'Not compared'), h('ul', {}, d.undecided.map((u) => h('li', {}, u)))] : null,
      h('details', {}, h('summary', {}, 'What this comparison covers'), h('ul', {}, d.scope.map((s) => h('li', {}, s)))));
  };
  form.addEventListener('submit', (ev) => { ev.preventDefault(); run(); });
  clear(section, h('h1', { id: 'diff-h' }, 'What changed between two laws'),
    h('p', { class: 'lede' }, 'Pick two laws — the same place on two dates, or two places — to see every kind of request they decide differently, with the provisions on each side.'),
    form, status, out);
}
