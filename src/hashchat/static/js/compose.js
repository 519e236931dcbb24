// The compose box: a live character counter that agrees with the server (the server counts,
// as twitter-text v3 does; the box asks it, debounced) and Ctrl/Cmd+Enter to post.
const max = Number(document.querySelector('meta[name="post-max-length"]')?.content || 280);

function localEstimate(text) {
  // Quick estimate while the server's answer is on its way: URLs count 23, wide characters 2.
  let n = 0;
  const urlless = text.replace(/https?:\/\/\S+/g, () => { n += 23; return ""; });
  for (const ch of urlless) n += ch.codePointAt(0) <= 0x10ff || (ch >= "\u2000" && ch <= "\u200d") || (ch >= "\u2010" && ch <= "\u201f") || (ch >= "\u2032" && ch <= "\u2037") ? 1 : 2;
  return n;
}

export function attachCounter(textarea, counter, { prefix = () => "", transform = (t) => t } = {}) {
  let timer = 0;
  let seq = 0;
  const show = (length) => {
    const left = max - length;
    counter.textContent = left >= 0 ? `${left} characters left` : `${-left} characters over`;
    counter.classList.toggle("over", left < 0);
  };
  const update = () => {
    const text = transform(prefix() + textarea.value);
    show(localEstimate(text));
    clearTimeout(timer);
    const mine = ++seq;
    timer = setTimeout(async () => {
      try {
        const res = await fetch("/api/v1/text/count", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ text }),
        });
        if (res.ok && mine === seq) show((await res.json()).weighted_length);
      } catch { /* offline: keep the estimate */ }
    }, 150);
  };
  textarea.addEventListener("input", update);
  update();
  return update;
}

// A post refused under load (429 or 503 with Retry-After): nothing was posted, and the same post
// may go in the seconds the server names. retryIn() reads them (0: not that kind of refusal);
// retryLater() sends the form again then, once (a new submit cancels it).
export function retryIn(response) {
  if (response.status !== 429 && response.status !== 503) return 0;
  const seconds = Number(response.headers.get("Retry-After"));
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 60) : 0;
}

const retries = new WeakMap();
export function retryLater(form, seconds) {
  clearTimeout(retries.get(form));
  retries.set(form, setTimeout(() => { retries.delete(form); form.requestSubmit(); }, seconds * 1000));
}
export function cancelRetry(form) { clearTimeout(retries.get(form)); retries.delete(form); }

for (const form of document.querySelectorAll("form[data-compose]")) {
  const textarea = form.querySelector("textarea");
  const counter = form.querySelector("[data-counter]");
  if (!textarea || !counter || form.dataset.live) continue;
  attachCounter(textarea, counter);
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
  });
}

for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}
