// The map in the console's Compare view: map.js draws it; this file feeds it from the API,
// one /v1/compare call per date the slider stops on (cached), for the states and D.C.
import { api, h, errorBox, today } from './ui.js';
import { KINDS } from './decide.js';
import { mapWidget } from './map.js';
import { US_STATES } from './us-states.js';

export function mapSection() {
  const box = h('div', { id: 'map-box' }, h('p', { class: 'muted' }, 'Loading the map…'));
  (async () => {
    let idx;
    try {
      idx = await api('/v1/map');
    } catch (e) {
      box.replaceChildren(errorBox(e));
      return;
    }
    const ids = idx.states.map((s) => s.id);
    const cache = new Map();
    const load = (date) => {
      if (!cache.has(date)) {
        const q = new URLSearchParams({ date, jurisdictions: ids.join(',') });
        const p = api(`/v1/compare?${q}`).then((m) => new Map(m.rows.map((row, i) => [ids[i], row])));
        // A failed date is asked again next time rather than remembered as failed.
        p.catch(() => cache.delete(date));
        cache.set(date, p);
      }
      return cache.get(date);
    };
    box.replaceChildren(mapWidget({
      shapes: US_STATES,
      kinds: idx.kinds,
      kindLabel: (k) => (KINDS[k] ? KINDS[k].split(' —')[0] : k),
      dates: idx.dates,
      date: today(),
      kind: 'detainer',
      names: new Map(idx.states.map((s) => [s.id, s.name])),
      load,
    }));
  })();
  return box;
}
