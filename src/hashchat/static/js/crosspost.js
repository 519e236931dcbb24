// Posting elsewhere from the room, as every bridge does it (bluesky.js, mastodon.js): the "Also
// on <network>" box appears for people who linked an account there; while it is ticked, a
// counter shows what that network counts; after a post, the status line follows the post out
// (GET /api/v1/bridges/posts/<id>?network=...) and links to it once it is there.
const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";

export async function getJSON(path) {
  const response = await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json", "X-CSRF-Token": csrf } });
  if (!response.ok) return null;
  return response.json();
}

// network: "bluesky" | "mastodon"; label: its name for people; length(text): what it counts;
// limit(linked): its limit for that linked account.
export function attachCrossPost(compose, box, { network, label, length, limit }) {
  let max = limit({});
  const check = box.querySelector(`[data-${network}-check]`);
  const counter = box.querySelector(`[data-${network}-counter]`);
  const line = compose.querySelector("[data-bluesky-status]");
  const textarea = compose.querySelector("textarea");
  const count = () => {
    if (!check.checked) { counter.textContent = ""; return; }
    const text = compose.composedText ? compose.composedText() : textarea.value;
    const left = max - length(text);
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
      a.href = href; a.rel = "noopener"; a.target = "_blank"; a.textContent = `See it on ${label}`;
      line.append(" ", a);
    }
  };
  compose.addEventListener("posted", async (event) => {
    count();
    if (!event.detail[network]) return;
    say(`Sending to ${label}…`);
    for (let i = 0; i < 40; i += 1) {
      const out = await getJSON(`/api/v1/bridges/posts/${event.detail.status.id}?network=${network}`);
      if (out?.state === "sent") { say(`Posted to ${label}.`, out.url); return; }
      if (out?.state === "failed" || out?.state === "cancelled") { say(`Not posted to ${label}: ${out.error || out.state}`); return; }
      await new Promise((resolve) => setTimeout(resolve, i < 10 ? 500 : 3000));
    }
    say(`${label} has not answered yet; hashchat keeps trying.`);
  });

  getJSON("/api/v1/bridges/accounts").then((links) => {
    const linked = (links || []).find((l) => l.network === network && !l.broken);
    if (!linked) return;
    max = limit(linked);
    box.hidden = false;
    box.title = `Posts as ${linked.handle} too`;
  });
}
