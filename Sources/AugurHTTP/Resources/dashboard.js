// Augur dashboard: fetches /api/v1/ and draws tables and Chart.js charts. No build step.
// After each full render it sets data-points on every chart canvas (how many points it drew) and data-rendered on the
// body, and counts refreshes in data-refreshes, so that tests and scripts can tell what the page shows.
"use strict";

const body = document.body;
const page = body.dataset.page;
const study = body.dataset.study;
const api = "/api/v1";
const charts = {};
const pollMilliseconds = 2000;
let etags = {};
let pendingEtags = {};

function showError(message) {
  const box = document.getElementById("error");
  if (!box) return;
  if (message) { box.textContent = message; box.hidden = false; } else { box.hidden = true; }
}

// GET a JSON resource; with `conditional`, sends the ETag of the last complete refresh and resolves to null when
// nothing changed (304). The new ETag counts only once the whole refresh has drawn (`commitEtag`), so a refresh that
// failed half-way is redone at the next poll.
async function getJSON(path, conditional) {
  const headers = {};
  if (conditional && etags[path]) headers["If-None-Match"] = etags[path];
  const response = await fetch(api + path, { headers, credentials: "same-origin" });
  if (response.status === 304) return null;
  if (!response.ok) {
    let message = response.status + " " + response.statusText;
    try { message = (await response.json()).error.message; } catch (e) {}
    throw new Error(message);
  }
  if (conditional) pendingEtags[path] = response.headers.get("ETag");
  return response.json();
}

function commitEtag(path) {
  if (pendingEtags[path]) etags[path] = pendingEtags[path];
}

function format(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toPrecision(6).replace(/\.?0+$/, "");
  return String(value);
}
// One formatter for every time on the page: `toLocaleString` builds a new one per call, which cost tens of
// milliseconds on a trial table.
const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "short", timeStyle: "medium" });
function time(text) { return text ? timeFormat.format(new Date(text)) : ""; }
function esc(text) { const d = document.createElement("div"); d.textContent = format(text); return d.innerHTML; }
function path(name) { return encodeURIComponent(name); }

function drawChart(id, config, points) {
  const canvas = document.getElementById(id);
  if (!canvas) return;
  config.options = Object.assign({ animation: false, responsive: true, maintainAspectRatio: false }, config.options || {});
  if (charts[id]) charts[id].destroy();
  charts[id] = new Chart(canvas, config);
  canvas.dataset.points = String(points);
}

function colour(t) {  // t in [0, 1], 1 best: blue (bad) to red (good)
  const r = Math.round(40 + 200 * t), b = Math.round(220 - 180 * t);
  return "rgba(" + r + ",80," + b + ",0.6)";
}

function markRendered() {
  // The first full render is also a performance mark, so that a benchmark can read when the page was complete.
  if (performance.mark && performance.getEntriesByName("augur-rendered").length === 0) performance.mark("augur-rendered");
  body.dataset.rendered = "true";
  body.dataset.refreshes = String(Number(body.dataset.refreshes || 0) + 1);
}

// MARK: studies page
let studiesRows = [];
let studiesSort = { key: "name", descending: false };

function studiesKey(row, key) {
  if (key === "progress") return row.progress.ended;
  return row[key];
}

function renderStudies() {
  const rows = studiesRows.slice().sort((a, b) => {
    const x = studiesKey(a, studiesSort.key), y = studiesKey(b, studiesSort.key);
    const order = x === y ? 0 : (x === null || x === undefined) ? 1 : (y === null || y === undefined) ? -1 : x < y ? -1 : 1;
    return studiesSort.descending ? -order : order;
  });
  const tbody = document.querySelector("#studies tbody");
  tbody.innerHTML = rows.map(row => {
    const p = row.progress;
    return "<tr data-study=\"" + esc(row.name) + "\"><td><a href=\"/studies/" + path(row.name) + "\">" + esc(row.name) + "</a></td>" +
      "<td><span class=\"state " + esc(row.state) + "\">" + esc(row.state) + "</span></td><td>" + esc(row.algorithm) + "</td>" +
      "<td class=\"num\">" + p.completed + " / " + p.active + " / " + (p.failed + p.infeasible) + " of " + p.max_trials + "</td>" +
      "<td class=\"num\">" + esc(row.best_value) + " (" + esc(row.goal) + " " + esc(row.metric) + ")</td><td>" + time(row.last_activity) + "</td></tr>";
  }).join("");
  tbody.dataset.rows = String(rows.length);
}

async function refreshStudies() {
  const data = await getJSON("/studies", true);
  if (data) { studiesRows = data.studies; renderStudies(); commitEtag("/studies"); }
  markRendered();
}

// MARK: study page
let studyInfo = null;
let trialPageTokens = [""];

function renderSummary(info) {
  const s = info.study, p = s.progress;
  document.getElementById("study-state").textContent = s.state;
  document.getElementById("study-state").className = "state " + s.state;
  const fields = [
    ["Objective", s.goal + " " + s.metric], ["Algorithm", s.algorithm],
    ["Progress", p.completed + " completed, " + p.active + " running, " + p.stopped + " stopped, " + (p.failed + p.infeasible) +
      " failed of " + p.max_trials + " (" + p.requested + " requested)"],
    ["Best value", info.best_trial ? format(info.best_trial.value) + " (trial " + info.best_trial.id + ")" : "none yet"],
    ["Parameters", info.parameters.map(x => x.name + " (" + x.type + (x.scale === "log" ? ", log" : "") + ")").join(", ")],
    ["Parallel trials", info.parallel_trials], ["Early stopping", info.early_stopping || "off"],
    ["State reason", s.state_reason || ""], ["Created", time(s.created_at)], ["Last activity", time(s.last_activity)],
  ];
  document.getElementById("summary").innerHTML = fields.map(f => "<b>" + esc(f[0]) + "</b><span>" + esc(f[1]) + "</span>").join("");
  const sort = document.querySelector("#trial-controls select[name=sort]");
  if (sort.options.length === 1) {
    for (const metric of info.metrics) { const o = document.createElement("option"); o.value = metric; o.textContent = metric; sort.appendChild(o); }
  }
}

// A click on a trial's point in the history or a slice plot opens that trial's page.
function openTrialAtPoint(event, elements, chart) {
  if (!elements.length) return;
  const point = chart.data.datasets[elements[0].datasetIndex].data[elements[0].index];
  if (point && point.trial !== undefined) location.href = "/studies/" + path(study) + "/trials/" + point.trial;
}

function renderHistory(history) {
  const completed = history.points.filter(p => p.state === "COMPLETED" && p.value !== null);
  const others = history.points.filter(p => p.state !== "COMPLETED" && p.value !== null);
  const best = history.points.filter(p => p.best !== null).map(p => ({ x: p.trial, y: p.best }));
  drawChart("history-chart", {
    type: "scatter",
    data: { datasets: [
      { label: "objective (" + history.metric + ")", data: completed.map(p => ({ x: p.trial, y: p.value, trial: p.trial })), backgroundColor: "rgba(40,90,200,0.6)" },
      { label: "stopped / failed", data: others.map(p => ({ x: p.trial, y: p.value, trial: p.trial })), backgroundColor: "rgba(220,120,0,0.8)", pointStyle: "crossRot", pointRadius: 5 },
      { label: "best so far", type: "line", data: best, borderColor: "#c22", pointRadius: 0, stepped: true, borderWidth: 2 },
    ] },
    options: { onClick: openTrialAtPoint,
               scales: { x: { title: { display: true, text: "trial" + (history.downsampled ? " (" + history.points.length + " of " + history.total + " shown)" : "") } },
                         y: { title: { display: true, text: history.metric } } } },
  }, completed.length + others.length);
}

function renderImportance(importance) {
  const note = document.getElementById("importance-note");
  note.textContent = importance.note || ("top " + Math.round(importance.quantile * 100) + "% (" + importance.top_count + " of " + importance.trial_count + " completed trials) against all");
  drawChart("importance-chart", {
    type: "bar",
    data: { labels: importance.parameters.map(p => p.name),
            datasets: [{ label: "importance", data: importance.parameters.map(p => p.importance), backgroundColor: "rgba(40,140,90,0.7)" }] },
    options: { indexAxis: "y", scales: { x: { min: 0, max: 1 } } },
  }, importance.parameters.length);
}

function unitValue(parameter, value) {
  if (value === null || value === undefined) return null;
  if (parameter.values && parameter.type !== "discrete") return (parameter.values.indexOf(value) + 0.5) / parameter.values.length;
  if (parameter.min === null || parameter.max === null || parameter.max === parameter.min) return 0.5;
  if (parameter.scale === "log" && parameter.min > 0) return Math.log(value / parameter.min) / Math.log(parameter.max / parameter.min);
  return (value - parameter.min) / (parameter.max - parameter.min);
}

function renderParallel(info, history) {
  const completed = history.points.filter(p => p.state === "COMPLETED" && p.value !== null).slice(-300);
  const values = completed.map(p => p.value);
  const low = Math.min(...values), high = Math.max(...values);
  const maximize = history.goal === "MAXIMIZE" || history.goal === "maximize";
  const quality = v => high === low ? 1 : (maximize ? (v - low) / (high - low) : (high - v) / (high - low));
  const labels = info.parameters.map(p => p.name).concat([history.metric]);
  // One dataset for all lines (Chart.js's cost grows with the number of datasets): each trial's polyline runs from
  // the first axis to the last, a point without a value ends it, and each segment takes its trial's colour.
  const data = [], colours = [];
  for (const p of completed) {
    const values = info.parameters.map(x => unitValue(x, p.parameters[x.name])).concat([high === low ? 0.5 : (p.value - low) / (high - low)]);
    const c = colour(quality(p.value));
    values.forEach((y, x) => { data.push({ x, y }); colours.push(c); });
    data.push({ x: values.length - 1, y: null });
    colours.push(c);
  }
  drawChart("parallel-chart", {
    type: "line",
    data: { datasets: [{ data, borderWidth: 1, pointRadius: 0, fill: false, spanGaps: false,
                         segment: { borderColor: ctx => colours[ctx.p0DataIndex] } }] },
    // Parsed, not `parsing: false`: Chart.js then takes the data for sorted by x, which these polylines are not.
    options: { plugins: { legend: { display: false }, tooltip: { enabled: false } },
               scales: { x: { type: "linear", min: 0, max: labels.length - 1, ticks: { stepSize: 1, callback: v => labels[v] === undefined ? "" : labels[v] } },
                         y: { min: 0, max: 1, title: { display: true, text: "position in range (objective: min to max)" } } } },
  }, completed.length);
}

function renderSlices(info, history) {
  const container = document.getElementById("slices");
  const completed = history.points.filter(p => p.state === "COMPLETED" && p.value !== null);
  if (container.children.length !== info.parameters.length) {
    container.innerHTML = info.parameters.map((p, i) =>
      "<figure><figcaption>" + esc(p.name) + "</figcaption><div class=\"chart\"><canvas id=\"slice-" + i + "\" class=\"slice\"></canvas></div></figure>").join("");
  }
  info.parameters.forEach((p, i) => {
    const categorical = p.type === "categorical";
    // A conditional parameter is plotted for the trials in which it exists.
    const data = completed.filter(t => t.parameters[p.name] !== undefined)
      .map(t => ({ x: categorical ? p.values.indexOf(t.parameters[p.name]) : t.parameters[p.name], y: t.value, trial: t.trial }));
    const x = { title: { display: true, text: p.name } };
    if (p.scale === "log") x.type = "logarithmic";
    if (categorical) x.ticks = { callback: v => p.values[v] === undefined ? "" : p.values[v], stepSize: 1 };
    drawChart("slice-" + i, {
      type: "scatter", data: { datasets: [{ label: history.metric, data, backgroundColor: "rgba(40,90,200,0.5)", pointRadius: 2 }] },
      options: { onClick: openTrialAtPoint, plugins: { legend: { display: false } }, scales: { x, y: { title: { display: true, text: history.metric } } } },
    }, data.length);
  });
}

function renderCurves(intermediate) {
  const datasets = intermediate.curves.filter(c => c.points.length > 0).map(c => ({
    label: "trial " + c.trial + " " + c.state + (c.reason && c.state === "STOPPED" ? ": " + c.reason : ""),
    data: c.points.map(p => ({ x: p[0], y: p[1] })),
    borderColor: c.state === "STOPPED" ? "rgba(220,120,0,0.8)" : c.state === "ACTIVE" ? "rgba(40,160,60,0.9)" : "rgba(40,90,200,0.5)",
    borderDash: c.state === "STOPPED" ? [4, 3] : [], borderWidth: 1, pointRadius: 0, fill: false,
  }));
  drawChart("curves-chart", {
    type: "line", data: { datasets },
    options: { parsing: true, plugins: { legend: { display: false } },
               scales: { x: { type: "linear", title: { display: true, text: "step" } }, y: { title: { display: true, text: intermediate.metric } } } },
  }, datasets.reduce((n, d) => n + d.data.length, 0));
}

function trialQuery(includePaging) {
  const form = document.getElementById("trial-controls");
  const params = new URLSearchParams();
  for (const name of ["state", "sort", "order"]) { const v = form.elements[name].value; if (v) params.set(name, v); }
  if (includePaging) {
    params.set("page_size", form.elements.page_size.value);
    const token = trialPageTokens[trialPageTokens.length - 1];
    if (token) params.set("page_token", token);
  }
  return params;
}

function fetchTrials() {
  return getJSON("/studies/" + path(study) + "/trials?" + trialQuery(true).toString(), false);
}

async function refreshTrials(fetched) {
  const data = await (fetched || fetchTrials());
  const parameters = studyInfo.parameters.map(p => p.name), metrics = studyInfo.metrics;
  document.querySelector("#trials thead").innerHTML = "<tr><th>Trial</th><th>State</th>" + parameters.map(p => "<th>" + esc(p) + "</th>").join("") +
    metrics.map(m => "<th>" + esc(m) + "</th>").join("") + "<th>Ended</th><th>Reason</th></tr>";
  const tbody = document.querySelector("#trials tbody");
  tbody.innerHTML = data.trials.map(t => "<tr><td><a href=\"/studies/" + path(study) + "/trials/" + t.id + "\">" + t.id + "</a></td>" +
    "<td><span class=\"state " + esc(t.state) + "\">" + esc(t.state) + "</span></td>" +
    parameters.map(p => "<td class=\"num\">" + esc(t.parameters[p]) + "</td>").join("") +
    metrics.map(m => "<td class=\"num\">" + esc(t.metrics[m]) + "</td>").join("") +
    "<td>" + time(t.ended_at) + "</td><td>" + esc(t.reason) + "</td></tr>").join("");
  tbody.dataset.rows = String(data.trials.length);
  document.getElementById("page-info").textContent = "page " + trialPageTokens.length + ", " + data.total_size + " trials match";
  const next = document.getElementById("next-page");
  next.disabled = !data.next_page_token;
  next.dataset.token = data.next_page_token || "";
  const download = trialQuery(false);
  document.getElementById("download-csv").href = api + "/studies/" + path(study) + "/export?format=csv&" + download.toString();
  document.getElementById("download-json").href = api + "/studies/" + path(study) + "/export?format=json&" + download.toString();
}

function fetchAnalyses() {
  return Promise.all([
    getJSON("/studies/" + path(study) + "/history"), getJSON("/studies/" + path(study) + "/importance"),
    getJSON("/studies/" + path(study) + "/intermediate"), fetchTrials(),
  ]);
}

async function refreshStudy() {
  // The first load asks for everything at once; a later poll asks for the rest only when the study changed.
  const first = studyInfo === null;
  const early = first ? fetchAnalyses() : null;
  if (early) early.catch(() => {});  // its failure is reported where it is awaited
  const info = await getJSON("/studies/" + path(study), true);
  if (!info) return;  // 304: nothing changed since the last poll
  studyInfo = info;
  const [history, importance, intermediate, trials] = await (early || fetchAnalyses());
  renderSummary(info);
  renderHistory(history);
  renderImportance(importance);
  renderParallel(info, history);
  renderSlices(info, history);
  renderCurves(intermediate);
  await refreshTrials(trials);
  commitEtag("/studies/" + path(study));
  markRendered();
}

function setUpTrialControls() {
  const form = document.getElementById("trial-controls");
  form.addEventListener("change", () => { trialPageTokens = [""]; refreshTrials().then(() => showError(null), e => showError(e.message)); });
  document.getElementById("next-page").addEventListener("click", e => {
    if (!e.target.dataset.token) return;
    trialPageTokens.push(e.target.dataset.token);
    refreshTrials().catch(err => showError(err.message));
  });
  document.getElementById("first-page").addEventListener("click", () => {
    trialPageTokens = [""];
    refreshTrials().catch(err => showError(err.message));
  });
}

// MARK: trial page
async function refreshTrial() {
  const trialPath = "/studies/" + path(study) + "/trials/" + body.dataset.trial;
  const trial = await getJSON(trialPath, true);
  if (!trial) return;
  document.getElementById("trial-state").textContent = trial.state;
  document.getElementById("trial-state").className = "state " + trial.state;
  const fields = [["Value", trial.value], ["Reason", trial.reason || ""], ["Worker", trial.worker || ""], ["Lease expires", time(trial.lease_expires_at)],
    ["Retries", trial.retry_count], ["Created", time(trial.created_at)], ["Started", time(trial.started_at)], ["Ended", time(trial.ended_at)]]
    .concat(Object.keys(trial.parameters).sort().map(k => ["Parameter " + k, trial.parameters[k]]))
    .concat(Object.keys(trial.metrics).sort().map(k => ["Final " + k, trial.metrics[k]]));
  document.getElementById("trial-summary").innerHTML = fields.map(f => "<b>" + esc(f[0]) + "</b><span>" + esc(f[1]) + "</span>").join("");
  const history = document.querySelector("#trial-history tbody");
  history.innerHTML = (trial.history || []).map(e => "<tr><td>" + time(e.at) + "</td><td><span class=\"state " + esc(e.state) + "\">" + esc(e.state) +
    "</span></td><td>" + esc(e.worker || "") + "</td><td class=\"num\">" + e.retry_count + "</td><td>" + esc(e.reason || "") + "</td></tr>").join("");
  history.dataset.rows = String((trial.history || []).length);
  const metrics = [...new Set(trial.measurements.flatMap(m => Object.keys(m.metrics)))].sort();
  document.querySelector("#measurements thead").innerHTML = "<tr><th>Step</th><th>Elapsed (s)</th>" + metrics.map(m => "<th>" + esc(m) + "</th>").join("") + "</tr>";
  document.querySelector("#measurements tbody").innerHTML = trial.measurements.map(m => "<tr><td class=\"num\">" + m.step + "</td><td class=\"num\">" +
    esc(m.elapsed_seconds) + "</td>" + metrics.map(k => "<td class=\"num\">" + esc(m.metrics[k]) + "</td>").join("") + "</tr>").join("");
  const datasets = metrics.map((k, i) => ({ label: k, data: trial.measurements.filter(m => k in m.metrics).map(m => ({ x: m.step, y: m.metrics[k] })),
    borderColor: ["#28c", "#c52", "#2a5", "#a2c"][i % 4], pointRadius: 2, fill: false }));
  drawChart("measurements-chart", { type: "line", data: { datasets }, options: { scales: { x: { type: "linear", title: { display: true, text: "step" } } } } },
    datasets.reduce((n, d) => n + d.data.length, 0));
  commitEtag(trialPath);
  markRendered();
}

// MARK: polling
async function poll(refresh) {
  try { await refresh(); showError(null); } catch (e) { showError("Could not load data: " + e.message + " (retrying)"); body.dataset.failed = "true"; }
  setTimeout(() => poll(refresh), pollMilliseconds);
}

if (page === "studies") poll(refreshStudies);
if (page === "study") { setUpTrialControls(); poll(refreshStudy); }
if (page === "trial") poll(refreshTrial);
if (page === "studies") {
  document.querySelectorAll("#studies th[data-sort]").forEach(th => th.addEventListener("click", () => {
    const key = th.dataset.sort;
    studiesSort = { key, descending: studiesSort.key === key ? !studiesSort.descending : false };
    renderStudies();
  }));
}
