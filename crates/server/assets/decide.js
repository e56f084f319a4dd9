// The decision form and the answer. The form builds the request contract
// (schema/request.schema.json); a fact left at "Not known" is left out, so the
// engine reports it as missing instead of assuming it.
import { api, h, $, clear, errorBox, outcomeBadge, citeLink, confidenceTag, today, newKey, OUTCOME_WORDS } from './ui.js';

// The request contract's value lists come from the server (GET /v1/schema,
// built from the engine's own schema), so the form cannot drift from it.
// Only the words for each value are kept here; a value without words is
// shown as it is spelled in the contract, never left out.
const contract = await fetch('/v1/schema').then((r) => r.json());
const contractFact = (path) => contract.facts.find((f) => f.path === path) || {};
const listField = (list, name) => ((contract.lists.find((l) => l.path === list) || { fields: [] })
  .fields.find((f) => f.name === name || f.path === name) || {});
// The contract's values, in the order of `words` where it has them.
function choices(values, words) {
  const known = Object.keys(words).filter((v) => values.includes(v));
  const rest = values.filter((v) => !(v in words));
  return Object.fromEntries([...known.map((v) => [v, words[v]]), ...rest.map((v) => [v, v])]);
}

export const KINDS = choices(contract.kinds, {
  detainer: 'Detainer — hold the person (e.g. form I-247A)',
  notification: 'Notification — tell them the release date or time',
  transfer: 'Transfer — hand the person over',
  information: 'Information — answer questions about the person',
  access: 'Access — let officers into a facility or to a person',
  interview: 'Interview — let officers interview a person in custody',
  assistance: 'Assistance — help with an enforcement action',
  '287g': '287(g) — an agreement to act as immigration officers',
});
// The federal forms a request comes on; the form gives the kind of request.
export const FORMS = choices(contract.forms, {
  'I-247A': 'I-247A — Immigration detainer, notice of action (from April 2017)',
  'I-247D': 'I-247D — Immigration detainer, request for voluntary action (2015–2017)',
  'I-247N': 'I-247N — Request for voluntary notification of release (2015–2017)',
  'I-247X': 'I-247X — Request for voluntary transfer (2015–2017)',
  'I-247': 'I-247 — Immigration detainer (before 2015)',
});
export const WARRANTS = choices(contractFact('request.warrant').values || [], {
  judicial: 'Judicial warrant — signed by a judge',
  administrative: 'Administrative warrant — ICE form (I-200, I-205)',
  none: 'No warrant',
});
export const INFORMATION = choices(contractFact('request.information').values || [], {
  release_date: 'Release date or time', custody_status: 'Custody status', court_date: 'Court date',
  address: 'Home or work address', immigration_status: 'Immigration status',
  citizenship_status: 'Citizenship status', fingerprints: 'Fingerprints', booking_record: 'Booking record',
  contact_info: 'Contact information', other: 'Something else',
});
export const PLACES = choices(contractFact('request.place').values || [], {
  jail: 'Jail or detention facility', courthouse: 'Courthouse', school: 'School',
  hospital: 'Hospital or clinic', shelter: 'Shelter', street: 'Street or other public place',
  dmv: 'Motor-vehicle office (DMV)', city_property: 'Other city property', state_facility: 'State facility',
  other: 'Somewhere else',
});
export const PURPOSES = choices(contractFact('request.purpose').values || [], {
  civil_immigration: 'Civil immigration enforcement',
  criminal_investigation: 'A criminal investigation',
  other: 'Something else',
});
export const AGENCIES = choices(contract.roles, {
  police: 'Police', jail: 'Jail or department of correction', probation: 'Probation',
  court: 'Court', agency: 'Another agency',
});
export const LEVELS = choices(listField('subject.convictions', 'level').values || [],
  { felony: 'Felony', misdemeanor: 'Misdemeanor', violation: 'Violation' });

const NOT_287G = Object.keys(KINDS).filter((k) => k !== '287g');

// Facts of the form: path, question, type, choices, the kinds that show it, help.
const REQUEST_FACTS = [ // path, question, type, choices, kinds that show it (null: all), help
  ['request.warrant', 'What warrant came with the request?', 'enum', WARRANTS, NOT_287G,
    'A judicial warrant is signed by a judge; forms I-200 and I-205 are signed by immigration officers and are administrative.'],
  ['request.information', 'What information is asked for?', 'set', INFORMATION, ['information']],
  ['request.information_public', 'Is that information available to the public?', 'tri', null, ['information']],
  ['request.office_on_premises', 'Do they ask for an office or space on agency premises?', 'tri', null, ['access']],
  ['request.place', 'Where would it happen?', 'enum', PLACES, NOT_287G],
  ['request.purpose', 'What is it for?', 'enum', PURPOSES, null],
  ['request.criminal_warrant', 'Is a federal criminal warrant (not an immigration warrant) presented?', 'tri', null, NOT_287G],
  ['request.court_ordered', 'Does a court order require it?', 'tri', null, NOT_287G],
];
const SUBJECT_FACTS = [
  ['subject.arrest_date', 'Date of the current arrest', 'date', null, null, 'Convictions count only within a look-back period before this date.'],
  ['subject.tsdb_match', 'Possible match in the terrorist screening database (TSDB)?', 'tri'],
  ['subject.reentry_after_removal', 'Charged with or convicted of illegal re-entry after removal?', 'tri'],
  ['subject.lawful_status_proof', 'Has the person shown proof of lawful immigration status?', 'tri'],
];
const MORE_FACTS = [
  ['subject.in_custody', 'Is the person in your agency’s custody?', 'tri'],
  ['subject.final_order_of_removal', 'Subject to a final order of removal?', 'tri'],
  ['subject.aggravated_felony', 'Convicted of a federal aggravated felony (8 U.S.C. § 1101(a)(43))?', 'tri'],
  ['subject.registered_sex_offender', 'Currently on a sex-offender registry?', 'tri'],
  ['subject.probable_cause_finding', 'Has a magistrate found probable cause on a pending charge?', 'tri'],
  ['subject.age', 'Age in years', 'int'],
];
const CONVICTION_FIELDS = [
  ['offense', 'Offense code', 'text', null, 'For example NY PL 120.05'],
  ['date', 'Date of judgment', 'date'],
  ['level', 'Level', 'enum', LEVELS],
  ['incarcerated_days', 'Days incarcerated for it since (before this arrest)', 'int'],
  ['youthful_offender', 'Youthful offender adjudication?', 'tri'],
  ['juvenile', 'Juvenile delinquency adjudication?', 'tri'],
  ['hate_crime', 'Convicted as a hate crime?', 'tri'],
];
const CHARGE_FIELDS = [
  ['offense', 'Offense code', 'text', null, 'For example NY PL 155.30'],
  ['date', 'Date of the charge', 'date'],
  ['level', 'Level', 'enum', LEVELS],
];

const ALL_FACTS = [...REQUEST_FACTS, ...SUBJECT_FACTS, ...MORE_FACTS];
const idOf = (path) => `f-${path.replace(/[^a-z0-9]+/gi, '-')}`;

// Plain words for a fact path in "missing facts" and "what would change the outcome".
function factWords(path) {
  const m = /^subject\.(convictions|pending_charges)\[(\d+)\]\.(\w+)$/.exec(path);
  if (m) {
    const list = m[1] === 'convictions' ? 'conviction' : 'pending charge';
    const f = (m[1] === 'convictions' ? CONVICTION_FIELDS : CHARGE_FIELDS).find((x) => x[0] === m[3]);
    return `${list[0].toUpperCase()}${list.slice(1)} ${Number(m[2]) + 1}: ${f ? f[1] : m[3]}`;
  }
  if (path === 'subject.convictions') return 'the person’s prior convictions (or that there are none)';
  if (path === 'subject.pending_charges') return 'the person’s pending charges (or that there are none)';
  if (path === 'agency') return 'the agency';
  if (path === 'request.kind') return 'the kind of request';
  const f = ALL_FACTS.find((x) => x[0] === path);
  return f ? f[1] : path;
}

const NOUNS = {
  'request.warrant': 'the warrant', 'request.information': 'the information asked for', 'request.place': 'the place',
  'request.purpose': 'the purpose', 'request.kind': 'the kind of request', agency: 'the agency',
  'subject.arrest_date': 'the arrest date', 'subject.age': 'the age',
};

// "If the warrant were Judicial warrant …" / "If the answer to “…?” were yes".
function ifWords(path, values) {
  const value = values.map((v, i) => [i ? ' or ' : '', h('strong', {}, valueWords(path, v))]);
  if (NOUNS[path]) return ['If ', NOUNS[path], ' were ', value];
  return ['If the answer to “', factWords(path), '” were ', value];
}

function valueWords(path, v) {
  if (v === true) return 'yes';
  if (v === false) return 'no';
  const f = ALL_FACTS.find((x) => x[0] === path);
  const names = (f && f[3]) || (path === 'request.kind' ? KINDS : path === 'agency' ? AGENCIES : null);
  if (Array.isArray(v)) return v.map((x) => (names && names[x]) || x).join(', ') || 'nothing';
  return (names && names[v]) || String(v);
}

function select(id, choices, { notKnown = 'Not known', required = false, describedby } = {}) {
  return h('select', { id, name: id, required, 'aria-describedby': describedby },
    h('option', { value: '' }, required ? 'Choose…' : notKnown),
    Object.entries(choices).map(([v, t]) => h('option', { value: v }, t)));
}

// One labelled control for a fact; returns the wrapper (hidden/shown by kind).
function field(id, label, type, choices, help) {
  const helpId = help ? `${id}-help` : null;
  const helpEl = help ? h('p', { class: 'help', id: helpId }, help) : null;
  if (type === 'set') {
    return h('fieldset', { class: 'field set', id: `${id}-wrap` },
      h('legend', {}, label),
      h('div', { class: 'checks', id },
        Object.entries(choices).map(([v, t]) => h('label', { class: 'check' },
          h('input', { type: 'checkbox', name: id, value: v }), ` ${t}`))),
      helpEl);
  }
  let control;
  if (type === 'enum') control = select(id, choices, { describedby: helpId });
  else if (type === 'tri') control = select(id, { true: 'Yes', false: 'No' }, { describedby: helpId });
  else if (type === 'date') control = h('input', { id, name: id, type: 'date', 'aria-describedby': helpId });
  else if (type === 'int') control = h('input', { id, name: id, type: 'number', min: 0, step: 1, inputmode: 'numeric', 'aria-describedby': helpId });
  else control = h('input', { id, name: id, type: 'text', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': helpId });
  return h('div', { class: 'field', id: `${id}-wrap` }, h('label', { for: id }, label), control, helpEl);
}

function readControl(el, type) {
  if (!el) return undefined;
  if (type === 'set') {
    const on = [...el.querySelectorAll('input:checked')].map((c) => c.value);
    return on.length ? on : undefined;
  }
  const v = el.value.trim();
  if (v === '') return undefined;
  if (type === 'tri') return v === 'true';
  if (type === 'int') return Number.isInteger(Number(v)) ? Number(v) : v;
  return v;
}

function setPath(obj, path, v) {
  const parts = path.split('.');
  let o = obj;
  for (const p of parts.slice(0, -1)) o = o[p] || (o[p] = {});
  o[parts[parts.length - 1]] = v;
}

// A repeatable list (convictions, pending charges): "Not known" / "None" / "Yes, listed here".
function listEditor(key, noun, fields) {
  const rows = h('div', { class: 'rows', id: `${key}-rows` });
  const status = h('p', { class: 'sr-only', 'aria-live': 'polite' });
  let n = 0;
  const renumber = () => {
    [...rows.children].forEach((fs, i) => {
      fs.querySelector('legend').textContent = `${noun[0].toUpperCase()}${noun.slice(1)} ${i + 1}`;
      fs.querySelector('.remove').textContent = `Remove ${noun} ${i + 1}`;
    });
  };
  const addRow = () => {
    const i = n++;
    const fs = h('fieldset', { class: 'row', 'data-row': i },
      h('legend', {}),
      h('div', { class: 'grid' }, fields.map(([f, label, type, choices, help]) =>
        field(`${key}-${i}-${f}`, label, type, choices, help))),
      h('button', { type: 'button', class: 'remove secondary', onclick: () => {
        fs.remove(); renumber(); status.textContent = `${noun} removed`; addBtn.focus();
      } }));
    rows.append(fs);
    renumber();
    status.textContent = `${noun} ${rows.children.length} added`;
    fs.querySelector('input, select').focus();
  };
  const addBtn = h('button', { type: 'button', class: 'secondary', id: `${key}-add`, onclick: addRow }, `Add a ${noun}`);
  const which = select(`${key}-has`, { none: 'None', some: 'Yes — list them below' });
  const body = h('div', { id: `${key}-list`, hidden: true }, rows, addBtn, status);
  which.addEventListener('change', () => {
    body.hidden = which.value !== 'some';
    if (!body.hidden && rows.children.length === 0) addRow();
  });
  const read = () => {
    if (which.value === 'none') return [];
    if (which.value !== 'some') return undefined;
    return [...rows.children].map((fs) => {
      const item = {};
      const i = fs.getAttribute('data-row');
      for (const [f, , type] of fields) {
        const v = readControl($(`#${key}-${i}-${f}`, fs), type);
        if (v !== undefined) item[f] = v;
      }
      return item;
    });
  };
  return { which, body, read, rows };
}

export function decideView(section, ctx) {
  const js = [...ctx.laws.jurisdictions].sort((a, b) => a.name.localeCompare(b.name));
  const jSel = h('select', { id: 'f-jurisdiction', name: 'jurisdiction', required: true },
    h('option', { value: '' }, 'Choose…'), js.map((j) => h('option', { value: j.id }, j.name)));
  const aSel = h('select', { id: 'f-agency', name: 'agency', 'aria-describedby': 'f-agency-help' });
  const fillAgencies = () => {
    const j = js.find((x) => x.id === jSel.value);
    const aliases = j ? j.agencies : [];
    clear(aSel, h('option', { value: '' }, 'Not stated'),
      aliases.length ? h('optgroup', { label: `Agencies of ${j.name}` },
        aliases.map((a) => h('option', { value: a }, a.length <= 4 ? a.toUpperCase() : a))) : null,
      h('optgroup', { label: 'Any agency, by what it does' },
        Object.entries(AGENCIES).map(([v, t]) => h('option', { value: v }, t))));
  };
  fillAgencies();
  jSel.addEventListener('change', fillAgencies);
  const dateIn = h('input', { id: 'f-date', name: 'date', type: 'date', required: true, value: today(), 'aria-describedby': 'f-date-help' });
  const kSel = select('f-kind', KINDS, { notKnown: 'Choose… (or give the form)' });
  const formSel = select('f-form', FORMS, { notKnown: 'Not on a federal form, or not known', describedby: 'f-form-help' });
  const caseIn = h('input', { id: 'f-case-ref', name: 'case_ref', type: 'text', autocomplete: 'off', spellcheck: 'false', maxlength: 100, 'aria-describedby': 'f-case-ref-help' });

  const convictions = listEditor('conv', 'conviction', CONVICTION_FIELDS);
  const charges = listEditor('charge', 'pending charge', CHARGE_FIELDS);
  const factFields = (list) => list.map(([p, q, t, c, , help]) => field(idOf(p), q, t, c, help));

  const result = h('div', { id: 'result', class: 'result', tabindex: '-1' });
  const live = h('div', { id: 'outcome-live', 'aria-live': 'polite', 'aria-atomic': 'true', class: 'live' });
  const formMsg = h('div', { id: 'form-msg' });

  const form = h('form', { id: 'decide-form', novalidate: true },
    h('fieldset', {}, h('legend', {}, 'Who is asked, and when'),
      h('div', { class: 'field' }, h('label', { for: 'f-jurisdiction' }, 'Jurisdiction'), jSel),
      h('div', { class: 'field' }, h('label', { for: 'f-agency' }, 'Your agency'), aSel,
        h('p', { class: 'help', id: 'f-agency-help' }, 'The law often depends on which agency is asked.')),
      h('div', { class: 'field' }, h('label', { for: 'f-date' }, 'Date of the request'), dateIn,
        h('p', { class: 'help', id: 'f-date-help' }, 'The law in force on this date decides.')),
      h('div', { class: 'field' }, h('label', { for: 'f-form' }, 'Which form did the request come on?'), formSel,
        h('p', { class: 'help', id: 'f-form-help' }, 'The form number is printed at the top. The form says what is asked for; an I-247A comes with an administrative warrant unless a judge’s warrant is attached.')),
      h('div', { class: 'field' }, h('label', { for: 'f-kind' }, 'What do federal immigration authorities ask for?'), kSel),
      h('div', { class: 'field' }, h('label', { for: 'f-case-ref' }, 'Booking or case number (optional)'), caseIn,
        h('p', { class: 'help', id: 'f-case-ref-help' }, 'Kept only as a keyed hash, so that reports count a person once. Never shown again.'))),
    h('fieldset', { id: 'request-facts' }, h('legend', {}, 'About the request'), factFields(REQUEST_FACTS)),
    h('fieldset', { id: 'subject-facts' }, h('legend', {}, 'About the person'),
      factFields(SUBJECT_FACTS),
      h('div', { class: 'field' }, h('label', { for: 'conv-has' }, 'Prior convictions?'), convictions.which),
      convictions.body,
      h('details', { id: 'more-facts' }, h('summary', { id: 'more-facts-summary' }, 'More facts (pending charges, custody, removal order, registry, age)'),
        h('div', { class: 'field' }, h('label', { for: 'charge-has' }, 'Pending criminal charges?'), charges.which),
        charges.body,
        factFields(MORE_FACTS))),
    formMsg,
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'secondary', id: 'decide-btn', value: 'draft' }, 'Decide (draft, not recorded)'),
      h('button', { type: 'submit', class: 'primary', id: 'record-btn', value: 'record' }, 'Decide and record')),
    h('p', { class: 'help' }, 'A draft is not logged: try what-ifs freely. “Decide and record” logs the decision once for this request; recording again after a change logs a correction that replaces it in the reports.'));

  const FORM_KIND = { 'I-247N': 'notification', 'I-247X': 'transfer' };
  const applyKind = () => {
    const k = kSel.value || (formSel.value ? FORM_KIND[formSel.value] || 'detainer' : '');
    for (const [p, , , , kinds] of ALL_FACTS) {
      const w = $(`#${idOf(p)}-wrap`, form);
      if (w && !w.dataset.needed) w.hidden = !!(kinds && k && !kinds.includes(k));
    }
    $('#subject-facts', form).hidden = k === '287g';
  };
  kSel.addEventListener('change', applyKind);
  formSel.addEventListener('change', applyKind);
  applyKind();

  const build = () => {
    const req = { jurisdiction: jSel.value, date: dateIn.value, request: {} };
    if (kSel.value) req.request.kind = kSel.value;
    if (formSel.value) req.request.form = formSel.value;
    if (aSel.value) req.agency = aSel.value;
    if (caseIn.value.trim()) req.case_ref = caseIn.value.trim();
    for (const [p, , t] of ALL_FACTS) {
      const w = $(`#${idOf(p)}-wrap`, form);
      if (!w || w.hidden || w.closest('[hidden]')) continue;
      const v = readControl($(`#${idOf(p)}`, form), t);
      if (v !== undefined) setPath(req, p, v);
    }
    if (kSel.value !== '287g' || formSel.value) {
      const c = convictions.read();
      if (c !== undefined) setPath(req, 'subject.convictions', c);
      const pc = charges.read();
      if (pc !== undefined) setPath(req, 'subject.pending_charges', pc);
    }
    return req;
  };

  // Shows a field the answer needs even if the kind normally hides it, and focuses it.
  const goTo = (path) => {
    const m = /^subject\.(convictions|pending_charges)(?:\[(\d+)\]\.(\w+))?$/.exec(path);
    let el;
    if (m) {
      const key = m[1] === 'convictions' ? 'conv' : 'charge';
      if (m[1] === 'pending_charges') $('#more-facts', form).open = true;
      const row = m[2] !== undefined && (key === 'conv' ? convictions : charges).rows.children[Number(m[2])];
      el = row ? $(`[id$="-${m[3]}"]`, row) : $(`#${key}-has`, form);
    } else {
      const w = $(`#${idOf(path)}-wrap`, form);
      if (w) {
        w.hidden = false;
        w.dataset.needed = '1';
        if (w.closest('details')) w.closest('details').open = true;
      }
      el = $(`#${idOf(path)}`, form);
      if (el && el.tagName === 'DIV') el = $('input', el);
    }
    if (el) el.focus();
    return el;
  };

  const setFact = (path, v) => {
    const el = goTo(path);
    if (!el) return;
    if (el.type === 'checkbox') {
      for (const c of el.closest('.checks').querySelectorAll('input')) c.checked = Array.isArray(v) && v.includes(c.value);
    } else {
      el.value = String(v);
    }
    el.dispatchEvent(new Event('change'));
  };

  // The record made for this request, if any: a second record of the same
  // facts is the same record (same key); of changed facts, a correction.
  let recorded = null; // { id, req: JSON text, key }
  let busy = false;
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (busy) return;
    const mode = ev.submitter && ev.submitter.value === 'record' ? 'record' : 'draft';
    clear(formMsg);
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    const missing = [[jSel, 'a jurisdiction'], [dateIn, 'the date']].filter(([el]) => !el.value);
    if (!kSel.value && !formSel.value) missing.push([kSel, 'what is asked for (or the form it came on)']);
    if (missing.length) {
      missing.forEach(([el]) => el.setAttribute('aria-invalid', 'true'));
      formMsg.append(h('p', { class: 'error', role: 'alert' }, `Please choose ${missing.map((m) => m[1]).join(', ')}.`));
      missing[0][0].focus();
      return;
    }
    const btns = [$('#decide-btn', form), $('#record-btn', form)];
    const labels = btns.map((b) => b.textContent);
    busy = true;
    btns.forEach((b) => { b.disabled = true; });
    (mode === 'record' ? btns[1] : btns[0]).textContent = mode === 'record' ? 'Recording…' : 'Deciding…';
    const req = build();
    const text = JSON.stringify(req);
    let path = '/v1/decisions?dry_run=true';
    let headers = {};
    if (mode === 'record') {
      if (recorded && recorded.req !== text) recorded = { supersedes: recorded.id, req: text, key: newKey() };
      else if (!recorded) recorded = { req: text, key: newKey() };
      path = recorded.supersedes ? `/v1/decisions?supersedes=${recorded.supersedes}` : '/v1/decisions';
      headers = { 'Idempotency-Key': recorded.key };
    }
    try {
      const [res, law] = await Promise.all([
        api(path, { method: 'POST', body: req, headers }),
        api(`/v1/laws/${encodeURIComponent(req.jurisdiction)}?date=${encodeURIComponent(req.date)}`).catch(() => null),
      ]);
      if (mode === 'record') recorded = { id: res.id, req: text, key: recorded.key };
      renderResult(result, live, res, law, {
        factWords, ifWords, valueWords, goTo, setFact, request: req,
        // Answering a question decides again, as a draft: nothing is logged.
        redecide: () => form.requestSubmit($('#decide-btn', form)),
      });
    } catch (e) {
      if (mode === 'record' && recorded && recorded.id === undefined) recorded = recorded.supersedes ? { id: recorded.supersedes, req: '' , key: newKey() } : null;
      formMsg.append(errorBox(e));
      if (e.field) {
        const el = $(`#${idOf(e.field)}`, form) || $(`#f-${e.field.replace('_', '-')}`, form);
        if (el) el.setAttribute('aria-invalid', 'true');
      }
      clear(live, `Not decided: ${e.message}`);
    } finally {
      busy = false;
      btns.forEach((b, i) => { b.disabled = false; b.textContent = labels[i]; });
    }
  });

  clear(section,
    h('h1', { id: 'decide-h' }, 'Decide a request'),
    h('p', { class: 'lede' }, 'Describe what federal immigration authorities asked for. Leave a question at “Not known” when you do not know: the answer will ask for what it still needs, one question at a time, and say what it assumed.'),
    h('div', { class: 'two' }, form,
      h('div', { class: 'answer' }, h('h2', { id: 'answer-h' }, 'Answer'), live, result)));
  clear(result, h('p', { class: 'muted' }, 'The answer appears here after you press “Decide”.'));
}

function list(items, render) {
  return h('ul', { class: 'plain' }, items.map((x) => h('li', {}, render(x))));
}

// One line per fact and outcome: "If the place were Jail or Courthouse or …".
function groupCounterfactuals(cfs) {
  const groups = [];
  for (const c of cfs) {
    const [[path, v]] = Object.entries(c.if);
    const provided = c.provided || [];
    const g = !provided.length && groups.find((x) => x.path === path && x.outcome === c.outcome && !x.provided.length && !Array.isArray(v) && typeof v === 'string');
    if (g && typeof g.values[0] === 'string') g.values.push(v);
    else groups.push({ path, outcome: c.outcome, values: [v], provided });
  }
  return groups;
}

// The engine's summary, except that "needs a.b, c.d" (fact paths) becomes words.
function summaryWords(d) {
  const text = d.summary.replace(/^[A-Z]+:\s*/, '');
  const n = (d.missing_facts || []).length;
  const q = (d.questions || []).length;
  if (d.outcome === 'undetermined' && q) {
    return `Not decided yet: the answer turns on ${q === 1 ? 'one question' : `${q} questions`} the request does not answer. They are asked below, one at a time.`;
  }
  if (d.outcome === 'undetermined' && n && /^needs /.test(text)) {
    return `The answer depends on ${n === 1 ? 'a fact' : `${n} facts`} not given: see “Facts the answer still needs” below.`;
  }
  return text;
}

// 'tri' for a yes/no fact, the words of an enum fact's values, or null (a
// date, a number, a set): how a question about the fact can be answered.
function choicesOf(path) {
  const m = /^subject\.(convictions|pending_charges)\[\d+\]\.(\w+)$/.exec(path);
  const f = m
    ? (m[1] === 'convictions' ? CONVICTION_FIELDS : CHARGE_FIELDS).find((x) => x[0] === m[2])
    : ALL_FACTS.find((x) => x[0] === path);
  if (!f) return null;
  if (f[2] === 'tri') return 'tri';
  return f[2] === 'enum' ? f[3] : null;
}

// Set when a question's answer was pressed, so the next answer's question
// (or the outcome) takes the focus rather than the top of the page.
let answeredQuestion = false;

// The first open question, with its answers as buttons: pressing one puts
// the answer in the form and decides again as a draft, so a clerk answers
// what the law needs one question at a time. What each answer leads to is
// read from the decision's branches.
function questionCard(d, f) {
  const q = d.questions[0];
  const leads = (answer) => d.branches
    .filter((b) => b.when.length === 1 && b.when[0].fact === q.fact && !b.when[0].test && JSON.stringify(b.when[0].answer) === JSON.stringify(answer))
    .map((b) => b.outcome);
  const choice = (label, value, answer = value) => {
    const to = leads(answer);
    return h('button', { type: 'button', class: 'secondary answer-choice', 'data-answer': String(value),
      onclick: () => { f.setFact(q.fact, value); answeredQuestion = true; f.redecide(); } },
    label, to.length === 1 ? [' → ', OUTCOME_WORDS[to[0]] || to[0]] : '');
  };
  const isList = /^subject\.(convictions|pending_charges)$/.test(q.fact);
  const kind = choicesOf(q.fact);
  let answers;
  if (isList) {
    answers = [choice('None', 'none', false),
      h('button', { type: 'button', class: 'secondary', onclick: () => f.setFact(q.fact, 'some') }, 'Yes — list them in the form')];
  } else if (kind === 'tri') {
    answers = [choice('Yes', true), choice('No', false)];
  } else if (kind && typeof kind === 'object') {
    answers = Object.entries(kind).map(([v, t]) => choice(t, v));
  } else {
    answers = [h('button', { type: 'button', class: 'secondary', onclick: () => f.goTo(q.fact) }, 'Answer in the form')];
  }
  const branches = (d.branches || []).map((b) => [
    b.when.map((w, i) => [i ? ' and ' : '', w.question, ' ', h('strong', {}, w.answer === true ? 'yes' : w.answer === false ? 'no' : f.valueWords(w.fact, w.answer))]),
    ' → ', outcomeBadge(b.outcome)]);
  return h('section', { 'aria-labelledby': 'question-h', class: 'question card inset', id: 'question' },
    h('h3', { id: 'question-h', tabindex: '-1' }, d.questions.length > 1 ? `Question 1 of ${d.questions.length}` : 'One question left'),
    h('p', { class: 'q', id: 'question-text' }, q.question),
    q.help ? h('p', { class: 'help' }, q.help) : null,
    h('div', { class: 'choices', role: 'group', 'aria-labelledby': 'question-text' }, answers),
    branches.length ? h('details', {}, h('summary', {}, 'What the answer turns on'),
      h('ul', { class: 'plain' }, branches.map((b) => h('li', {}, b)))) : null);
}

function renderResult(result, live, res, law, f) {
  const d = res.decision;
  const bySource = new Map();
  const byCitation = new Map();
  for (const p of (law && law.provisions) || []) byCitation.set(p.citation, p);
  const eventSource = new Map(((law && law.events) || []).map((e) => [`${e.jurisdiction}/${e.id}`, e.source]));
  for (const r of d.reasons || []) bySource.set(r.citation, r);
  // Any citation found among the law's provisions or the reasons gets its source link.
  const cite = (c) => {
    const p = bySource.get(c) || byCitation.get(c);
    return citeLink(c, p && p.source);
  };
  const events = (d.law && d.law.events) || [];
  const suspended = (d.law && d.law.suspended) || [];

  clear(live, h('p', { class: `outcome o-${d.outcome}`, id: 'outcome' },
    outcomeBadge(d.outcome, true),
    h('span', { class: 'summary' }, summaryWords(d))));

  const sections = [];
  const lawWords = [`the law in force on ${d.law ? d.law.as_of : ''}`, d.law && d.law.version ? ` (version ${d.law.version})` : ''];
  sections.push(res.id === null || res.id === undefined
    ? h('p', { class: 'meta draft', id: 'draft-note' }, h('strong', {}, 'Draft — not recorded. '), 'Decided under ', lawWords, '. Press “Decide and record” to log it.',
      ' ', f.request ? h('a', { href: memoLink(f.request), target: '_blank', rel: 'noopener', id: 'draft-memo' }, 'Memo of this draft (shareable, no identifiers)') : null)
    : h('p', { class: 'meta', id: 'recorded-note' },
      `Recorded as decision #${res.id}${res.supersedes ? `, correcting #${res.supersedes}` : ''}, logged ${res.logged_at.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')} under `, lawWords, '. ',
      h('a', { href: `#memo/${res.id}`, id: 'memo-link' }, 'Decision memo')));

  if (d.reasons && d.reasons.length) {
    sections.push(h('section', { 'aria-labelledby': 'why-h' }, h('h3', { id: 'why-h' }, 'Why'),
      h('ol', { class: 'reasons' }, d.reasons.map((r) => h('li', { class: 'reason' },
        h('p', {}, outcomeBadge(r.outcome), ' ', r.title, '.'),
        h('p', { class: 'cites' }, cite(r.citation), ' ', confidenceTag(r.confidence)),
        r.quote ? h('details', {}, h('summary', {}, 'Text of the provision'),
          h('blockquote', { cite: r.source || null }, `“${r.quote}”`)) : null)))));
  }
  if (d.obligations && d.obligations.length) {
    sections.push(h('section', { 'aria-labelledby': 'must-h' }, h('h3', { id: 'must-h' }, 'What you must also do'),
      list(d.obligations, (o) => [o.text, ' ', h('span', { class: 'cites' }, '(', cite(o.citation), ')')])));
  }
  if (d.questions && d.questions.length) sections.push(questionCard(d, f));
  if (d.missing_facts && d.missing_facts.length) {
    sections.push(h('section', { 'aria-labelledby': 'missing-h', class: 'missing' }, h('h3', { id: 'missing-h' }, 'Facts the answer still needs'),
      h('p', {}, 'Answer the question above, or give these in the form and press “Decide” again:'),
      list(d.missing_facts, (p) => h('button', { type: 'button', class: 'link', onclick: () => f.goTo(p) }, f.factWords(p)))));
  }
  if (d.assumptions && d.assumptions.length) {
    sections.push(h('section', { 'aria-labelledby': 'assumed-h', class: 'assumed', id: 'assumptions' }, h('h3', { id: 'assumed-h' }, 'Assumed, not stated'),
      h('p', {}, 'The request did not say these; the answer takes them as shown. If one is wrong, change it in the form and decide again.'),
      list(d.assumptions, (a) => [
        h('strong', {}, f.factWords(a.fact)), ': ', f.valueWords(a.fact, a.value),
        ` (${a.basis === 'implied' ? 'implied by the request' : 'presumed'}) — ${a.why}`,
        a.citation ? [' ', h('span', { class: 'cites' }, '(', cite(a.citation), ')')] : null,
        a.rebutted_by ? ` Shown otherwise by ${a.rebutted_by}.` : '',
        ' ', h('button', { type: 'button', class: 'link small', onclick: () => f.goTo(a.fact) }, 'Change this')])));
  }
  const cfs = d.counterfactuals || [];
  sections.push(h('section', { 'aria-labelledby': 'cf-h' }, h('h3', { id: 'cf-h' }, 'What would change the outcome'),
    cfs.length ? list(groupCounterfactuals(cfs), ({ path, values, outcome, provided }) => {
        const settable = !path.includes('[') && values.length === 1;
        const words = f.ifWords(path, values);
        // "…, provided that: Was the conviction a youthful-offender adjudication? no"
        const cond = provided.length ? [', provided that ', provided.map((p, i) => [i ? '; ' : '', p.question, ' ',
          h('strong', {}, p.answer === true ? 'yes' : p.answer === false ? 'no' : f.valueWords(p.fact, p.answer))])] : '';
        return [words, ': the outcome would be ', outcomeBadge(outcome), cond, ' ',
          settable ? h('button', { type: 'button', class: 'link small', 'aria-label': `Put this in the form: ${h('span', {}, words).textContent}`,
            onclick: () => f.setFact(path, values[0]) }, 'Put this in the form') : null];
      }) : h('p', {}, 'The engine found no single fact whose change alone would change the outcome.')));
  if (d.ambiguities && d.ambiguities.length) {
    sections.push(h('section', { 'aria-labelledby': 'amb-h' }, h('h3', { id: 'amb-h' }, 'Where the law can be read differently'),
      list(d.ambiguities, (a) => [h('span', { class: 'cites' }, cite(a.citation), ': '), a.other_reading,
        a.cites ? [' ', h('span', { class: 'cites' }, '(see ', cite(a.cites), ')')] : null])));
  }
  if (events.length || suspended.length) {
    sections.push(h('section', { 'aria-labelledby': 'courts-h' }, h('h3', { id: 'courts-h' }, 'Court orders and other events in force'),
      list(events, (e) => [h('strong', {}, e.title), ` (${e.kind}, from ${e.date}${e.until ? ` to ${e.until}` : ''}) — `,
        citeLink(e.citation, e.source || eventSource.get(e.id) || eventSource.get(`${e.jurisdiction}/${e.id}`))]),
      suspended.length ? [h('p', {}, 'Provisions not applied because of them:'),
        list(suspended, (s) => [cite(s.citation), s.effective ? ` (${s.effective})` : ''])] : null));
  }
  if (d.notes && d.notes.length) {
    sections.push(h('section', { 'aria-labelledby': 'notes-h' }, h('h3', { id: 'notes-h' }, 'Notes'), list(d.notes, (n) => n)));
  }
  if (res.id !== null && res.id !== undefined) sections.push(actionForm(res.id, d.outcome, res.request_kind || (f.request && f.request.request.kind)));
  if (d.trace && d.trace.length) {
    sections.push(h('details', { class: 'trace', id: 'trace' }, h('summary', { id: 'trace-summary' }, `How the answer was reached (${d.trace.length} provisions considered)`),
      h('ol', {}, d.trace.map((t) => h('li', {},
        h('p', {}, h('strong', {}, t.result === 'fires' ? 'Applies: ' : t.result === 'does not fire' ? 'Does not apply: ' : `${t.result[0].toUpperCase()}${t.result.slice(1)}: `),
          cite(t.citation), t.outcome ? ` (this provision makes a request ${(OUTCOME_WORDS[t.outcome] || t.outcome).toLowerCase()})` : '',
          t.defeated_by && t.defeated_by.length ? `; overridden by ${t.defeated_by.join(', ')}` : '',
          h('span', { class: 'muted small' }, ` — ${t.rule}`)),
        t.conditions.length ? h('ul', { class: 'conds' }, t.conditions.map((c) => h('li', { class: `c-${c.result}` },
          h('span', { class: 'tv' }, c.result), ' ', c.item ? `${c.item}: ` : '', c.test, h('span', { class: 'muted' }, ` — saw ${c.saw}`)))) : null)))));
  }
  clear(result, sections);
  live.scrollIntoView({ block: 'nearest' });
  if (answeredQuestion) {
    answeredQuestion = false;
    const next = $('#question-h', result);
    if (next) next.focus();
  }
}

// A link that carries the request (and no identifier) to a memo anyone with
// access can open: the memo page decides it afresh as a draft.
export function memoLink(req) {
  const clean = JSON.parse(JSON.stringify(req));
  delete clean.case_ref;
  if (clean.subject) for (const k of ['booking_number', 'name', 'identifiers']) delete clean.subject[k];
  const b64 = btoa(unescape(encodeURIComponent(JSON.stringify(clean)))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return `#memo/r.${b64}`;
}

export const ACTS = {
  held: 'Held the person (beyond release)',
  notified: 'Notified them (release date or time)',
  transferred: 'Transferred custody to federal immigration authorities',
  gave_information: 'Gave the information asked for',
  allowed_access: 'Allowed access or an interview',
  declined: 'Declined the request',
};

// Records what the agency then did: one act with its date. The reports count
// these acts. An act the decision said was prohibited needs a confirmation and
// a reason. The form's key makes a second press of Record log nothing new.
export function actionForm(id, outcome, kind, p = 'act') {
  const msg = h('div', { 'aria-live': 'polite', id: `${p}-msg` });
  const asked = { detainer: 'held', notification: 'notified', transfer: 'transferred', information: 'gave_information', access: 'allowed_access', interview: 'allowed_access' }[kind];
  const actSel = h('select', { id: `${p}-kind`, required: true }, h('option', { value: '' }, 'Choose…'),
    Object.entries(ACTS).map(([v, t]) => h('option', { value: v, selected: v === asked && outcome !== 'prohibited' }, t)));
  const dateIn = h('input', { id: `${p}-date`, type: 'date', value: today(), max: today(), required: true });
  const confirmBox = h('input', { type: 'checkbox', id: `${p}-confirm` });
  const reason = h('textarea', { id: `${p}-reason`, maxlength: 500, rows: 2 });
  const warn = h('div', { id: `${p}-warning`, class: 'warning', role: 'alert', hidden: true },
    h('p', {}, h('strong', {}, 'The decision said this request is prohibited. '), 'Recording that your agency did it anyway is allowed, and the report will flag it.'),
    h('label', { class: 'check' }, confirmBox, ' I confirm this is what was done'),
    h('div', { class: 'field' }, h('label', { for: `${p}-reason` }, 'Why (required)'), reason));
  // Only an act of the kind the decision prohibits goes against it (as brightline_core::report::against):
  // a hold on a prohibited detainer, yes; telling ICE a release date after it, no.
  const forbids = { detainer: ['held', 'transferred'], notification: ['notified', 'gave_information'], information: ['notified', 'gave_information'],
    transfer: ['transferred'], access: ['allowed_access'], interview: ['allowed_access'] }[kind];
  const against = () => outcome === 'prohibited' && actSel.value && actSel.value !== 'declined' && (!forbids || forbids.includes(actSel.value));
  actSel.addEventListener('change', () => { warn.hidden = !against(); });
  let key = newKey();
  let busy = false;
  const btn = h('button', { type: 'submit', class: 'secondary', id: `${p}-record` }, 'Record');
  const form = h('form', { class: 'card inset', id: p === 'act' ? 'action-form' : `${p}-form` },
    h('h3', { id: `${p}-h` }, 'Record what your agency did'),
    h('p', { class: 'help' }, 'Reports count what was done, not only what the law said: record each act (a hold, then a transfer) with its date.'),
    h('div', { class: 'field' }, h('label', { for: `${p}-kind` }, 'What did your agency do?'), actSel),
    h('div', { class: 'field' }, h('label', { for: `${p}-date` }, 'On what date?'), dateIn),
    warn,
    h('div', { class: 'field' }, h('label', { for: `${p}-note` }, 'Note (optional, up to 500 characters)'),
      h('textarea', { id: `${p}-note`, maxlength: 500, rows: 2, 'aria-describedby': `${p}-note-help` }),
      h('p', { class: 'help', id: `${p}-note-help` }, 'Do not write names, booking numbers or other identifiers: the log keeps the note as written, for good.')),
    msg, btn);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (busy) return;
    if (!actSel.value) { clear(msg, h('p', { class: 'error', role: 'alert' }, 'Choose what your agency did.')); actSel.focus(); return; }
    if (against() && (!confirmBox.checked || !reason.value.trim())) {
      warn.hidden = false;
      clear(msg, h('p', { class: 'error', role: 'alert' }, 'Confirm, and say why, to record an act the decision said was prohibited.'));
      (confirmBox.checked ? reason : confirmBox).focus();
      return;
    }
    const note = $(`#${p}-note`, form).value.trim();
    const body = { act: actSel.value, date: dateIn.value, note: note || null };
    if (against()) { body.confirm_prohibited = true; body.reason = reason.value.trim(); }
    busy = true;
    btn.disabled = true;
    try {
      const r = await api(`/v1/decisions/${id}/actions`, { method: 'POST', body, headers: { 'Idempotency-Key': key } });
      clear(msg, h('p', { class: 'ok', id: `${p}-ok` }, `Recorded as log entry #${r.id}${r.against_decision ? ' (flagged: against the decision)' : ''}.`));
      // The next act is a new record.
      key = newKey();
      form.dispatchEvent(new CustomEvent('recorded', { detail: r }));
    } catch (e) {
      if (e.status === 409 && e.field === 'confirm_prohibited') warn.hidden = false;
      clear(msg, errorBox(e));
    } finally {
      busy = false;
      btn.disabled = false;
    }
  });
  return form;
}
