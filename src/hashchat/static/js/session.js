// A session's page, kept live: when the chat's stream says the board, a poll, a question or an
// answer of this session changed, the page is fetched again and the changed sections swapped
// in. They are the server's own rendering, so the page reads the same with or without
// JavaScript; a section someone is typing in is left alone until they are done.
const root = document.querySelector("[data-session]");
const sessionId = root.dataset.sessionId;
const sections = ["#board", "#polls", "#qa", "#audit"];
let timer = null;

function refresh() {
  if (timer) return;
  timer = setTimeout(async () => {
    timer = null;
    const response = await fetch(window.location.pathname, { credentials: "same-origin" });
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const selector of sections) {
      const next = fresh.querySelector(selector);
      const here = document.querySelector(selector);
      if (!next || !here || here.contains(document.activeElement)) continue;
      here.replaceWith(document.importNode(next, true));
    }
  }, 250);
}

function mine(data) {
  return String(data.session_id ?? data.id) === sessionId;
}

const params = new URLSearchParams({ tag: root.dataset.tag });
const source = new EventSource(`/api/v1/streaming/hashtag?${params}`);
for (const kind of ["board", "poll", "question", "answer"]) {
  source.addEventListener(kind, (event) => { if (mine(JSON.parse(event.data))) refresh(); });
}
// The chat's moderation hid or showed a post again: answers and the moderation log change.
const chatKey = root.dataset.tag.toLowerCase();
for (const kind of ["hide", "unhide"]) {
  source.addEventListener(kind, (event) => { if (JSON.parse(event.data).chat.toLowerCase() === chatKey) refresh(); });
}
source.addEventListener("session", (event) => {
  // State and times change the whole page; not while someone is typing in a form.
  if (mine(JSON.parse(event.data)) && !document.activeElement?.closest("form")) window.location.reload();
});

// Its hosts see who is in the room: the count and who is posting, every 15 seconds.
const presence = document.querySelector("[data-host-presence]");
let consoleOpen = false;
async function refreshPresence() {
  const response = await fetch(`/api/v1/live/${encodeURIComponent(presence.dataset.tag)}/presence`,
    { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) return;
  const found = await response.json();
  // This console's own stream may not be in the last report yet: it is watching.
  presence.querySelector("[data-watching]").textContent = String(consoleOpen ? Math.max(found.watching, 1) : found.watching);
  presence.querySelector("[data-posting-count]").textContent = String(found.posting.length);
  const names = presence.querySelector("[data-posting-names]");
  names.replaceChildren();
  found.posting.forEach((account, index) => {
    names.append(index ? ", " : ": ");
    const link = document.createElement("a");
    link.href = account.url;
    link.textContent = `@${account.acct}`;
    names.append(link);
  });
}
let presenceTimer = null;
function soon() { // a new post: someone is posting; at most one look every 2 seconds
  if (presenceTimer) return;
  presenceTimer = setTimeout(() => { presenceTimer = null; refreshPresence().catch(() => {}); }, 2000);
}
if (presence) {
  source.addEventListener("open", () => { consoleOpen = true; refreshPresence().catch(() => {}); });
  source.addEventListener("update", soon);
  setInterval(() => refreshPresence().catch(() => {}), 15_000);
}
