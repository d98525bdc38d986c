// The script of `lifeboat report --html`, inlined into the page after uPlot (global `uPlot`) and the
// report data (report-data.ts, JSON in #lifeboat-report-data). Browser code: no imports, no network.
// Each chart is a uPlot over exactly the points of its series; the page records each chart's point
// count in window.lifeboatReport so a headless browser can check what was drawn.

const data = JSON.parse(document.getElementById('lifeboat-report-data').textContent);
const root = document.getElementById('charts');
const drawn = [];
const WIDTH = 900;
const HEIGHT = 260;

const MiB = 1024 * 1024;
const bytesAxis = (u, values) => values.map((v) => (v >= 1024 * MiB ? `${(v / 1024 / MiB).toFixed(1)} GiB` : `${(v / MiB).toFixed(1)} MiB`));
const secondsAxis = (u, values) => values.map((v) => (v >= 7200 ? `${(v / 3600).toFixed(1)} h` : v >= 120 ? `${(v / 60).toFixed(0)} min` : `${v.toFixed(0)} s`));

function element(tag, attributes, text) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

function chart(parent, id, title, xs, series, axis) {
  const box = element('div', { class: 'chart', 'data-chart': id });
  box.appendChild(element('h3', {}, title));
  parent.appendChild(box);
  if (xs.length === 0) {
    box.appendChild(element('p', { class: 'empty' }, 'no points yet'));
    drawn.push({ id, points: 0, series: series.length });
    return;
  }
  const options = {
    width: WIDTH,
    height: HEIGHT,
    scales: { x: { time: true } },
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    axes: [{}, { values: axis, size: 80 }],
    series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.stroke, width: 2, dash: s.dash, points: { show: true, size: 7, fill: s.stroke } }))],
  };
  const plot = new uPlot(options, [xs, ...series.map((s) => s.values)], box);
  drawn.push({ id, points: plot.data[0].length, series: plot.series.length - 1 });
}

for (const plan of data.plans) {
  const section = element('section', { 'data-plan': plan.plan });
  section.appendChild(element('h2', {}, `Plan ${plan.plan}`));
  root.appendChild(section);
  chart(section, `${plan.plan}/bytes`, 'Logical bytes of each backup, and bytes stored in the vault so far', plan.bytes.t,
    [{ label: 'logical', stroke: '#1f77b4', values: plan.bytes.logical }, { label: 'stored (cumulative)', stroke: '#d62728', values: plan.bytes.stored }], bytesAxis);
  chart(section, `${plan.plan}/dedup`, 'Dedup ratio (logical ÷ stored, all backups so far)', plan.dedup.t,
    [{ label: 'logical ÷ stored', stroke: '#2ca02c', values: plan.dedup.ratio }], (u, values) => values.map((v) => `${v.toFixed(1)}×`));
  chart(section, `${plan.plan}/durations`, 'Backup durations (start to end; failed runs included)', plan.durations.t,
    [{ label: 'duration', stroke: '#9467bd', values: plan.durations.seconds }], secondsAxis);
  chart(section, `${plan.plan}/rpo`, `RPO: time without a newer backup, against the objective (${(plan.rpoSeconds / 3600).toFixed(1)} h)`, plan.rpo.t,
    [{ label: 'gap', stroke: '#ff7f0e', values: plan.rpo.gapSeconds }, { label: 'RPO objective', stroke: '#7f7f7f', dash: [6, 4], values: plan.rpo.objectiveSeconds }], secondsAxis);
  chart(section, `${plan.plan}/drills`, `Drill RTO against the objective (${(plan.rtoSeconds / 60).toFixed(0)} min)`, plan.drills.t,
    [{ label: 'RTO', stroke: '#17becf', values: plan.drills.rtoSeconds }, { label: 'RTO objective', stroke: '#7f7f7f', dash: [6, 4], values: plan.drills.objectiveSeconds }], secondsAxis);
  const missed = plan.rpo.met.filter((m) => !m).length;
  section.appendChild(element('p', { class: 'summary' }, `RPO met at ${plan.rpo.met.length - missed} of ${plan.rpo.met.length} points; drills: ${plan.drills.verdict.join(', ') || 'none with an RTO'}`));
  // The newest drill of each vault, as `lifeboat status` judges them: the chart mixes both vaults' drills.
  section.appendChild(element('h3', {}, 'Newest drill of each vault'));
  if (plan.lastDrills.length === 0) section.appendChild(element('p', { class: 'none' }, 'no drill yet'));
  const lastDrills = element('ul', { 'data-last-drills': plan.plan });
  for (const line of plan.lastDrills) lastDrills.appendChild(element('li', {}, line));
  section.appendChild(lastDrills);
}
if (data.latest) {
  // Mirrors and prunes keep only their last run: listed as `lifeboat status` prints them, not charted.
  const section = element('section', { 'data-latest': 'true' });
  section.appendChild(element('h2', {}, 'Mirrors and prunes at the time of the report'));
  for (const [title, lines] of [['Mirrors', data.latest.mirrors], ['Prunes', data.latest.prunes]]) {
    section.appendChild(element('h3', {}, title));
    if (lines.length === 0) section.appendChild(element('p', { class: 'empty' }, 'none'));
    const list = element('ul', {});
    for (const line of lines) list.appendChild(element('li', {}, line));
    section.appendChild(list);
  }
  root.appendChild(section);
}
for (const problem of data.problems) root.appendChild(element('p', { class: 'problem' }, `! ${problem}`));

window.lifeboatReport = { charts: drawn };
document.body.dataset.rendered = 'true';
