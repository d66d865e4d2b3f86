/* Adding documents from the browser (the chat page and the admin Documents page).
 *
 * ragworksUpload(files, {collection, headers, list, done}) queues each file with
 * POST /api/v1/documents?background=true and follows its job (GET /api/v1/jobs/{id}),
 * one line per file in `list`: "uploading", "queued", "ingesting", then "added: N chunks"
 * or why it was refused (the API's own message: 415 type, 413 size, 422 empty or broken).
 * `done()` is called once every file has its answer.
 */
(function () {
  "use strict";
  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
  }
  async function detail(resp) {
    const text = await resp.text();
    try {
      const body = JSON.parse(text);
      const d = body.detail !== undefined ? body.detail : (body.error && body.error.message);
      return typeof d === "string" ? d : JSON.stringify(d);
    } catch (_) { return text || resp.statusText; }
  }
  const chunks = (n) => `${n} chunk${n === 1 ? "" : "s"}`;
  function line(list, name) {
    const li = document.createElement("li");
    li.className = "upload";
    li.innerHTML = `<span class="name">${esc(name)}</span> <span class="state">uploading…</span>`;
    list.prepend(li);
    return (state, kind) => {
      li.querySelector(".state").textContent = state;
      li.dataset.state = kind || "working";
    };
  }
  async function one(file, opts, say) {
    const form = new FormData();
    form.append("file", file, file.name);
    form.append("collection", opts.collection || "default");
    const resp = await fetch("/api/v1/documents?background=true", {
      method: "POST", body: form, credentials: "same-origin", headers: opts.headers || {} });
    if (!resp.ok && resp.status !== 202) { say(`refused (${resp.status}): ${await detail(resp)}`, "refused"); return; }
    const queued = await resp.json();
    if (!queued.job_id) {  // ingested at once (or already there)
      if (queued.status === "unchanged") say("already there, unchanged", "unchanged");
      else say(`added: ${chunks(queued.document.chunk_count)}`, "added");
      return;
    }
    say("queued", "working");
    for (let i = 0; i < 1200; i++) {  // up to 10 minutes
      await new Promise((r) => setTimeout(r, 500));
      const r = await fetch(`/api/v1/jobs/${encodeURIComponent(queued.job_id)}`, {
        credentials: "same-origin", headers: opts.headers || {} });
      if (!r.ok) { say(`could not follow the upload (${r.status}): ${await detail(r)}`, "refused"); return; }
      const job = await r.json();
      if (job.status === "done") {
        const res = job.result || {};
        if (res.status === "unchanged") say("already there, unchanged", "unchanged");
        else say(`added: ${res.chunks != null ? chunks(res.chunks) : "its chunks"}`, "added");
        return;
      }
      if (job.status === "failed") { say(`refused: ${job.error || "the file could not be read"}`, "refused"); return; }
      say(job.status === "running" ? "ingesting…" : job.status === "retrying"
        ? `retrying (${job.error || "an error"})` : "queued", "working");
    }
    say("still ingesting after 10 minutes: see the Documents page later", "working");
  }
  window.ragworksUpload = async function (files, opts) {
    for (const file of Array.from(files)) {
      const say = line(opts.list, file.name);
      try { await one(file, opts, say); } catch (e) { say(`failed: ${e.message}`, "refused"); }
    }
    if (opts.done) opts.done();
  };
  /* a zone that takes dropped files, and a picker */
  window.ragworksDropZone = function (zone, input, upload) {
    ["dragenter", "dragover"].forEach((ev) => zone.addEventListener(ev, (e) => { e.preventDefault(); zone.classList.add("over"); }));
    ["dragleave", "drop"].forEach((ev) => zone.addEventListener(ev, (e) => { e.preventDefault(); zone.classList.remove("over"); }));
    zone.addEventListener("drop", (e) => { if (e.dataTransfer && e.dataTransfer.files.length) upload(e.dataTransfer.files); });
    input.addEventListener("change", () => { if (input.files.length) upload(input.files); input.value = ""; });
  };
})();
