// The live room as a live event (live.js runs the stream and tells this module what arrives,
// as room:* events on document): relative times, "new since you left", "load older", the
// keyboard (one tab stop for the posts, j/k, r, l, Esc), new posts announced in summary, the
// question being answered now, the Q&A board and the people, in place. Without JavaScript the
// room works as plain forms and links; user text goes into the page as text only.
const config = JSON.parse(document.getElementById("room-config").textContent);
const log = document.querySelector("[data-log]");
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const announcer = document.querySelector("[data-announce]");
const compose = document.querySelector("[data-live-compose]");
const zone = document.body.dataset.zone || undefined;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method, credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, Accept: "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || `error ${response.status}`);
  return data;
}

// -- time: "now", "2 min", "3 h"; the date and time on hover ------------------------------------

const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short", timeZone: zone });
const dayFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", timeZone: zone });

export function relative(when, now = Date.now()) {
  const seconds = Math.round((now - when) / 1000);
  if (seconds < -45) { // a time to come: "in 5 min", "in 2 h"
    const ahead = -seconds;
    return ahead < 3600 ? `in ${Math.round(ahead / 60)} min` : ahead < 86400 ? `in ${Math.round(ahead / 3600)} h` : dayFormat.format(when);
  }
  if (seconds < 45) return "now";
  if (seconds < 3600) return `${Math.max(1, Math.round(seconds / 60))} min`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h`;
  return dayFormat.format(when);
}

function refreshTimes(root = document) {
  for (const time of root.querySelectorAll("time[data-relative]")) {
    const when = new Date(time.getAttribute("datetime"));
    if (Number.isNaN(when.valueOf())) continue;
    time.textContent = relative(when);
    time.title = absolute.format(when);
  }
  for (const left of document.querySelectorAll("[data-time-left]")) {
    const ends = new Date(config.session?.ends_at || "");
    if (Number.isNaN(ends.valueOf()) || config.session?.state !== "live") { left.textContent = ""; continue; }
    const minutes = Math.round((ends - Date.now()) / 60000);
    left.textContent = minutes > 0 ? `(${minutes} min left)` : "(ending now)";
  }
}

// -- announcements: "3 new posts", not one by one -----------------------------------------------

let fresh = 0;
let announceTimer = null;
function announce(text) {
  announcer.textContent = "";
  setTimeout(() => { announcer.textContent = text; }, 50);
}
function countNew() {
  fresh += 1;
  clearTimeout(announceTimer);
  announceTimer = setTimeout(() => {
    announce(`${fresh} new post${fresh === 1 ? "" : "s"}`);
    fresh = 0;
  }, 2500);
}

// -- one tab stop for the posts (roving tabindex), j/k, r, l, Esc -------------------------------

const FOCUSABLE = "a[href], button, input, select, textarea";
const posts = () => [...log.querySelectorAll(":scope > article.post")].filter((a) => a.offsetParent !== null);
let active = null;

function quiet(article, on) {
  article.tabIndex = on ? 0 : -1;
  for (const control of article.querySelectorAll(FOCUSABLE)) {
    if (on) control.removeAttribute("tabindex"); else control.tabIndex = -1;
  }
}

function activate(article, focus = false) {
  if (!article) return;
  if (active && active !== article) quiet(active, false);
  active = article;
  quiet(article, true);
  if (focus) { article.focus(); article.scrollIntoView({ block: "nearest" }); }
}

function setupPost(article) {
  if (article === active) return;
  quiet(article, false);
  if (!active || !active.isConnected) activate(posts()[0] || article);
}

function move(step) {
  const list = posts();
  if (!list.length) return;
  const at = list.indexOf(active);
  const next = at < 0 ? list[0] : list[Math.min(list.length - 1, Math.max(0, at + step))];
  activate(next, true);
}

log.addEventListener("focusin", (event) => {
  const article = event.target.closest("article.post");
  if (article && article.parentElement === log && article !== active) activate(article);
});

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && compose && !compose.querySelector("[data-replying]").hidden) {
    compose.cancelReply?.();
    event.preventDefault();
    if (active) active.focus();
    return;
  }
  if (event.target.closest("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) return;
  const inLog = !event.target.closest("form") || log.contains(event.target);
  if (!inLog) return;
  if (event.key === "j" || (event.key === "ArrowDown" && log.contains(event.target))) { move(1); event.preventDefault(); }
  else if (event.key === "k" || (event.key === "ArrowUp" && log.contains(event.target))) { move(-1); event.preventDefault(); }
  else if (event.key === "r" && active) { active.querySelector('[data-act="reply"]')?.click(); event.preventDefault(); }
  else if (event.key === "l" && active) {
    active.querySelector('form[data-act="favourite"]')?.requestSubmit();
    event.preventDefault();
  }
});

// -- "new since you left" ----------------------------------------------------------------------

const seenKey = `hashchat.seen.${config.tags.map((t) => t.toLowerCase()).join(",")}`;
function newest() {
  const first = log.querySelector(":scope > article.post");
  return first ? first.dataset.id : null;
}
function remember() {
  const id = newest();
  if (id && !config.paged) localStorage.setItem(seenKey, id);
}
function markSinceYouLeft() {
  const last = localStorage.getItem(seenKey);
  if (!last || config.paged) return;
  const list = [...log.querySelectorAll(":scope > article.post")];
  const firstOld = list.findIndex((a) => BigInt(a.dataset.id) <= BigInt(last));
  if (firstOld <= 0) return; // nothing new, or everything on the page is new
  const divider = el("div", { class: "since-divider", role: "separator", "aria-label": "New since you left" },
    el("span", { text: `New since you left (${firstOld})` }));
  log.insertBefore(divider, list[firstOld]);
}

// -- load older ----------------------------------------------------------------------------------

document.addEventListener("click", async (event) => {
  const link = event.target.closest("[data-older]");
  if (!link) return;
  event.preventDefault();
  link.setAttribute("aria-busy", "true");
  try {
    const response = await fetch(link.href, { headers: { Accept: "text/html" }, credentials: "same-origin" });
    if (!response.ok) throw new Error(`error ${response.status}`);
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    let added = 0;
    for (const article of page.querySelectorAll("#log > article.post")) {
      if (document.getElementById(article.id)) continue;
      const copy = document.importNode(article, true);
      log.append(copy);
      quiet(copy, false);
      added += 1;
    }
    refreshTimes(log);
    const more = page.querySelector("[data-older]");
    if (more) link.href = more.getAttribute("href"); else link.closest("[data-older-wrap]").remove();
    announce(added ? `${added} older post${added === 1 ? "" : "s"} loaded` : "No older posts");
  } catch (error) {
    announce(`Could not load older posts: ${error.message}`);
  } finally {
    link.removeAttribute("aria-busy");
  }
});

// -- the question being answered now ---------------------------------------------------------------

const current = document.querySelector("[data-current]");
let currentNumber = config.current ? config.current.number : null;

function showQuestion(question) {
  if (!current) return;
  currentNumber = question.number;
  current.querySelector("[data-current-number]").textContent = `Q${question.number}`;
  current.querySelector("[data-current-text]").textContent = question.text;
  current.querySelector("[data-current-answers]").textContent = "0";
  const a = current.querySelector("[data-current-a]");
  if (a) a.textContent = `A${question.number}`;
  const time = current.querySelector("time[data-relative]");
  time.setAttribute("datetime", new Date().toISOString());
  current.hidden = false;
  refreshTimes(current);
}

document.addEventListener("room:question", (event) => showQuestion(event.detail));
document.addEventListener("room:answer", (event) => {
  if (!current || event.detail.question !== currentNumber) return;
  const count = current.querySelector("[data-current-answers]");
  count.textContent = String(Number(count.textContent) + 1);
});
document.addEventListener("room:session", (event) => {
  config.session = { ...(config.session || {}), ...event.detail };
  if (current && event.detail.state !== "live") current.hidden = true;
  refreshTimes();
});

document.querySelector("[data-answer-now]")?.addEventListener("click", (event) => {
  if (!compose || currentNumber === null) return;
  event.preventDefault();
  const textarea = compose.querySelector("textarea");
  const prefix = `A${currentNumber}: `;
  if (!textarea.value.startsWith(prefix)) textarea.value = prefix + textarea.value.replace(/^A\d+:\s*/, "");
  textarea.focus();
  textarea.setSelectionRange(textarea.value.length, textarea.value.length);
  textarea.dispatchEvent(new Event("input"));
});

// -- the Q&A board, in place: ask, upvote, re-ranked as votes arrive -----------------------------

const boardPanel = document.querySelector("[data-board]");
const boardBase = config.session ? `/api/v1/chats/sessions/${config.session.id}/board` : null;

function boardItem(item) {
  const voted = !!item.voted;
  const button = el("button", { type: "submit", class: `link${voted ? " on" : ""}`, "aria-pressed": String(voted),
    disabled: !config.viewer || item.state === "answered" },
    el("span", { "aria-hidden": "true", text: "▲" }), " ", el("span", { class: "dir-sr", text: "Upvote, votes:" }), " ",
    el("span", { "data-votes": "", text: String(item.votes_count) }));
  const form = el("form", { class: "board-vote", "data-board-vote": "", method: "post" }, button);
  form.dataset.item = item.id;
  const who = item.account ? `@${item.account.acct}` : "anonymous";
  const meta = el("p", { class: "meta", text: who });
  if (item.question) meta.append(" · ", el("strong", { text: `answered as Q${item.question.number}` }));
  return el("li", { class: `board-item board-${item.state}`, "data-item": item.id }, form,
    el("div", { class: "board-text" }, el("p", { text: item.text }), meta));
}

let boardTimer = null;
async function refreshBoard() {
  if (!boardPanel || !boardBase) return;
  const board = await api("GET", boardBase);
  const list = boardPanel.querySelector("[data-board-list]");
  const focused = document.activeElement?.closest("[data-item]")?.dataset.item;
  list.replaceChildren(...(board.items.length ? board.items.map(boardItem) : [el("li", { class: "empty", text: "No questions on the board yet." })]));
  if (focused) list.querySelector(`[data-item="${CSS.escape(focused)}"] button`)?.focus();
  const c = board.counts;
  boardPanel.querySelector("[data-board-counts]").textContent = `${c.approved + c.answered} on the board · ${c.pending} waiting`;
  const badge = document.querySelector("[data-board-count]");
  if (badge) badge.textContent = String(c.approved + c.answered);
}
document.addEventListener("room:board", () => {
  clearTimeout(boardTimer);
  boardTimer = setTimeout(() => refreshBoard().catch(() => {}), 300);
});

boardPanel?.addEventListener("submit", async (event) => {
  const vote = event.target.closest("[data-board-vote]");
  const ask = event.target.closest("[data-board-ask]");
  if (!vote && !ask) return;
  event.preventDefault();
  const form = vote || ask;
  form.querySelector(".field-error")?.remove();
  try {
    if (vote) {
      const item = vote.dataset.item || vote.querySelector('[name="item"]').value;
      const on = vote.querySelector("button").getAttribute("aria-pressed") === "true";
      await api(on ? "DELETE" : "POST", `${boardBase}/${item}/upvote`);
    } else {
      await api("POST", boardBase, { text: ask.elements.text.value, anonymous: ask.elements.anonymous.checked });
      ask.reset();
      announce("Question sent; it shows on the board once a moderator approves it");
    }
    await refreshBoard();
  } catch (error) {
    form.append(el("p", { class: "field-error", role: "alert", text: error.message }));
  }
});

// -- presence: how many watch now, who is posting ------------------------------------------------

let streamOpen = false;
async function refreshPresence() {
  if (!document.querySelector("[data-presence]") || config.tags.length !== 1) return;
  const found = await api("GET", `/api/v1/live/${encodeURIComponent(config.tags[0])}/presence`);
  // This page's own stream may not be in the last report yet: you are watching.
  const watching = streamOpen ? Math.max(found.watching, 1) : found.watching;
  for (const span of document.querySelectorAll("[data-watching]")) span.textContent = String(watching);
  const list = document.querySelector("[data-people-list]");
  if (!list) return;
  for (const row of list.querySelectorAll("li:not(.is-host)")) row.remove();
  const shown = new Set([...list.querySelectorAll("a")].map((a) => a.getAttribute("href")));
  for (const account of found.posting) {
    if (shown.has(account.url)) continue;
    list.append(el("li", {}, el("img", { class: "avatar", src: account.avatar, alt: "", width: "24", height: "24" }), " ",
      el("a", { href: account.url, text: account.display_name || account.username }), " ", el("span", { class: "meta", text: "posting" })));
  }
}
document.addEventListener("room:open", () => { streamOpen = true; refreshPresence().catch(() => {}); });

// -- start ------------------------------------------------------------------------------------------

for (const article of log.querySelectorAll(":scope > article.post")) quiet(article, false);
activate(posts()[0]);
document.addEventListener("room:added", (event) => {
  setupPost(event.detail.article);
  refreshTimes(event.detail.article);
  countNew();
});
markSinceYouLeft();
refreshTimes();
setInterval(refreshTimes, 20_000);
setInterval(() => refreshPresence().catch(() => {}), 15_000);
setInterval(remember, 30_000);
addEventListener("pagehide", remember);
document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") remember(); });
