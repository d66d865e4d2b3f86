/* ragworks admin pages: live tiles, trend charts (uPlot), drift, and actions. */
(function () {
  "use strict";
  const COLORS = ["#2f6fed", "#d63b3b", "#1a9a5b", "#d98a00", "#8e44ad", "#16a2b8", "#7f8c8d", "#c0392b"];

  async function api(path, options) {
    const opts = Object.assign({ credentials: "same-origin", headers: {} }, options || {});
    opts.headers["X-Requested-With"] = "ragworks";
    if (opts.body && typeof opts.body !== "string") {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(opts.body);
    }
    const resp = await fetch(path, opts);
    if (resp.status === 401) { location.href = "/admin/login?next=" + encodeURIComponent(location.pathname); }
    if (!resp.ok) {  // the API's errors are {"error", "detail"}: show the detail
      const text = await resp.text();
      let message = text;
      try {
        const body = JSON.parse(text);
        if (body.detail) message = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
      } catch (_) { /* not JSON */ }
      throw new Error(message || resp.statusText);
    }
    return resp.status === 204 ? null : resp.json();
  }

  function fmt(value, kind) {
    if (value === null || value === undefined) return "–";
    if (kind === "pct") return (value * 100).toFixed(1) + "%";
    if (kind === "ms") {
      if (value >= 10000) return (value / 1000).toFixed(value % 1000 ? 1 : 0) + " s";
      return value >= 1000 ? (value / 1000).toFixed(2) + " s" : Math.round(value) + " ms";
    }
    if (kind === "usd") return "$" + value.toFixed(4);
    if (kind === "int") return Math.round(value).toLocaleString();
    return String(Math.round(value * 100) / 100);
  }

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
  }

  // production (live users) unless the selector asks for the service's own traffic
  function traffic() {
    const el = document.getElementById("traffic");
    return el ? encodeURIComponent(el.value) : "production";
  }

  // -- tiles -------------------------------------------------------------------------
  async function refreshTiles() {
    const t = await api("/api/v1/dashboard/tiles?traffic=" + traffic());
    document.querySelectorAll(".tile").forEach((tile) => {
      const el = tile.querySelector(".value");
      const text = fmt(t[tile.dataset.key], tile.dataset.fmt);
      if (el.textContent !== text) {
        el.textContent = text;
        tile.classList.add("changed");
        setTimeout(() => tile.classList.remove("changed"), 800);
      }
    });
    document.getElementById("tiles-at").textContent = new Date(t.at * 1000).toLocaleTimeString();
    document.body.dataset.tilesUpdated = String(Date.now());
  }

  async function refreshFiring() {
    const data = await api("/api/v1/alerts");
    const firing = data.rules.filter((r) => r.state === "firing");
    const el = document.getElementById("firing");
    el.hidden = firing.length === 0;
    el.innerHTML = firing.length ? "Firing: " + firing.map((r) => esc(r.name)).join(", ") + ' · <a href="/admin/alerts">see alerts</a>' : "";
  }

  // -- charts ------------------------------------------------------------------------
  const charts = {};

  function plot(id, times, series, opts) {
    const el = document.getElementById("chart-" + id);
    if (!el) return;
    if (charts[id]) { charts[id].destroy(); delete charts[id]; }
    el.innerHTML = "";
    const names = Object.keys(series);
    const hasData = names.some((n) => series[n].some((v) => v !== null && v !== 0));
    el.dataset.points = String(names.reduce((a, n) => a + series[n].filter((v) => v !== null && v !== 0).length, 0));
    if (!names.length || !hasData) { el.innerHTML = '<div class="empty">no data in this range</div>'; return; }
    const width = Math.max(el.clientWidth, 300);
    const unit = opts && opts.unit;
    // the legend shows the newest values until the pointer is over the chart (not "--")
    const last = Math.max(0, ...names.map((n) => {
      for (let i = series[n].length - 1; i >= 0; i--) if (series[n][i] !== null) return i;
      return 0;
    }));
    const o = {
      width: width, height: (opts && opts.height) || 200,
      series: [{}].concat(names.map((n, i) => ({ label: n, stroke: COLORS[i % COLORS.length], width: 1.6,
        fill: opts && opts.fill ? COLORS[i % COLORS.length] + "22" : undefined, spanGaps: true,
        // a lone value is a dot (a line needs two)
        points: { show: series[n].filter((v) => v !== null).length <= 3, size: 6 },
        value: (u, v) => v === null || v === undefined ? "–" : fmt(v, unit) }))),
      axes: [{}, { size: axisSize, values: (u, vals) => vals.map((v) => unit ? fmt(v, unit) : fmt(v)) }],
      legend: { live: true }, cursor: { drag: { x: false, y: false } },
      hooks: { setCursor: [(u) => { if (u.cursor.idx === null || u.cursor.idx === undefined) u.setLegend({ idx: last }); }] },
    };
    charts[id] = new uPlot(o, [times].concat(names.map((n) => series[n])), el);
    charts[id].setLegend({ idx: last });
  }

  // the y axis as wide as its longest label (a fixed width clipped "60.00 s")
  function axisSize(u, values, axisIdx, cycleNum) {
    const axis = u.axes[axisIdx];
    if (cycleNum > 1) return axis._size;
    let size = axis.ticks.size + axis.gap;
    const longest = (values || []).reduce((a, v) => (String(v).length > a.length ? String(v) : a), "");
    if (longest) {
      u.ctx.font = axis.font[0];
      size += u.ctx.measureText(longest).width / (window.devicePixelRatio || 1);
    }
    return Math.ceil(size) + 4;
  }

  function pick(obj, key) {
    const out = {};
    Object.keys(obj).forEach((k) => { out[k] = obj[k][key]; });
    return out;
  }

  async function loadSeries(range) {
    const s = await api("/api/v1/dashboard/series?range=" + range + "&traffic=" + traffic());
    const t = s.t;
    plot("volume", t, { requests: s.volume.requests, errors: s.volume.errors, "not covered": s.volume.not_covered }, { fill: true });
    plot("latency", t, s.latency, { unit: "ms" });
    plot("stages", t, pick(s.stages, "p95"), { unit: "ms" });
    plot("tokens", t, s.tokens, { fill: true });
    plot("cost", t, s.cost, { unit: "usd" });
    plot("categories", t, s.categories, { fill: true });
    plot("quality", t, { "top retrieval score": s.top_score.mean, groundedness: s.groundedness,
                         "positive feedback": s.feedback.positive_rate,
                         "classification accuracy": s.classification_accuracy });
    plot("variants", t, pick(s.variants, "requests"));
    document.body.dataset.seriesRange = range;
  }

  async function loadDrift() {
    const d = await api("/api/v1/dashboard/drift");
    const word = (v, lo, hi) => v === null ? "not enough data" : v.toFixed(3) + (v > hi ? " · significant" : v > lo ? " · moderate" : " · stable");
    document.getElementById("drift-category").textContent = word(d.category_psi, 0.1, 0.25);
    document.getElementById("drift-embedding").textContent = d.embedding_shift === null ? "not enough data" : d.embedding_shift.toFixed(4);
    document.getElementById("drift-topscore").textContent = word(d.top_score_psi, 0.1, 0.25);
    const need = (what) => `<p class="muted small not-enough">Not enough data for ${what}: drift compares at least ${d.min_samples} production questions from the last 24 h with as many from the week before (now ${d.samples.recent} and ${d.samples.baseline}).</p>`;
    const c = d.categories, rs = c.recent.reduce((a, b) => a + b, 0) || 1, bs = c.baseline.reduce((a, b) => a + b, 0) || 1;
    document.getElementById("drift-bars").innerHTML = d.category_psi === null ? need("the category mix") : c.labels.map((l, i) =>
      `<div class="bar"><span>${esc(l)}</span><div class="fill recent" style="width:${(100 * c.recent[i] / rs).toFixed(1)}%" title="recent ${(100 * c.recent[i] / rs).toFixed(1)}%"></div>` +
      `<div class="fill base" style="width:${(100 * c.baseline[i] / bs).toFixed(1)}%" title="baseline ${(100 * c.baseline[i] / bs).toFixed(1)}%"></div></div>`).join("") +
      (c.labels.length ? '<p class="muted small">blue: recent share, grey: baseline share</p>' : "");
    const ts = d.top_score, rt = ts.recent.reduce((a, b) => a + b, 0) || 1, bt = ts.baseline.reduce((a, b) => a + b, 0) || 1;
    document.getElementById("drift-topscore-bars").innerHTML = d.top_score_psi === null ? (d.category_psi === null ? "" : need("top scores")) : ts.recent.map((n, i) =>
      `<div class="bar"><span>top score ${i < 10 ? "≤ " + ((i + 1) / 10).toFixed(1) : "> 1"}</span><div class="fill recent" style="width:${(100 * n / rt).toFixed(1)}%"></div>` +
      `<div class="fill base" style="width:${(100 * (ts.baseline[i] || 0) / bt).toFixed(1)}%"></div></div>`).join("");
    const h = d.embedding_shift_hourly;
    if (d.embedding_shift === null) {
      const el = document.getElementById("chart-shift");
      el.dataset.points = "0";
      el.innerHTML = '<div class="empty">not enough data for the embedding shift</div>';
    } else plot("shift", h.map((x) => x.t), { "embedding shift per hour": h.map((x) => x.shift) }, { height: 120 });
  }

  async function loadTimeline() {
    const [tl, fb] = await Promise.all([api("/api/v1/dashboard/timeline"), api("/api/v1/dashboard/feedback?limit=10")]);
    const when = (t) => new Date(t * 1000).toLocaleString();
    document.getElementById("timeline").innerHTML = tl.events.length ? tl.events.map((e) =>
      `<li>${when(e.at)} · ${esc(e.who)} promoted <code>${esc(JSON.stringify(e.overrides))}</code>${e.experiment ? " from " + esc(e.experiment) + "/" + esc(e.variant) : ""}</li>`).join("")
      : '<li class="muted">No promotions yet: the configuration is the default.</li>';
    document.getElementById("feedback").innerHTML = fb.feedback.length ? fb.feedback.map((f) =>
      `<li>${f.rating >= 0.5 ? '<span class="pill up">▲ up</span>' : '<span class="pill down">▼ down</span>'} <a href="/admin/traces/${esc(f.trace_id)}">${esc(f.question || f.trace_id)}</a>` +
      `${f.comment ? ' · “' + esc(f.comment) + '”' : ""}${f.corrected_category ? " · should be " + esc(f.corrected_category) : ""}</li>`).join("")
      : '<li class="muted">No feedback yet.</li>';
  }

  function dashboard(range) {
    let current = range;
    document.querySelectorAll(".range button").forEach((b) => b.addEventListener("click", () => {
      document.querySelectorAll(".range button").forEach((x) => x.classList.toggle("on", x === b));
      current = b.dataset.range;
      history.replaceState(null, "", "?range=" + current + "&traffic=" + traffic());
      loadSeries(current);
    }));
    const picker = document.getElementById("traffic");
    if (picker) picker.addEventListener("change", () => {
      history.replaceState(null, "", "?range=" + current + "&traffic=" + traffic());
      refreshTiles().catch((e) => console.error(e));
      loadSeries(current).catch((e) => console.error(e));
    });
    const safe = (f) => () => f().catch((e) => console.error(e));
    safe(refreshTiles)(); safe(() => loadSeries(current))(); safe(loadDrift)(); safe(loadTimeline)(); safe(refreshFiring)();
    setInterval(safe(refreshTiles), 3000);
    setInterval(safe(refreshFiring), 10000);
    setInterval(safe(() => loadSeries(current)), 30000);
  }

  // -- actions -----------------------------------------------------------------------
  function onClick(selector, handler) {
    document.querySelectorAll(selector).forEach((b) => b.addEventListener("click", async () => {
      b.disabled = true;
      try { await handler(b); location.reload(); } catch (e) {
        if (e.message !== "cancelled") alert(e.message);
        b.disabled = false;
      }
    }));
  }

  function ruleForm() {
    const form = document.getElementById("rule-form");
    if (!form) return;
    const metric = form.elements.metric, aggregation = form.elements.aggregation;
    const scoreLabel = form.querySelector(".score-name");
    function aggregations(selected) {
      const opt = metric.selectedOptions[0];
      aggregation.innerHTML = opt.dataset.aggregations.split(",").map((a) =>
        `<option ${a === selected ? "selected" : ""}>${esc(a)}</option>`).join("");
      scoreLabel.hidden = metric.value !== "score:";
    }
    metric.addEventListener("change", () => aggregations());
    function open(rule, id) {
      form.hidden = false;
      form.elements.id.value = id || "";
      document.getElementById("rule-form-title").textContent = id ? `Edit “${rule.name}”` : "New rule";
      const isScore = (rule.metric || "").startsWith("score:");
      metric.value = isScore ? "score:" : (rule.metric || "latency_ms");
      form.elements.score.value = isScore ? rule.metric.slice(6) : "";
      aggregations(rule.aggregation);
      for (const k of ["name", "comparator", "threshold", "window_s", "min_samples", "for_s"]) {
        if (rule[k] !== undefined) form.elements[k].value = rule[k];
      }
      form.elements.webhooks.value = (rule.webhooks || []).join(", ");
      document.getElementById("rule-error").hidden = true;
      form.scrollIntoView();
      form.elements.name.focus();
    }
    document.getElementById("new-rule").addEventListener("click", () =>
      open({ name: "", metric: "latency_ms", comparator: ">", threshold: "", window_s: 300, min_samples: 20, for_s: 60 }));
    document.querySelectorAll("button.edit").forEach((b) => b.addEventListener("click", () =>
      open(JSON.parse(b.dataset.rule), b.dataset.id)));
    document.getElementById("rule-cancel").addEventListener("click", () => { form.hidden = true; });
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const f = form.elements;
      const body = {
        name: f.name.value, metric: f.metric.value === "score:" ? "score:" + f.score.value.trim() : f.metric.value,
        aggregation: f.aggregation.value, comparator: f.comparator.value,
        threshold: Number(f.threshold.value), window_s: Number(f.window_s.value),
        min_samples: Number(f.min_samples.value), for_s: Number(f.for_s.value),
        webhooks: f.webhooks.value.split(",").map((u) => u.trim()).filter(Boolean),
      };
      try {
        await api(f.id.value ? `/api/v1/alerts/${f.id.value}` : "/api/v1/alerts",
          { method: f.id.value ? "PUT" : "POST", body });
        location.reload();
      } catch (e) {
        const box = document.getElementById("rule-error");
        box.textContent = e.message;
        box.hidden = false;
      }
    });
  }

  function alerts() {
    ruleForm();
    onClick("button.delete", (b) => {
      if (!confirm(`Delete the rule “${b.dataset.name}” and stop its alerts?`)) throw new Error("cancelled");
      return api(`/api/v1/alerts/${b.dataset.id}`, { method: "DELETE" });
    });
    onClick("#evaluate", () => api("/api/v1/alerts/evaluate", { method: "POST" }));
    onClick("button.ack", (b) => api(`/api/v1/alerts/${b.dataset.id}/ack`, { method: "POST" }));
    onClick("button.silence", (b) => api(`/api/v1/alerts/${b.dataset.id}/silence`, { method: "POST", body: { seconds: Number(b.dataset.seconds) } }));
  }

  function experimentForm() {
    const form = document.getElementById("exp-form");
    if (!form) return;
    const rows = form.querySelector("#exp-variants tbody");
    document.getElementById("new-experiment").addEventListener("click", () => {
      form.hidden = false;
      form.elements.name.focus();
    });
    document.getElementById("exp-cancel").addEventListener("click", () => { form.hidden = true; });
    document.getElementById("add-variant").addEventListener("click", () => {
      const row = rows.lastElementChild.cloneNode(true);
      row.querySelector("[name=vname]").value = "variant" + (rows.children.length);
      row.querySelector("[name=voverrides]").value = "{}";
      row.lastElementChild.textContent = "";
      rows.appendChild(row);
    });
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const box = document.getElementById("exp-error");
      box.hidden = true;
      try {
        const variants = Array.from(rows.children).map((row) => {
          const name = row.querySelector("[name=vname]").value.trim();
          let overrides;
          try { overrides = JSON.parse(row.querySelector("[name=voverrides]").value || "{}"); }
          catch (_) { throw new Error(`the overrides of ${name || "a variant"} are not JSON`); }
          return { name, overrides, weight: Number(row.querySelector("[name=vweight]").value || 1) };
        });
        const f = form.elements;
        const body = { name: f.name.value, primary_metric: f.primary_metric.value, variants };
        if (f.p95.value) body.guardrails = { p95_latency_ms: Number(f.p95.value) };
        const exp = await api("/api/v1/experiments", { method: "POST", body });
        if (f.start.checked) await api(`/api/v1/experiments/${exp.id}/start`, { method: "POST" });
        location.reload();
      } catch (e) {
        box.textContent = e.message;
        box.hidden = false;
      }
    });
  }

  function experiments() {
    experimentForm();
    onClick("button.start", (b) => api(`/api/v1/experiments/${b.dataset.exp}/start`, { method: "POST" }));
    onClick("button.stop", (b) => {
      if (!confirm(`Stop “${b.dataset.name}”? New traffic goes back to the active configuration; the results stay.`)) throw new Error("cancelled");
      return api(`/api/v1/experiments/${b.dataset.exp}/stop`, { method: "POST" });
    });
    onClick("button.promote", (b) => {
      const unproven = b.dataset.decision !== "variant wins";
      const question = unproven
        ? `The result is not significant yet (decision: ${b.dataset.decision || "none"}). Promote ${b.dataset.variant} anyway?`
        : `Make ${b.dataset.variant} the default configuration?`;
      if (!confirm(question)) throw new Error("cancelled");
      return api(`/api/v1/experiments/${b.dataset.exp}/promote`, { method: "POST", body: { variant: b.dataset.variant } });
    });
  }

  function documents() {
    const list = document.getElementById("uploads");
    const upload = (files) => window.ragworksUpload(files, {
      collection: document.getElementById("upload-collection").value.trim() || "default",
      headers: { "X-Requested-With": "ragworks" }, list,
      done: () => {  // the table shows what was added, once every file has its answer
        if (list.querySelector("[data-state=added]") && !document.getElementById("refresh")) {
          const a = document.createElement("li");
          a.innerHTML = '<a href="" id="refresh">Refresh the list</a>';
          list.prepend(a);
        }
      },
    });
    window.ragworksDropZone(document.getElementById("drop"), document.getElementById("files"), upload);
    onClick("button.delete-doc", (b) => {
      if (!confirm(`Delete “${b.dataset.name}”? Its chunks leave the index and no answer cites it again.`)) throw new Error("cancelled");
      return api(`/api/v1/documents/${b.dataset.id}`, { method: "DELETE" });
    });
  }

  function sources() {
    const form = document.getElementById("source-form");
    const f = form.elements;
    const pages = form.querySelector(".pages");
    f.kind.addEventListener("change", () => { pages.hidden = f.kind.value !== "website"; });
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const where = f.where.value.trim();
      const body = { kind: f.kind.value, collection: f.collection.value.trim() || "default",
                     interval_s: Number(f.interval_s.value) };
      if (body.kind === "folder") body.path = where;
      else if (body.kind === "website") { body.url = where; body.max_pages = Number(f.max_pages.value); }
      else {
        const [bucket, ...rest] = where.replace(/^s3:\/\//, "").split("/");
        body.bucket = bucket; body.prefix = rest.join("/");
      }
      try {
        await api("/api/v1/sources", { method: "POST", body });
        location.reload();
      } catch (e) {
        const box = document.getElementById("source-error");
        box.textContent = e.message;
        box.hidden = false;
      }
    });
    onClick("button.sync-source", async (b) => {
      const job = await api(`/api/v1/sources/${b.dataset.id}/sync`, { method: "POST" });
      b.textContent = "syncing…";
      for (let n = 0; n < 600; n++) {  // the row shows the outcome once the job has one
        const now = await api(`/api/v1/jobs/${job.id}`);
        if (now.status === "done" || now.status === "failed") return;
        await new Promise((r) => setTimeout(r, 1000));
      }
    });
    onClick("button.remove-source", (b) => {
      if (!confirm(`Remove “${b.dataset.name}”? The documents it brought are deleted; the files themselves are not touched.`)) throw new Error("cancelled");
      return api(`/api/v1/sources/${b.dataset.id}`, { method: "DELETE" });
    });
  }

  window.ragworks = { api, dashboard, alerts, experiments, documents, sources };
  // each page says which it is on <body data-page>: no inline script (the CSP forbids it)
  const page = document.body.dataset.page;
  if (page === 'dashboard') dashboard(document.body.dataset.range || '24h');
  else if (page === 'alerts') alerts();
  else if (page === 'experiments') experiments();
  else if (page === 'documents') documents();
  else if (page === 'sources') sources();
})();
