// the chat page: one conversation (a session id kept in the browser), the current answer
// streamed in #out, earlier turns above it in #history
const keyBox = document.getElementById('key');
// a key in the link (/#key=...) wins over one saved earlier, and replaces it
const linked = new URLSearchParams(location.hash.slice(1)).get('key');
if (linked) localStorage.setItem('ragworks-key', linked);
keyBox.value = linked || localStorage.getItem('ragworks-key') || '';
keyBox.addEventListener('change', () => localStorage.setItem('ragworks-key', keyBox.value));
const TIMEOUT_MS = 180000;  // a local model on a laptop can take a minute or two
function newSession() {
  const id = 'chat-' + Math.random().toString(36).slice(2, 10) + Date.now().toString(36);
  localStorage.setItem('ragworks-session', id);
  return id;
}
let session = localStorage.getItem('ragworks-session') || newSession();
let asked = [];  // this conversation's questions: a follow-up is asked with them
function esc(s) { return String(s == null ? '' : s).replace(/[&<>"]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c])); }
function shown(body) {  // the answer with its markers as links, and its sources by marker
  const text = esc(body.answer).replace(/\[(\d+)\]/g, (m, n) => `<a class="cite" data-n="${n}" href="#c${n}">[${n}]</a>`);
  const items = body.citations.map(c => `<li id="c${c.marker}"><a class="cite" data-n="${c.marker}" href="#c${c.marker}">[${c.marker}]</a>
      ${esc(c.source)}${c.section ? ' — ' + esc(c.section) : ''} <span class="meta">(chars ${c.start}–${c.end})</span>
      <div class="snippet">${esc(c.snippet)}</div></li>`).join('');
  return {text, items};
}
function archive() {  // the answer on screen joins the conversation above (no ids: one #answer)
  const out = document.getElementById('out');
  const answer = document.getElementById('answer');
  if (!answer || !out.dataset.question) return;
  const turn = document.createElement('div');
  turn.className = 'turn';
  turn.innerHTML = `<div class="question">${esc(out.dataset.question)}</div>
    <div class="answer">${answer.innerHTML}</div>`;
  document.getElementById('history').appendChild(turn);
  delete out.dataset.question;
}
function render(body) {
  const out = document.getElementById('out');
  const {text, items} = shown(body);
  const quote = document.getElementById('quote');  // what was shown is never taken back
  const kept = quote && !quote.hidden ? quote.outerHTML : '';
  out.innerHTML = `<div class="question">${esc(out.dataset.question || '')}</div>${kept}
    <div class="answer" id="answer">${text}</div>
    <div class="meta" id="meta">category: ${body.category} (${(body.confidence*100).toFixed(0)}%) · model: ${esc(body.model)} · ${body.latency_ms.toFixed(0)} ms</div>
    <ul class="sources" id="sources">${items}</ul>
    <div class="feedback" id="feedback" data-trace="${body.trace_id}">
      <span class="meta">Was this helpful?</span> <button type="button" id="thumbs-up">Yes</button>
      <button type="button" id="thumbs-down">No</button>
      <input id="comment" type="text" placeholder="Optional comment" maxlength="4000">
      <span class="thanks" id="thanks"></span></div>`;
  const send = async (rating) => {
    try {
      const resp = await fetch('/api/v1/feedback', { method: 'POST',
        headers: {'Content-Type': 'application/json', 'Authorization': 'Bearer ' + keyBox.value},
        body: JSON.stringify({trace_id: body.trace_id, rating,
                              comment: document.getElementById('comment').value}) });
      document.getElementById('thanks').textContent = resp.ok ? 'Thanks for the feedback.' : 'Feedback failed (' + resp.status + ')';
    } catch (e) {
      document.getElementById('thanks').textContent = 'Feedback failed: the server did not answer.';
    }
  };
  document.getElementById('thumbs-up').addEventListener('click', () => send('up'));
  document.getElementById('thumbs-down').addEventListener('click', () => send('down'));
  out.querySelectorAll('.cite').forEach(a => a.addEventListener('click', ev => {
    ev.preventDefault(); const li = document.getElementById('c' + a.dataset.n); if (li) li.classList.toggle('open'); }));
}
function failed(message, question) {  // what went wrong, and a way to ask again
  const out = document.getElementById('out');
  out.innerHTML = `<p class="error">${esc(message)}</p><button type="button" id="retry">Try again</button>`;
  document.getElementById('retry').addEventListener('click', () => ask(question));
}
async function ask(question) {
  archive();
  const out = document.getElementById('out');
  out.dataset.question = question;
  out.innerHTML = `<div class="question">${esc(question)}</div>
    <blockquote class="quote" id="quote" hidden><span class="label">From the sources, word for word</span><span id="quote-text"></span></blockquote>
    <div class="answer" id="answer">…</div>
    <div class="meta" id="waiting"><span id="elapsed">0 s</span> · <span id="stage">finding sources</span>
      <button type="button" id="stop">Stop</button></div>
    <ul class="sources reading" id="reading"></ul>`;
  localStorage.setItem('ragworks-key', keyBox.value);
  const abort = new AbortController();
  let stopped = false;
  const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
  const began = Date.now();
  const tick = setInterval(() => {  // what the reader waits for, and for how long
    const el = document.getElementById('elapsed');
    if (el) el.textContent = `${Math.round((Date.now() - began) / 1000)} s`;
  }, 1000);
  document.getElementById('stop').addEventListener('click', () => { stopped = true; abort.abort(); });
  try {
    const resp = await fetch('/api/v1/query', { method: 'POST', signal: abort.signal,
      headers: {'Content-Type': 'application/json', 'Authorization': 'Bearer ' + keyBox.value},
      body: JSON.stringify({question, stream: true, session_id: session,
                            history: asked.slice(-5)}) });
    if (!resp.ok) {
      let detail = '';
      try { const e = await resp.json(); detail = typeof e.detail === 'string' ? e.detail : JSON.stringify(e.detail); } catch (e) { /* not JSON */ }
      failed(`${resp.status}: ${detail || resp.statusText}`, question); return;
    }
    asked.push(question);  // asked (a refused question is not part of the conversation)
    const reader = resp.body.getReader(); const dec = new TextDecoder(); let buf = '', live = '', finished = false;
    for (;;) {
      const {value, done} = await reader.read(); if (done) break;
      buf += dec.decode(value, {stream: true});
      let i; while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i); buf = buf.slice(i + 2);
        const ev = (block.match(/^event: (.*)$/m) || [])[1]; const data = JSON.parse((block.match(/^data: (.*)$/m) || [])[1] || 'null');
        if (ev === 'token') { live += data.text; document.getElementById('answer').textContent = live;
                              const st = document.getElementById('stage'); if (st) st.textContent = 'writing'; }
        else if (ev === 'queued') {
          const st = document.getElementById('stage');
          if (st) st.textContent = `waiting: ${data.ahead} question${data.ahead > 1 ? 's' : ''} ahead`;
        }
        else if (ev === 'quote') {  // verbatim sentences shown while the model writes; they stay
          document.getElementById('quote-text').textContent = data.text;
          document.getElementById('quote').hidden = false;
        }
        else if (ev === 'sources') {  // the passages the answer is written from, before it
          document.getElementById('reading').innerHTML = data.map(c =>
            `<li>[${c.n}] ${esc(c.source)}${c.section ? ' — ' + esc(c.section) : ''}</li>`).join('');
          const st = document.getElementById('stage'); if (st) st.textContent = `reading ${data.length} sources`;
        }
        else if (ev === 'done') { finished = true; render(data); }
        else if (ev === 'error') { finished = true; failed(data.detail, question); }
      }
    }
    if (!finished) failed('The answer was cut off (the connection closed).', question);
  } catch (e) {
    failed(stopped ? 'Stopped.' : e.name === 'AbortError' ? `No answer within ${TIMEOUT_MS / 1000} s.`
                                   : 'The server did not answer (is it running?).', question);
  } finally {
    clearTimeout(timer);
    clearInterval(tick);
  }
}
document.getElementById('ask').addEventListener('submit', ev => {
  ev.preventDefault();
  const box = document.getElementById('q');
  const q = box.value.trim();
  box.value = '';  // the question stays on the page, above its answer
  if (q) ask(q);
});
document.getElementById('new-chat').addEventListener('click', () => {
  session = newSession();
  asked = [];
  document.getElementById('history').innerHTML = '';
  document.getElementById('out').innerHTML = '';
});

// documents dropped on the page (or chosen) are added with the key in the box
window.ragworksDropZone(document.body, document.getElementById('files'), (files) => {
  document.getElementById('add-docs').open = true;
  window.ragworksUpload(files, { list: document.getElementById('uploads'),
    headers: { 'Authorization': 'Bearer ' + keyBox.value } });
});
