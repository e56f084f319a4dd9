// The law browser: the provisions and court events in force in a jurisdiction on a date,
// and every version of its law.
import { api, h, $, clear, errorBox, outcomeBadge, citeLink, confidenceTag, today, table } from './ui.js';

export function jurisdictionSelect(id, laws, value) {
  const js = [...laws.jurisdictions].sort((a, b) => a.name.localeCompare(b.name));
  return h('select', { id, name: id, required: true },
    js.map((j) => h('option', { value: j.id, selected: j.id === value }, `${j.name} (${j.layer})`)));
}

export function lawView(section, ctx) {
  const jSel = jurisdictionSelect('law-j', ctx.laws, 'us-ny-nyc');
  const dIn = h('input', { id: 'law-date', type: 'date', value: today(), required: true });
  const out = h('div', { id: 'law-out' });
  const status = h('p', { class: 'sr-only', 'aria-live': 'polite' });
  const form = h('form', { class: 'card row-form', id: 'law-form' },
    h('div', { class: 'field' }, h('label', { for: 'law-j' }, 'Jurisdiction'), jSel),
    h('div', { class: 'field' }, h('label', { for: 'law-date' }, 'In force on'), dIn),
    h('button', { type: 'submit', class: 'primary' }, 'Show the law'));

  const show = async () => {
    clear(out, h('p', { class: 'muted' }, 'Loading…'));
    let l;
    try {
      l = await api(`/v1/laws/${encodeURIComponent(jSel.value)}?date=${encodeURIComponent(dIn.value || today())}`);
    } catch (e) {
      return clear(out, errorBox(e));
    }
    const here = (j) => (j === l.jurisdiction ? 'this jurisdiction' : j);
    clear(out,
      h('h2', { id: 'law-title' }, `${l.name} on ${l.as_of}`),
      h('p', {}, `This version of the law is in force from ${l.version.from}${l.version.until ? ` to ${l.version.until}` : ' onward'}. `,
        `It combines the layers ${l.chain.join(' → ')}.`),
      h('h3', {}, `Provisions in force (${l.provisions.length})`),
      table(null, ['Provision', 'Rule in plain English', 'Outcome', 'In force', 'Confidence'],
        l.provisions.map((p) => h('tr', {},
          h('td', {}, citeLink(p.citation, p.source), h('br'), h('span', { class: 'muted small' }, here(p.jurisdiction))),
          h('td', {}, p.title, p.quote ? h('details', {}, h('summary', {}, 'Text'), h('blockquote', {}, `“${p.quote}”`)) : null),
          h('td', {}, outcomeBadge(p.outcome)),
          h('td', { class: 'nowrap' }, p.effective),
          h('td', {}, confidenceTag(p.confidence)))), 'law-provisions'),
      h('h3', {}, 'Court orders and other events in force'),
      l.events.length
        ? table(null, ['Event', 'Kind', 'Dates', 'Affects'], l.events.map((e) => h('tr', {},
          h('td', {}, h('strong', {}, e.title), h('br'), citeLink(e.citation, e.source)),
          h('td', {}, e.kind),
          h('td', { class: 'nowrap' }, `${e.date} ..${e.until ? ` ${e.until}` : ''}`),
          h('td', {}, e.targets.join(', ')))), 'law-events')
        : h('p', {}, 'None.'),
      l.suspended.length ? [h('h3', {}, 'Provisions not applied because of these events'),
        h('ul', {}, l.suspended.map((s) => h('li', {}, h('cite', {}, s.citation), ` (${s.rule}, by ${s.event})`)))] : null,
      h('h3', {}, `Version history (${l.history.length} versions)`),
      table(null, ['From', 'Until', 'Provisions', 'Events', ''], l.history.map((v) => {
        const current = v.from === l.version.from;
        return h('tr', { class: current ? 'current' : null },
          h('td', { class: 'nowrap' }, v.from), h('td', { class: 'nowrap' }, v.until || '—'),
          h('td', {}, v.provisions), h('td', {}, v.events),
          h('td', {}, current ? h('strong', {}, 'shown above')
            : h('button', { type: 'button', class: 'link', onclick: async () => { dIn.value = v.from; await show(); $('#law-title').focus(); } },
              `Show the law of ${v.from}`)));
      }), 'law-history'));
    $('#law-title').setAttribute('tabindex', '-1');
    status.textContent = `Showing the law of ${l.name} on ${l.as_of}: ${l.provisions.length} provisions.`;
  };
  form.addEventListener('submit', (ev) => { ev.preventDefault(); show(); });
  clear(section, h('h1', { id: 'law-h' }, 'Law in force'),
    h('p', { class: 'lede' }, 'Read what the law of a place said on a given day: each provision with its citation and source, the court orders that changed it, and its history.'),
    form, status, out);
  show();
}
