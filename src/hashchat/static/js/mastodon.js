// Posting to Mastodon from the room: the "Also on Mastodon" box appears for people who linked a
// Mastodon account (Settings > Linked accounts), with public or unlisted. While it is ticked a
// counter shows what that server counts (its own limit; a link is 23), and after a post it
// follows the post out (GET /api/v1/bridges/posts/<id>?network=mastodon).
const compose = document.querySelector("[data-live-compose]");
const box = compose?.querySelector("[data-mastodon-out]");
const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";

export function mastodonLength(text) {
  return [...text.replace(/https?:\/\/\S+/g, "x".repeat(23)).replace(/@(\w+)@[\w.-]+\w/g, "@$1")].length;
}

async function get(path) {
  const response = await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json", "X-CSRF-Token": csrf } });
  if (!response.ok) return null;
  return response.json();
}

if (compose && box) {
  let max = 500;
  const check = box.querySelector("[data-mastodon-check]");
  const counter = box.querySelector("[data-mastodon-counter]");
  const line = compose.querySelector("[data-bluesky-status]");
  const textarea = compose.querySelector("textarea");
  const count = () => {
    if (!check.checked) { counter.textContent = ""; return; }
    const text = compose.composedText ? compose.composedText() : textarea.value;
    const left = max - mastodonLength(text);
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
      a.href = href; a.rel = "noopener"; a.target = "_blank"; a.textContent = "See it on Mastodon";
      line.append(" ", a);
    }
  };
  compose.addEventListener("posted", async (event) => {
    count();
    if (!event.detail.mastodon) return;
    say("Sending to Mastodon…");
    for (let i = 0; i < 40; i += 1) {
      const out = await get(`/api/v1/bridges/posts/${event.detail.status.id}?network=mastodon`);
      if (out?.state === "sent") { say("Posted to Mastodon.", out.url); return; }
      if (out?.state === "failed" || out?.state === "cancelled") { say(`Not posted to Mastodon: ${out.error || out.state}`); return; }
      await new Promise((resolve) => setTimeout(resolve, i < 10 ? 500 : 3000));
    }
    say("Mastodon has not answered yet; hashchat keeps trying.");
  });
  get("/api/v1/bridges/accounts").then((links) => {
    const linked = (links || []).find((l) => l.network === "mastodon" && !l.broken);
    if (!linked) return;
    max = linked.max_characters || 500;
    box.hidden = false;
    box.title = `Posts as ${linked.handle} too`;
  });
}
