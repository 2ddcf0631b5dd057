// The timeline page's script, run in the browser: it draws the events (embedded as JSON in the
// page) as an SVG sequence diagram, a lane per app, and wires the filters and the details panel.
// It is type-checked here and inlined into the page as source (`renderTimelinePage.toString()`),
// so it must use nothing from outside its own body.

/* eslint-disable */
export function renderTimelinePage(doc: Document): void {
  type Ev = {
    at: number;
    kind: string;
    app: string;
    by?: string;
    via?: string;
    topic?: string;
    fromTopic?: string;
    eventId?: string;
    from?: string;
    route?: string;
    attempt?: number;
    status?: number;
    type?: string;
    state?: string;
    operation?: string;
    store?: string;
    keys?: string[];
    data?: unknown;
    answer?: { outcome: string; label: string; threw?: string; durationMs: number; status?: number; body?: string };
  };
  const SVG = 'http://www.w3.org/2000/svg';
  const LANE = 130;
  const ROW = 30;
  const LEFT = 90;
  const TOP = 64;
  const LABELS = 460;
  const OUTCOME: Record<string, string> = { success: '#1a7f37', retry: '#b26a00', drop: '#cf222e', error: '#cf222e' };

  const payload = JSON.parse(doc.getElementById('timeline-data')!.textContent!) as { events: Ev[] };
  const all = payload.events.map((e, index) => ({ ...e, index }));
  const topicSelect = doc.getElementById('topic') as HTMLSelectElement;
  const idInput = doc.getElementById('event-id') as HTMLInputElement;
  const stateBox = doc.getElementById('show-state') as HTMLInputElement;
  const details = doc.getElementById('details')!;
  const detailsBody = doc.getElementById('details-body')!;
  const holder = doc.getElementById('diagram')!;

  const topics = [...new Set(all.map((e) => e.topic).filter((t): t is string => !!t))].sort();
  for (const t of topics) {
    const option = doc.createElement('option');
    option.value = t;
    option.textContent = t;
    topicSelect.appendChild(option);
  }

  const el = (name: string, attrs: Record<string, string | number>, parent: Element, text?: string) => {
    const node = doc.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    parent.appendChild(node);
    return node;
  };
  const summary = (data: unknown) => {
    if (data === undefined) return '';
    const text = JSON.stringify(data) ?? '';
    return text.length > 60 ? text.slice(0, 59) + '…' : text;
  };
  const relative = (ms: number) => (ms < 1000 ? Math.round(ms) + ' ms' : (ms / 1000).toFixed(2) + ' s');
  const hue = (id: string) => {
    let h = 0;
    for (const c of id) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    return 'hsl(' + Math.round((h * 0.618033988749895 % 1) * 360) + ',65%,45%)';
  };
  const describe = (e: Ev) => {
    switch (e.kind) {
      case 'publish':
        return (e.app === 'check' ? 'the check publishes ' : e.by === 'broker' ? 'seen on the broker: ' : e.app + ' publishes ') + (e.topic ?? '') + (e.status && e.status >= 300 ? ' (failed: HTTP ' + e.status + ')' : '') + ' ' + summary(e.data);
      case 'delivery':
        return (e.topic ?? '') + ' #' + e.attempt + ' → ' + e.app + ' ' + (e.route ?? '') + ': ' + (e.answer ? e.answer.label : 'no answer') + (e.answer && e.answer.threw ? ' (the handler threw: ' + e.answer.threw + ')' : '');
      case 'dead-letter':
        return 'dead-lettered to ' + e.topic + ' (failed on ' + e.fromTopic + ')';
      case 'state':
        return 'state ' + e.operation + ' ' + (e.store ?? '') + ' ' + (e.keys ?? []).join(', ');
      case 'broker':
        return 'broker: ' + e.state + ' by ' + e.app + ' on ' + e.topic;
      default:
        return e.kind;
    }
  };

  function render(): void {
    const topic = topicSelect.value;
    const id = idInput.value.trim();
    const shown = all.filter(
      (e) =>
        e.kind !== 'subscriptions' &&
        (stateBox.checked || e.kind !== 'state') &&
        (!topic || e.topic === topic || e.fromTopic === topic) &&
        (!id || (e.eventId ?? '').includes(id)),
    );
    // Broker state: one row per message and topic left pending or unread, a mark on each
    // subscriber's lane; what every subscriber acknowledged, in one row at the end.
    const rows: { event: (typeof all)[number]; held?: (typeof all)[number][] }[] = [];
    const held = new Map<string, (typeof all)[number][]>();
    for (const e of shown) {
      if (e.kind !== 'broker') rows.push({ event: e });
      else {
        const key = e.eventId + ' ' + e.topic;
        if (!held.has(key)) held.set(key, []);
        held.get(key)!.push(e);
      }
    }
    const acked: (typeof all)[number][] = [];
    for (const group of held.values()) {
      if (group.every((e) => e.state === 'acked')) acked.push(...group);
      else rows.push({ event: group[0]!, held: group });
    }
    if (acked.length) {
      const ids = new Set(acked.map((e) => e.eventId));
      rows.push({ event: { ...acked[0]!, eventId: ids.size === 1 ? acked[0]!.eventId : undefined }, held: acked });
    }
    const lanes: string[] = [];
    const add = (lane?: string) => {
      if (lane && !lanes.includes(lane)) lanes.push(lane);
    };
    if (rows.some((r) => r.event.app === 'check' || r.event.from === 'check')) add('check');
    for (const r of rows) {
      add(r.event.from);
      for (const e of r.held ?? [r.event]) add(e.app);
    }
    const x = (lane: string) => LEFT + lanes.indexOf(lane) * LANE + LANE / 2;
    const width = LEFT + lanes.length * LANE + LABELS;
    const height = TOP + rows.length * ROW + 30;
    holder.textContent = '';
    if (rows.length === 0) {
      holder.textContent = 'No events match these filters.';
      return;
    }
    const svg = el('svg', { xmlns: SVG, width, height, viewBox: '0 0 ' + width + ' ' + height, role: 'img' }, holder);
    const defs = el('defs', {}, svg);
    for (const [name, fill] of Object.entries(OUTCOME)) {
      const marker = el('marker', { id: 'arrow-' + name, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, defs);
      el('path', { d: 'M0,0 L10,5 L0,10 z', fill }, marker);
    }
    for (const lane of lanes) {
      const g = el('g', { class: 'lane', 'data-lane': lane }, svg);
      el('rect', { x: x(lane) - (LANE - 8) / 2, y: 8, width: LANE - 8, height: 30, rx: 6, class: 'lane-head' }, g);
      el('text', { x: x(lane), y: 28, 'text-anchor': 'middle', class: 'lane-name' }, g, lane);
      el('line', { x1: x(lane), y1: 38, x2: x(lane), y2: height - 10, class: 'lane-line' }, g);
    }
    const t0 = rows[0]!.event.at;
    const labelX = LEFT + lanes.length * LANE + 10;
    rows.forEach((row, r) => {
      const e = row.event;
      const y = TOP + r * ROW;
      const g = el('g', { class: 'event ' + e.kind, 'data-index': e.index, 'data-kind': e.kind, 'data-topic': e.topic ?? '', 'data-event-id': e.eventId ?? '', tabindex: 0 }, svg);
      el('title', {}, g, describe(e));
      el('rect', { x: 0, y: y - ROW / 2, width, height: ROW, class: 'row-hit' }, g);
      el('text', { x: LEFT - 12, y: y + 4, 'text-anchor': 'end', class: 'time' }, g, relative(e.at - t0));
      if (e.eventId) el('circle', { cx: 10, cy: y, r: 5, fill: hue(e.eventId) }, g);
      const at = x(e.app);
      let label = describe(e);
      let fill = '#24292f';
      if (e.kind === 'publish') {
        const failed = !!e.status && e.status >= 300;
        if (failed) el('text', { x: at, y: y + 6, 'text-anchor': 'middle', class: 'mark fail' }, g, '✗');
        else el('circle', { cx: at, cy: y, r: 7, class: 'publish-dot' }, g);
        label = (e.by === 'broker' ? 'on the broker: ' : 'publish ') + (e.topic ?? '') + (failed ? ' failed (HTTP ' + e.status + ')' : '') + '  ' + summary(e.data);
      } else if (e.kind === 'delivery') {
        const outcome = e.answer ? e.answer.outcome : 'error';
        fill = OUTCOME[outcome] ?? '#24292f';
        const from = e.from ? x(e.from) : at;
        if (from === at) {
          el('path', { d: 'M' + at + ',' + (y - 9) + ' c 45,-6 45,24 4,18', class: 'arrow', stroke: fill, 'marker-end': 'url(#arrow-' + outcome + ')' }, g);
        } else {
          el('line', { x1: from, y1: y, x2: at + (from < at ? -8 : 8), y2: y, class: 'arrow', stroke: fill, 'marker-end': 'url(#arrow-' + outcome + ')' }, g);
        }
        label =
          (e.topic ?? '') + ' #' + e.attempt + '  ' + (e.answer ? e.answer.label : 'no answer') +
          (e.answer && e.answer.threw ? '  (the handler threw: ' + e.answer.threw + ')' : '') +
          (e.type && e.type !== 'com.dapr.event.sent' ? '  · ' + e.type : '');
      } else if (e.kind === 'dead-letter') {
        fill = OUTCOME.drop!;
        el('text', { x: at, y: y + 6, 'text-anchor': 'middle', class: 'mark fail' }, g, '✗');
        label = 'dead-lettered to ' + e.topic + '  (failed on ' + e.fromTopic + ')';
      } else if (e.kind === 'state') {
        el('rect', { x: at - 5, y: y - 5, width: 10, height: 10, transform: 'rotate(45 ' + at + ' ' + y + ')', class: 'state-mark' }, g);
      } else if (e.kind === 'broker') {
        const states = row.held ?? [e];
        for (const s of states) {
          const mark = s.state === 'acked' ? '✓' : s.state === 'pending' ? '!' : '○';
          el('text', { x: x(s.app), y: y + 5, 'text-anchor': 'middle', class: 'mark broker-' + s.state }, g, mark);
        }
        const open = states.filter((s) => s.state !== 'acked');
        const messages = new Set(states.map((s) => s.eventId + ' ' + s.topic)).size;
        label =
          open.length === 0
            ? 'broker' + (new Set(states.map((s) => s.topic)).size === 1 ? ', ' + e.topic : '') + ': ' +
              (messages === 1 ? 'acknowledged' : 'all ' + messages + ' messages acknowledged') + ' by ' + [...new Set(states.map((s) => s.app))].join(', ')
            : 'broker, ' + e.topic + ': ' + open.map((s) => s.state + ' at ' + s.app).join(', ');
        fill = open.length ? OUTCOME.retry! : '#57606a';
      }
      el('text', { x: labelX, y: y + 4, class: 'label', fill }, g, label);
      g.addEventListener('click', () => select(e.index, g));
      g.addEventListener('keydown', (k) => {
        if ((k as KeyboardEvent).key === 'Enter') select(e.index, g);
      });
    });
  }

  function select(index: number, g: Element): void {
    for (const node of Array.from(doc.querySelectorAll('.event.selected'))) node.classList.remove('selected');
    g.classList.add('selected');
    const e = payload.events[index]!;
    detailsBody.textContent = '';
    const h = doc.createElement('h2');
    h.textContent = describe(e);
    const pre = doc.createElement('pre');
    pre.textContent = JSON.stringify(e, null, 2);
    detailsBody.append(h, pre);
    details.hidden = false;
  }

  // The details float over the diagram's right side, where the labels are, only while open.
  function closeDetails(): void {
    details.hidden = true;
    for (const node of Array.from(doc.querySelectorAll('.event.selected'))) node.classList.remove('selected');
  }
  doc.getElementById('close-details')!.addEventListener('click', closeDetails);
  doc.addEventListener('keydown', (k) => {
    if ((k as KeyboardEvent).key === 'Escape') closeDetails();
  });

  topicSelect.addEventListener('change', render);
  idInput.addEventListener('input', render);
  stateBox.addEventListener('change', render);
  render();
}
