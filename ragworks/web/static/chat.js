// the chat page
const keyBox = document.getElementById('key');
// a key in the link (/#key=...) wins over one saved earlier, and replaces it
const linked = new URLSearchParams(location.hash.slice(1)).get('key');
if (linked) localStorage.setItem('ragworks-key', linked);
keyBox.value = linked || localStorage.getItem('ragworks-key') || '';
keyBox.addEventListener('change', () => localStorage.setItem('ragworks-key', keyBox.value));
function esc(s) { return s.replace(/[&<>"]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c])); }
function render(body) {
  const out = document.getElementById('out');
  const text = esc(body.answer).replace(/\[(\d+)\]/g, (m, n) => `<a class="cite" data-n="${n}" href="#c${n}">[${n}]</a>`);
  const items = body.citations.map(c => `<li id="c${c.marker}"><a class="cite" data-n="${c.marker}" href="#c${c.marker}">[${c.marker}]</a>
      ${esc(c.source)}${c.section ? ' — ' + esc(c.section) : ''} <span class="meta">(chars ${c.start}–${c.end})</span>
      <div class="snippet">${esc(c.snippet)}</div></li>`).join('');
  out.innerHTML = `<div class="answer" id="answer">${text}</div>
    <div class="meta" id="meta">category: ${body.category} (${(body.confidence*100).toFixed(0)}%) · model: ${esc(body.model)} · ${body.latency_ms.toFixed(0)} ms</div>
    <ol class="sources" id="sources">${items}</ol>
    <div class="feedback" id="feedback" data-trace="${body.trace_id}">
      <span class="meta">Was this helpful?</span> <button type="button" id="thumbs-up">Yes</button>
      <button type="button" id="thumbs-down">No</button>
      <input id="comment" type="text" placeholder="Optional comment" maxlength="4000">
      <span class="thanks" id="thanks"></span></div>`;
  const send = async (rating) => {
    const resp = await fetch('/api/v1/feedback', { method: 'POST',
      headers: {'Content-Type': 'application/json', 'Authorization': 'Bearer ' + keyBox.value},
      body: JSON.stringify({trace_id: body.trace_id, rating, comment: document.getElementById('comment').value}) });
    document.getElementById('thanks').textContent = resp.ok ? 'Thanks for the feedback.' : 'Feedback failed (' + resp.status + ')';
  };
  document.getElementById('thumbs-up').addEventListener('click', () => send('up'));
  document.getElementById('thumbs-down').addEventListener('click', () => send('down'));
  out.querySelectorAll('.cite').forEach(a => a.addEventListener('click', ev => {
    ev.preventDefault(); const li = document.getElementById('c' + a.dataset.n); if (li) li.classList.toggle('open'); }));
}
document.getElementById('ask').addEventListener('submit', async ev => {
  ev.preventDefault();
  const out = document.getElementById('out');
  out.innerHTML = '<div class="answer" id="answer">…</div>';
  localStorage.setItem('ragworks-key', keyBox.value);
  const resp = await fetch('/api/v1/query', { method: 'POST',
    headers: {'Content-Type': 'application/json', 'Authorization': 'Bearer ' + keyBox.value},
    body: JSON.stringify({question: document.getElementById('q').value, stream: true}) });
  if (!resp.ok) { const e = await resp.json(); out.innerHTML = `<p class="error">${resp.status}: ${esc(e.detail ? JSON.stringify(e.detail) : '')}</p>`; return; }
  const reader = resp.body.getReader(); const dec = new TextDecoder(); let buf = '', live = '';
  for (;;) {
    const {value, done} = await reader.read(); if (done) break;
    buf += dec.decode(value, {stream: true});
    let i; while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i); buf = buf.slice(i + 2);
      const ev = (block.match(/^event: (.*)$/m) || [])[1]; const data = JSON.parse((block.match(/^data: (.*)$/m) || [])[1] || 'null');
      if (ev === 'token') { live += data.text; document.getElementById('answer').textContent = live; }
      else if (ev === 'done') render(data);
      else if (ev === 'error') out.innerHTML = `<p class="error">${esc(data.detail)}</p>`;
    }
  }
});
