// The national map: every state and D.C. coloured by what its law does with one kind of
// request on one day, a slider through the dates the law changed, a cell with its
// citations on click, export as SVG and PNG, and the same content as a table.
// No imports: the console imports this module, and `brightline compare --format html`
// inlines it, so a saved page works with no server.

// Class, words, fill. Fills are SVG attributes (not CSS), so an exported SVG keeps them.
// The Okabe-Ito colours, told apart with the common colour-vision deficiencies.
export const MAP_CLASSES = [
  ['prohibited', 'Prohibited', '#d55e00'],
  ['permitted_only_if', 'Permitted only if …', '#e69f00'],
  ['required', 'Required', '#0072b2'],
  ['cannot_be_restricted', 'Cannot be restricted', '#cc79a7'],
  ['permitted', 'Permitted', '#009e73'],
  ['no_rule', 'No rule', '#c4c8cc'],
  ['not_decided', 'Not decided', '#ffffff'],
];
const WORDS = Object.fromEntries(MAP_CLASSES.map(([c, w]) => [c, w]));
const FILL = Object.fromEntries(MAP_CLASSES.map(([c, , f]) => [c, f]));
const SVGNS = 'http://www.w3.org/2000/svg';
const MAP_H = 610;
const FOOT = 80; // room under the map for the caption and the legend, so an export stands alone

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of kids.flat(Infinity)) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}
function sv(tag, attrs, ...kids) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) e.setAttribute(k, String(v));
  for (const c of kids.flat(Infinity)) if (c !== null && c !== undefined) e.append(c);
  return e;
}

function ensureStyle() {
  if (document.getElementById('usmap-style')) return;
  document.head.append(el('style', { id: 'usmap-style' }, `
.usmap .map-controls { display: flex; flex-wrap: wrap; gap: .75rem 1.25rem; align-items: end; margin: .5rem 0; }
.usmap .map-controls label { display: block; font-weight: 600; font-size: .9rem; }
.usmap input[type=range] { width: min(32rem, 80vw); }
.usmap output { font-variant-numeric: tabular-nums; font-weight: 600; margin-left: .5rem; }
.usmap svg { width: 100%; max-width: 975px; height: auto; display: block; }
.usmap path.state, .usmap circle.marker { cursor: pointer; }
.usmap path.state:hover { stroke: #111; stroke-width: 1.5; }
.usmap path.state:focus { outline: 3px solid #0b57d0; outline-offset: 1px; stroke: #111; stroke-width: 2; }
.usmap path.state.selected { stroke: #111; stroke-width: 2.5; }
.usmap .map-legend { display: flex; flex-wrap: wrap; gap: .35rem .9rem; list-style: none; padding: 0; margin: .5rem 0; }
.usmap .map-legend li { display: flex; align-items: center; gap: .35rem; font-size: .9rem; }
.usmap .swatch { display: inline-block; width: 1rem; height: 1rem; border: 1px solid #555; }
.usmap .map-cell { border: 1px solid #888; border-radius: 4px; padding: .5rem .75rem; margin: .5rem 0; min-height: 2.5rem; }
.usmap .map-cell h3 { margin: .1rem 0 .3rem; font-size: 1.05rem; }
.usmap .map-cell ul { margin: .3rem 0; padding-left: 1.2rem; }
.usmap table { border-collapse: collapse; font-size: .85rem; }
.usmap th, .usmap td { border: 1px solid #999; padding: .2rem .4rem; text-align: left; vertical-align: top; }
.usmap button { font: inherit; padding: .3rem .7rem; }
`));
}

/// Builds the map. `opts`:
///  shapes: the US_STATES data (us-states.js); kinds: request kinds in cell order;
///  kindLabel(k): words for a kind; dates: 'YYYY-MM-DD' slider stops, ascending;
///  date, kind: where to start; names: Map id → name (default the shapes' names);
///  load(date): Promise of Map id → [cell for each kind], cells as `brightline compare` gives them.
export function mapWidget(opts) {
  ensureStyle();
  const { shapes, kinds, dates, load } = opts;
  const kindLabel = opts.kindLabel || ((k) => k);
  const names = opts.names || new Map(shapes.states.map((s) => [s.id, s.name]));
  let at = Math.max(0, dates.findLastIndex((d) => d <= (opts.date || dates[dates.length - 1])));
  let kind = kinds.includes(opts.kind) ? opts.kind : kinds[0];
  let cells = new Map();
  let shownDate = dates[at];
  let selected = null;
  let seq = 0;

  const kindSel = el('select', { id: 'map-kind' }, kinds.map((k) => el('option', { value: k, selected: k === kind }, kindLabel(k))));
  const slider = el('input', { id: 'map-date', type: 'range', min: 0, max: dates.length - 1, step: 1, value: at, 'aria-valuetext': dates[at] });
  const dateOut = el('output', { id: 'map-date-label', for: 'map-date' }, dates[at]);
  const status = el('p', { class: 'sr-only', 'aria-live': 'polite', id: 'map-status' });
  const download = el('a', { id: 'map-download', hidden: true });
  const svgBtn = el('button', { type: 'button', id: 'map-svg' }, 'Export SVG');
  const pngBtn = el('button', { type: 'button', id: 'map-png' }, 'Export PNG');
  const cellBox = el('div', { id: 'map-cell', class: 'map-cell', tabindex: '-1', 'aria-live': 'polite' },
    el('p', {}, 'Select a state to see its law and the provisions it rests on: click it, or Tab to the map, move between states with the arrow keys (in alphabetical order) and press Enter.'));
  const legend = el('ul', { class: 'map-legend', id: 'map-legend', 'aria-label': 'Legend' });
  const tbody = el('tbody');
  const table = el('table', { id: 'map-table' },
    el('caption', { id: 'map-table-caption' }),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'State'), el('th', { scope: 'col' }, 'Outcome'), el('th', { scope: 'col' }, 'Condition'), el('th', { scope: 'col' }, 'Provisions'))),
    tbody);

  const svgTitle = sv('title', { id: 'map-svg-title' });
  const caption = sv('text', { x: 10, y: MAP_H + 22, 'font-family': 'system-ui, sans-serif', 'font-size': 16, fill: '#111' });
  const svgLegend = sv('g', { transform: `translate(10 ${MAP_H + 40})`, 'font-family': 'system-ui, sans-serif', 'font-size': 12, fill: '#111' },
    // Each entry as wide as its words (about 7 units a character at this size).
    MAP_CLASSES.map(([, w, f], i) => sv('g', { transform: `translate(${MAP_CLASSES.slice(0, i).reduce((x, [, t]) => x + 40 + t.length * 7, 0)} 0)` },
      sv('rect', { width: 14, height: 14, fill: f, stroke: '#555' }),
      sv('text', { x: 19, y: 12 }, w))));
  const paths = new Map();
  const statesG = sv('g', { id: 'map-states', stroke: '#ffffff', 'stroke-width': 0.75, 'stroke-linejoin': 'round' });
  const open = (id) => { selected = id; showCell(); };
  // One tab stop for the whole map (a roving tabindex): 51 stops would bury what follows.
  const order = [...shapes.states].sort((a, b) => (names.get(a.id) || a.name).localeCompare(names.get(b.id) || b.name)).map((s) => s.id);
  const rove = (id) => {
    for (const [k, q] of paths) q.setAttribute('tabindex', k === id ? '0' : '-1');
    paths.get(id).focus();
  };
  const STEP = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
  for (const s of shapes.states) {
    const p = sv('path', { d: s.d, class: 'state', id: `map-${s.id}`, 'data-id': s.id, tabindex: s.id === order[0] ? 0 : -1, role: 'button', fill: FILL.no_rule },
      sv('title', {}, names.get(s.id) || s.name));
    p.addEventListener('click', () => open(s.id));
    p.addEventListener('focus', () => { for (const [k, q] of paths) q.setAttribute('tabindex', k === s.id ? '0' : '-1'); });
    p.addEventListener('keydown', (ev) => {
      const i = order.indexOf(s.id);
      if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); open(s.id); }
      else if (STEP[ev.key]) { ev.preventDefault(); rove(order[(i + STEP[ev.key] + order.length) % order.length]); }
      else if (ev.key === 'Home') { ev.preventDefault(); rove(order[0]); }
      else if (ev.key === 'End') { ev.preventDefault(); rove(order[order.length - 1]); }
    });
    paths.set(s.id, p);
    statesG.append(p);
  }
  // D.C. is a few pixels across at this scale: a ringed dot marks it and takes its clicks.
  const markers = sv('g', { 'aria-hidden': 'true' }, shapes.states.filter((s) => s.area < 50).map((s) => {
    const m = sv('circle', { class: 'marker', 'data-id': s.id, cx: s.cx, cy: s.cy, r: 5, fill: FILL.no_rule, stroke: '#111', 'stroke-width': 1.2 });
    m.addEventListener('click', () => open(s.id));
    return m;
  }));
  const svg = sv('svg', { id: 'us-map', xmlns: SVGNS, viewBox: `0 0 ${shapes.width} ${MAP_H + FOOT}`, role: 'group', 'aria-labelledby': 'map-svg-title' },
    svgTitle, sv('rect', { width: shapes.width, height: MAP_H + FOOT, fill: '#ffffff' }), statesG, markers, caption, svgLegend);

  const cellOf = (id) => {
    const row = cells.get(id);
    return row ? row[kinds.indexOf(kind)] : null;
  };
  const classOf = (id) => (cellOf(id) || { class: 'no_rule' }).class;
  // "Permitted only if" reads on into its condition; other classes take "if".
  const says = (c, cls) => (cls === 'permitted_only_if' && c && c.condition
    ? `Permitted only if ${c.condition}${c.unless ? ` unless ${c.unless}` : ''}`
    : `${WORDS[cls] || cls}${c && condText(c) ? ` ${condText(c)}` : ''}`);
  const condText = (c) => [c.condition ? `${c.class === 'permitted_only_if' ? '' : 'if '}${c.condition}` : '', c.unless ? `unless ${c.unless}` : '']
    .filter(Boolean).join(' ');

  function showCell() {
    for (const [id, p] of paths) p.classList.toggle('selected', id === selected);
    if (!selected) return;
    const c = cellOf(selected);
    const name = names.get(selected) || selected;
    // replaceChildren does not flatten arrays; a wrapper that does.
    const box = el('div', {},
      el('h3', { id: 'map-cell-h' }, `${name}: ${kindLabel(kind)} on ${shownDate}`),
      c ? [
        el('p', {}, el('strong', { class: 'map-cell-class' }, WORDS[c.class] || c.class), condText(c) ? ` ${condText(c)}` : '',
          el('span', {}, ` (agency asked: ${c.agency})`)),
        c.note ? el('p', { class: 'map-cell-note' }, c.note) : null,
        c.citations.length
          ? [el('p', {}, 'Provisions:'), el('ul', { id: 'map-cell-citations' }, c.citations.map((x) => el('li', {}, el('cite', {}, x))))]
          : el('p', {}, 'No provision of this jurisdiction decides it; the federal default applies where the cell says so.'),
      ] : el('p', {}, 'No law encoded for this jurisdiction on this date.'));
    cellBox.replaceChildren(...box.childNodes);
  }

  function paint() {
    const counts = {};
    tbody.replaceChildren();
    for (const s of shapes.states) {
      const cls = classOf(s.id);
      counts[cls] = (counts[cls] || 0) + 1;
      const p = paths.get(s.id);
      const name = names.get(s.id) || s.name;
      const c = cellOf(s.id);
      p.setAttribute('fill', FILL[cls] || FILL.no_rule);
      p.setAttribute('data-class', cls);
      p.setAttribute('aria-label', `${name}: ${WORDS[cls] || cls}`);
      p.firstChild.textContent = `${name}: ${says(c, cls)}`;
      tbody.append(el('tr', {}, el('th', { scope: 'row' }, name), el('td', {}, WORDS[cls] || cls),
        el('td', {}, c ? condText(c) : ''), el('td', {}, c ? c.citations.join('; ') : '')));
    }
    for (const m of markers.children) m.setAttribute('fill', FILL[classOf(m.dataset.id)] || FILL.no_rule);
    const what = `${kindLabel(kind)}: what each state's law does, on ${shownDate}`;
    svgTitle.textContent = what;
    caption.textContent = what;
    table.querySelector('caption').textContent = what;
    legend.replaceChildren(...MAP_CLASSES.map(([c, w, f]) => el('li', {},
      el('span', { class: 'swatch', style: `background:${f}`, 'aria-hidden': 'true' }), `${w} (${counts[c] || 0})`)));
    status.textContent = `Map of ${kindLabel(kind)} on ${shownDate}.`;
    svg.setAttribute('data-date', shownDate);
    svg.setAttribute('data-kind', kind);
    showCell();
  }

  async function refresh() {
    const mine = ++seq;
    const d = dates[at];
    slider.setAttribute('aria-valuetext', d);
    dateOut.textContent = d;
    let got;
    try {
      got = await load(d);
    } catch (e) {
      status.textContent = `Could not load the map for ${d}: ${e.message || e}`;
      cellBox.replaceChildren(el('p', { class: 'error', role: 'alert' }, status.textContent));
      return;
    }
    if (mine !== seq) return; // a later move of the slider won
    cells = got;
    shownDate = d;
    paint();
  }

  const fileName = (ext) => `brightline-map-${kind}-${shownDate}.${ext}`;
  const svgText = () => `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(svg)}\n`;
  function offer(blob, name) {
    if (download.href) URL.revokeObjectURL(download.href);
    download.href = URL.createObjectURL(blob);
    download.download = name;
    download.dataset.bytes = String(blob.size);
    download.dataset.type = blob.type;
    download.textContent = `Download ${name} (${Math.ceil(blob.size / 1024)} KB)`;
    download.hidden = false;
    download.click();
  }
  svgBtn.addEventListener('click', () => offer(new Blob([svgText()], { type: 'image/svg+xml' }), fileName('svg')));
  pngBtn.addEventListener('click', () => {
    // Drawn from the same SVG, at twice its size, on a canvas: no server, no library.
    const img = new Image();
    const url = URL.createObjectURL(new Blob([svgText()], { type: 'image/svg+xml' }));
    img.onload = () => {
      const scale = 2;
      const canvas = document.createElement('canvas');
      canvas.width = shapes.width * scale;
      canvas.height = (MAP_H + FOOT) * scale;
      const g = canvas.getContext('2d');
      g.scale(scale, scale);
      g.drawImage(img, 0, 0, shapes.width, MAP_H + FOOT);
      URL.revokeObjectURL(url);
      canvas.toBlob((b) => (b ? offer(b, fileName('png')) : (status.textContent = 'PNG export failed.')), 'image/png');
    };
    img.onerror = () => { URL.revokeObjectURL(url); status.textContent = 'PNG export failed.'; };
    img.src = url;
  });
  slider.addEventListener('input', () => { at = Number(slider.value); refresh(); });
  kindSel.addEventListener('change', () => { kind = kindSel.value; paint(); });

  const root = el('section', { class: 'usmap', id: 'usmap', 'aria-labelledby': 'map-h' },
    el('h2', { id: 'map-h' }, 'Map: every state and D.C.'),
    el('div', { class: 'map-controls' },
      el('div', {}, el('label', { for: 'map-kind' }, 'Request'), kindSel),
      el('div', {}, el('label', { for: 'map-date' }, 'Law in force on'), slider, dateOut),
      el('div', {}, svgBtn, ' ', pngBtn, ' ', download)),
    status, legend, svg, cellBox,
    el('details', { id: 'map-alt' }, el('summary', {}, 'The map as a table'), table),
    el('p', { class: 'small' }, `Boundaries: ${shapes.source}.`));
  refresh();
  return root;
}
