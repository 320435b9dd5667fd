// The dashboard's single page (HTML, CSS and JavaScript, no external assets), served at "/".
// It polls /api/status, /api/overview and /api/events every 2.5 s and redraws: a summary (with
// clustermgtd's last iteration: duration and outcome),
// nodes by queue and state (a colored grid and a table), jobs waiting/running, a chart of nodes
// against demand drawn as inline SVG from the server's samples, and the recent events.
#pragma once

namespace ebbflow::daemons {

inline constexpr const char* kDashboardPage = R"EBBFLOW(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ebbflow dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f4f6f8;color:#1d2733}
header{background:#1d3557;color:#fff;padding:10px 20px;display:flex;gap:24px;align-items:baseline;flex-wrap:wrap}
header h1{font-size:20px;margin:0} header span{opacity:.9;font-size:14px}
main{padding:14px 20px;display:grid;grid-template-columns:1fr 1fr;gap:14px}
section{background:#fff;border-radius:6px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:10px 14px;overflow:auto}
section.wide{grid-column:1 / span 2}
h2{font-size:15px;margin:2px 0 8px;color:#1d3557}
table{border-collapse:collapse;width:100%;font-size:12.5px}
th,td{text-align:left;padding:3px 6px;border-bottom:1px solid #e4e8ec;white-space:nowrap}
td.reason{white-space:normal}
th{background:#eef2f5}
.kv{display:grid;grid-template-columns:repeat(4,1fr);gap:8px}
.kv div{background:#eef2f5;border-radius:4px;padding:6px 8px;font-size:12px}
.kv b{display:block;font-size:20px;color:#1d3557}
.grid{display:flex;flex-wrap:wrap;gap:4px;margin:4px 0 10px}
.cell{width:22px;height:22px;border-radius:3px;border:1px solid rgba(0,0,0,.15)}
.s-idle{background:#8ecae6}.s-busy{background:#2a9d8f}.s-power{background:#dde2e6}.s-up{background:#f4a261}
.s-down{background:#e63946}.s-other{background:#b5838d}
.legend span{display:inline-block;margin-right:10px;font-size:12px}
.legend i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:4px;vertical-align:-2px}
.ok{color:#2a9d8f;font-weight:600}.bad{color:#e63946;font-weight:600}.unknown{color:#888;font-style:italic}
.err{background:#fde8ea;color:#8d1b27;padding:6px 8px;border-radius:4px;font-size:12px;margin:4px 0}
svg text{font-size:11px;fill:#556}
</style></head>
<body>
<header><h1>ebbflow &middot; <span id="name">...</span></h1>
<span>fleet <b id="fleet">unknown</b></span><span>heartbeat <b id="hb">unknown</b></span>
<span>last iteration <b id="iter">unknown</b></span>
<span>updated <b id="updated">never</b></span></header>
<main>
<section><h2>Summary</h2><div class="kv">
<div>instances<b id="instances">unknown</b></div><div>nodes powered up<b id="powered">unknown</b></div>
<div>jobs waiting<b id="pending">unknown</b></div><div>jobs running<b id="running">unknown</b></div></div>
<div id="problems"></div>
<h2 style="margin-top:10px">Daemons</h2><div id="daemons" class="unknown">unknown</div></section>
<section><h2>Nodes against demand</h2><svg id="chart" width="100%" height="190" viewBox="0 0 600 190" preserveAspectRatio="none"></svg>
<div class="legend"><span><i style="background:#1d3557"></i>powered-up nodes</span><span><i style="background:#2a9d8f"></i>busy nodes</span>
<span><i style="background:#e76f51"></i>waiting jobs</span></div></section>
<section class="wide"><h2>Nodes by queue and state</h2>
<div class="legend"><span><i class="s-busy"></i>busy</span><span><i class="s-idle"></i>idle</span><span><i class="s-up"></i>powering up</span>
<span><i class="s-power"></i>power-saved</span><span><i class="s-down"></i>down/drained</span><span><i class="s-other"></i>other</span></div>
<div id="queues" class="unknown">unknown (waiting for the first sample)</div></section>
<section class="wide"><h2>Recent events</h2>
<table><thead><tr><th>time</th><th>component</th><th>rule</th><th>action</th><th>nodes</th><th>reason</th><th>outcome</th></tr></thead>
<tbody id="events"><tr><td colspan="7" class="unknown">no events yet</td></tr></tbody></table></section>
</main>
<script>
"use strict";
const $ = id => document.getElementById(id);
const esc = s => String(s == null ? "" : s).replace(/[&<>"]/g, c => ({"&":"&amp;","<":"&lt;",">":"&gt;","\"":"&quot;"}[c]));
const show = v => (v === null || v === undefined) ? '<span class="unknown">unknown</span>' : esc(v);
let eventsSince = 0, events = [];

function stateClass(s) {
  if (s === "power-saved" || /POWERED_DOWN|POWER_DOWN|POWERING_DOWN/.test(s)) return "s-power";
  if (/DOWN|DRAIN|FAIL/.test(s)) return "s-down";
  if (/POWERING_UP|POWER_UP/.test(s)) return "s-up";
  if (/ALLOC|MIXED|COMPLETING/.test(s)) return "s-busy";
  if (/IDLE/.test(s)) return "s-idle";
  return "s-other";
}

function renderStatus(st) {
  $("name").textContent = st.name || "(starting)";
  $("fleet").innerHTML = show(st.fleet);
  $("hb").innerHTML = st.heartbeat_age_s == null ? show(null) : esc(st.heartbeat_age_s + " s ago");
  const it = st.last_iteration;
  $("iter").innerHTML = it ? esc(Number(it.seconds).toFixed(2) + " s, " + it.outcome) : show(null);
  $("instances").innerHTML = show(st.instance_count);
  const probs = [];
  for (const k of ["error", "slurm_error", "instance_error"]) if (st[k]) probs.push(k.replace("_", " ") + ": " + st[k]);
  for (const [q, why] of Object.entries(st.protected_partitions || {})) probs.push("PROTECTED MODE: queue " + q + ": " + why);
  $("problems").innerHTML = probs.map(p => '<div class="err">' + esc(p) + '</div>').join("");
  const d = st.daemons || {};
  $("daemons").className = "";
  $("daemons").innerHTML = Object.keys(d).length ? Object.entries(d).map(([n, v]) =>
    esc(n) + ' <span class="' + (v.running ? "ok" : "bad") + '">' + (v.running ? "running" : "stopped") + '</span>').join(" &middot; ")
    : show(null);
  const qs = st.queues || [];
  if (!qs.length) { $("queues").className = "unknown"; $("queues").textContent = st.slurm_error ? "unknown (Slurm unreachable)" : "unknown"; return; }
  let html = "";
  for (const q of qs) for (const cr of q.compute_resources) {
    html += '<h2>' + esc(q.name) + ' / ' + esc(cr.name) + ' <small>(' + esc(cr.instance_type) + ', min ' + cr.min_count + ', max ' + cr.max_count + ')</small></h2>';
    html += '<div class="grid">' + cr.nodes.map(n => '<div class="cell ' + stateClass(n.state) + '" title="' + esc(n.name + " " + n.state) + '"></div>').join("") + '</div>';
    html += '<table><thead><tr><th>node</th><th>type</th><th>state</th><th>address</th><th>instance</th><th>reason</th></tr></thead><tbody>';
    html += cr.nodes.map(n => '<tr class="node-row"><td>' + esc(n.name) + '</td><td>' + esc(n.type) + '</td><td><i class="cell ' + stateClass(n.state) +
      '" style="display:inline-block;width:10px;height:10px"></i> ' + esc(n.state) + '</td><td>' + esc(n.address) + '</td><td>' + esc(n.instance) +
      '</td><td class="reason">' + esc(n.reason) + '</td></tr>').join("") + '</tbody></table>';
  }
  $("queues").className = ""; $("queues").innerHTML = html;
}

function renderChart(samples) {
  const W = 600, H = 190, L = 34, B = 22, T = 8, R = 8, svg = $("chart");
  if (!samples.length) { svg.innerHTML = '<text x="' + (W / 2 - 60) + '" y="' + H / 2 + '">no samples yet</text>'; return; }
  const keys = [["powered", "#1d3557"], ["busy", "#2a9d8f"], ["pending", "#e76f51"]];
  let max = 1;
  for (const s of samples) for (const [k] of keys) if (s[k] != null) max = Math.max(max, s[k]);
  const t0 = samples[0].t, t1 = Math.max(samples[samples.length - 1].t, t0 + 1);
  const x = t => L + (W - L - R) * (t - t0) / (t1 - t0), y = v => H - B - (H - B - T) * v / max;
  let g = "";
  for (let i = 0; i <= 4; i++) { const v = Math.round(max * i / 4); g += '<line x1="' + L + '" x2="' + (W - R) + '" y1="' + y(v) + '" y2="' + y(v) + '" stroke="#e4e8ec"/><text x="4" y="' + (y(v) + 4) + '">' + v + '</text>'; }
  g += '<text x="' + L + '" y="' + (H - 6) + '">' + new Date(t0 * 1000).toISOString().substr(11, 8) + '</text>';
  g += '<text x="' + (W - R - 50) + '" y="' + (H - 6) + '">' + new Date(t1 * 1000).toISOString().substr(11, 8) + '</text>';
  for (const [k, color] of keys) {
    const pts = samples.filter(s => s[k] != null).map(s => x(s.t).toFixed(1) + "," + y(s[k]).toFixed(1));
    if (pts.length === 1) pts.push((W - R) + "," + pts[0].split(",")[1]);
    if (pts.length) g += '<polyline fill="none" stroke-width="2" stroke="' + color + '" points="' + pts.join(" ") + '"/>';
  }
  svg.innerHTML = g;
}

function renderEvents() {
  const rows = events.slice(-60).reverse().map(e => '<tr class="event-row"><td>' + esc(e.time) + '</td><td>' + esc(e.component) + '</td><td>' +
    esc(e.rule) + '</td><td>' + esc(e.action) + '</td><td>' + esc((e.nodes || []).join(",") + (e.node_count > (e.nodes || []).length ? " (+" + (e.node_count - e.nodes.length) + ")" : "")) +
    '</td><td class="reason">' + esc(e.reason) + '</td><td class="' + (e.outcome === "ok" ? "ok" : "bad") + '">' + esc(e.outcome) + '</td></tr>');
  if (rows.length) $("events").innerHTML = rows.join("");
}

async function poll() {
  try {
    const [st, ov, ev] = await Promise.all([fetch("/api/status").then(r => r.json()), fetch("/api/overview").then(r => r.json()),
                                            fetch("/api/events?since=" + eventsSince).then(r => r.json())]);
    renderStatus(st);
    $("pending").innerHTML = show(ov.jobs.pending); $("running").innerHTML = show(ov.jobs.running);
    const last = ov.samples.length ? ov.samples[ov.samples.length - 1] : null;
    $("powered").innerHTML = show(last ? last.powered : null);
    renderChart(ov.samples);
    if (ev.events.length) { events = events.concat(ev.events).slice(-500); eventsSince = ev.events[ev.events.length - 1].offset; }
    renderEvents();
    $("updated").textContent = ov.sampled_at ? new Date(ov.sampled_at * 1000).toISOString().substr(11, 8) + " UTC" : "never";
  } catch (e) { $("updated").textContent = "dashboard unreachable"; }
}
poll(); setInterval(poll, 2500);
</script></body></html>)EBBFLOW";

}  // namespace ebbflow::daemons
