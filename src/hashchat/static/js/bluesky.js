// Posting to Bluesky from the room: the "Also on Bluesky" box appears for people who linked a
// Bluesky account (Settings > Linked accounts). While it is ticked, a second counter shows what
// Bluesky counts: graphemes (as Intl.Segmenter splits them), 300 at most. After a post, it
// follows the post out (GET /api/v1/bridges/posts/<id>) and links to it once it is there.
const compose = document.querySelector("[data-live-compose]");
const box = compose?.querySelector("[data-bluesky-out]");
const MAX = 300;
const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";

const segmenter = typeof Intl.Segmenter === "function" ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;
export function graphemes(text) {
  if (!segmenter) return [...text].length;
  let n = 0;
  for (const _ of segmenter.segment(text)) n += 1;
  return n;
}

async function get(path) {
  const response = await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json", "X-CSRF-Token": csrf } });
  if (!response.ok) return null;
  return response.json();
}

if (compose && box) {
  const check = box.querySelector("[data-bluesky-check]");
  const counter = box.querySelector("[data-bluesky-counter]");
  const line = compose.querySelector("[data-bluesky-status]");
  const textarea = compose.querySelector("textarea");
  const count = () => {
    if (!check.checked) { counter.textContent = ""; return; }
    const text = compose.composedText ? compose.composedText() : textarea.value;
    const left = MAX - graphemes(text);
    counter.textContent = left >= 0 ? `${left} left` : `${-left} over`;
    counter.classList.toggle("over", left < 0);
  };
  textarea.addEventListener("input", count);
  check.addEventListener("change", count);

  const say = (text, href) => {
    line.hidden = false;
    line.replaceChildren(text);
    if (href) {
      const a = document.createElement("a");
      a.href = href; a.rel = "noopener"; a.target = "_blank"; a.textContent = "See it on Bluesky";
      line.append(" ", a);
    }
  };
  compose.addEventListener("posted", async (event) => {
    count();
    if (!event.detail.bluesky) return;
    say("Sending to Bluesky…");
    for (let i = 0; i < 40; i += 1) {
      const out = await get(`/api/v1/bridges/posts/${event.detail.status.id}`);
      if (out?.state === "sent") { say("Posted to Bluesky.", out.url); return; }
      if (out?.state === "failed" || out?.state === "cancelled") { say(`Not posted to Bluesky: ${out.error || out.state}`); return; }
      await new Promise((resolve) => setTimeout(resolve, i < 10 ? 500 : 3000));
    }
    say("Bluesky has not answered yet; hashchat keeps trying.");
  });

  get("/api/v1/bridges/accounts").then((links) => {
    const linked = (links || []).find((l) => l.network === "bluesky");
    if (!linked) return;
    box.hidden = false;
    box.title = `Posts as ${linked.handle} too`;
  });
}
