// The live room: posts arrive over SSE (resuming from the last id after any drop), the room's
// hashtag is added to what you post, pause holds the flood back, and reply, repost, like and
// mute work in place. All user text goes into the page as text; post HTML from the server is
// rebuilt node by node from a whitelist (sanitize), never assigned as innerHTML.
import { attachCounter, cancelRetry, retryIn, retryLater } from "./compose.js";

const config = JSON.parse(document.getElementById("room-config").textContent);
const log = document.querySelector("[data-log]");
const questionsPanel = document.querySelector("[data-questions]");
const areas = [log, questionsPanel].filter(Boolean);
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const statusLine = document.querySelector("[data-status]");
const pauseButton = document.querySelector("[data-pause]");
const newBadge = document.querySelector("[data-new]");
const roomTags = config.tags.map((t) => t.toLowerCase());
const mutedKey = "hashchat.muted";
const muted = new Set(JSON.parse(localStorage.getItem(mutedKey) || "[]"));
const held = [];
let paused = false;

for (const el of document.querySelectorAll(".js-only")) el.classList.add("js-ready");

// -- building posts ----------------------------------------------------------------------------

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

function icon(name) {
  const paths = {
    reply: "M10 9V5l-7 7 7 7v-4.1c5 0 8.5 1.6 11 5.1-1-5-4-10-11-11z",
    repost: "M7 7h10v3l4-4-4-4v3H5v6h2V7zm10 10H7v-3l-4 4 4 4v-3h12v-6h-2v4z",
    like: "M12 21.35l-1.45-1.32C5.4 15.36 2 12.28 2 8.5 2 5.42 4.42 3 7.5 3c1.74 0 3.41.81 4.5 2.09C13.09 3.81 14.76 3 16.5 3 19.58 3 22 5.42 22 8.5c0 3.78-3.4 6.86-8.55 11.54L12 21.35z",
  };
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "icon");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", paths[name]);
  svg.append(path);
  return svg;
}

// Copies only text, line breaks, paragraphs and http(s) links out of server-rendered HTML.
export function sanitize(html) {
  const parsed = new DOMParser().parseFromString(html, "text/html");
  const out = document.createDocumentFragment();
  const walk = (node, into) => {
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) into.append(document.createTextNode(child.nodeValue));
      else if (child.nodeName === "BR") into.append(document.createElement("br"));
      else if (child.nodeName === "P") walk(child, into.appendChild(document.createElement("p")));
      else if (child.nodeName === "A") {
        const href = child.getAttribute("href") || "";
        if (/^https?:\/\//i.test(href)) {
          const link = el("a", { href, rel: "nofollow ugc noopener", class: child.className.replace(/[^\w -]/g, "") });
          link.textContent = child.textContent;
          into.append(link);
        } else into.append(document.createTextNode(child.textContent));
      } else walk(child, into);
    }
  };
  walk(parsed.body, out);
  return out;
}

const timeFormat = new Intl.DateTimeFormat(undefined, {
  dateStyle: "medium", timeStyle: "short", timeZone: document.body.dataset.zone || undefined,
});

function countButton(act, shown, on) {
  const form = el("form", { method: "post", class: "inline", "data-act": act,
    action: `/posts/${shown.id}/${on ? "un" : ""}${act}` });
  const count = act === "reblog" ? shown.reblogs_count : shown.favourites_count;
  // The name holds the visible count (axe: label-content-name-mismatch): "Like, likes: 3".
  const button = el("button", { type: "submit", class: `link${on ? " on" : ""}`, "aria-pressed": String(!!on),
    "aria-keyshortcuts": act === "favourite" ? "l" : undefined },
    icon(act === "reblog" ? "repost" : "like"), " ",
    el("span", { class: "dir-sr", text: act === "reblog" ? "Repost, reposts:" : "Like, likes:" }), " ",
    el("span", { "data-count": act === "reblog" ? "reblogs" : "favourites", text: String(count) }));
  form.append(button);
  return form;
}

const NETWORKS = { bluesky: "Bluesky", mastodon: "Mastodon" };

/** "on Bluesky", linked to the original: a post that came over a bridge. */
function originLink(origin) {
  const name = NETWORKS[origin.network] || origin.network;
  return el("a", { class: `origin origin-${origin.network}`, href: origin.url,
    rel: "nofollow ugc noopener", text: `on ${name}` });
}

/** "Bluesky: reconnecting" while a bridge's source is down; gone when it is back. Each bridge
 * (a network, and for Mastodon each server read) has its own state; the line names those that
 * are not connected. `fromPage`: the state read when the room opened, which never overrides
 * one a live `bridge` event has told since. */
const bridgeStates = new Map();
function onBridge(state, fromPage = false) {
  const line = document.querySelector("[data-bridge-status]");
  if (!line) return;
  const key = `${state.network} ${state.server || ""}`;
  if (fromPage && bridgeStates.has(key)) return;
  bridgeStates.set(key, state);
  const down = [...bridgeStates.values()].filter((s) => s.state !== "connected");
  line.textContent = down.map((s) => {
    const name = NETWORKS[s.network] || s.network;
    return `${name}${s.server ? ` (${s.server})` : ""}: ${s.state}`;
  }).join(" · ");
  line.hidden = down.length === 0;
}

// How the room's bridges read their networks now (a source down before the page was opened
// has told its rooms already); the stream's `bridge` events say each change after this.
if (config.tags.length === 1 && document.querySelector("[data-bridge-status]")) {
  fetch(`/api/v1/chats/${encodeURIComponent(config.tags[0])}/bridges`, { headers: { Accept: "application/json" } })
    .then((r) => (r.ok ? r.json() : { bridges: [] }))
    .then((body) => { for (const state of body.bridges || []) onBridge(state, true); })
    .catch(() => {});
}

// What the viewer has pressed (repost, like) per original post: a stream's Status carries no
// viewer's fields, so a repost arriving live takes them from the page and from what was clicked.
const pressed = new Map();
for (const article of document.querySelectorAll("article[data-original]")) {
  const on = (act) => article.querySelector(`[data-act="${act}"] button`)?.getAttribute("aria-pressed") === "true";
  pressed.set(article.dataset.original, { reblog: on("reblog"), favourite: on("favourite") });
}

function pressedOf(status) {
  const shown = status.reblog || status;
  const known = pressed.get(shown.id) || {};
  const mine = !!(config.viewer && status.reblog && status.account.id === config.viewer.id);
  return {
    reblog: known.reblog || !!shown.reblogged || mine,
    favourite: known.favourite || !!shown.favourited,
  };
}

const hiddenOwn = new Set(); // the viewer's own posts that a `hide` named while they were held
const ownNote = () => el("p", { class: "moderated-note", "data-moderated-note": "",
  text: "Hidden from the chat by its moderators. Only you see it here; it stays on your profile." });

// "replying to @lena: The middle. Everything sags…": from the parent on the page, else fetched.
function replyContext(shown) {
  const line = el("p", { class: "reply-context" }, "replying to ");
  const fill = (acct, text) => {
    line.replaceChildren("replying to ", el("a", { href: `/@${encodeURIComponent(acct)}/${shown.in_reply_to_id}`, text: `@${acct}` }));
    if (text) line.append(": ", el("span", { text: text.length > 80 ? `${text.slice(0, 79).trimEnd()}…` : text }));
  };
  const parent = document.querySelector(`article[data-original="${CSS.escape(shown.in_reply_to_id)}"]`);
  if (parent) {
    fill(parent.querySelector(".handle").firstChild.textContent.trim().slice(1),
      parent.querySelector(".content").textContent.replace(/\s+/g, " ").trim());
  } else {
    line.append(el("span", { text: "…" }));
    fetch(`/api/v1/statuses/${shown.in_reply_to_id}`, { headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : null))
      .then((parentStatus) => {
        if (!parentStatus) { line.remove(); return; }
        const text = new DOMParser().parseFromString(parentStatus.content, "text/html").body.textContent;
        fill(parentStatus.account.acct, text.replace(/\s+/g, " ").trim());
      }).catch(() => line.remove());
  }
  return line;
}

export function renderPost(status) {
  const shown = status.reblog || status;
  const role = config.hosts[shown.account.id];
  const article = el("article", {
    class: `post${status.reblog ? " is-reblog" : ""}${role ? " is-host" : ""} arrived`,
    id: `post-${status.id}`, "data-id": status.id, "data-account": shown.account.id,
    "data-by": status.account.id, "data-original": shown.id, tabindex: "-1",
  });
  if (status.reblog) {
    article.append(el("p", { class: "reblogged" }, icon("repost"), " ",
      el("a", { href: status.account.url, text: status.account.display_name || status.account.username }), " reposted"));
  }
  const name = shown.account.display_name || shown.account.username;
  const handle = el("span", { class: "handle", text: `@${shown.account.acct}` });
  if (role) handle.append(" ", el("span", { class: "badge role", text: role }));
  article.append(el("header", {},
    el("img", { class: "avatar", src: shown.account.avatar, alt: "", width: "40", height: "40" }),
    el("div", { class: "who" }, el("a", { class: "name", href: shown.account.url, text: name }), handle,
      ...(shown.origin ? [originLink(shown.origin)] : [])),
    el("a", { class: "when", href: shown.url },
      el("time", { datetime: shown.created_at, "data-relative": "", text: timeFormat.format(new Date(shown.created_at)) }))));
  if (roomTags.length > 1) {
    const chips = el("p", { class: "chats" });
    for (const tag of shown.tags) {
      const index = roomTags.indexOf(tag.name.toLowerCase());
      if (index >= 0) chips.append(el("span", { class: `chip chat-${index}`, text: `#${tag.name}` }));
    }
    article.append(chips);
  }
  if (shown.in_reply_to_id) article.append(replyContext(shown));
  const content = el("div", { class: "content" });
  content.append(sanitize(shown.content));
  article.append(content);
  if (shown.poll) article.append(renderPoll(shown.poll, shown.account.id));
  const actions = el("footer", { class: "actions" },
    el("a", { href: `${shown.url}#reply`, "data-act": "reply", "aria-keyshortcuts": "r" },
      icon("reply"), " ", el("span", { class: "dir-sr", text: `Reply to ${shown.account.acct}, replies:` }), " ",
      el("span", { "data-count": "replies", text: String(shown.replies_count) })));
  if (config.viewer) {
    const on = pressedOf(status);
    pressed.set(shown.id, on);
    actions.append(countButton("reblog", shown, on.reblog), countButton("favourite", shown, on.favourite));
  } else {
    actions.append(el("span", {}, icon("repost"), " ", el("span", { class: "dir-sr", text: "reposts:" }), " ", el("span", { "data-count": "reblogs", text: String(shown.reblogs_count) })),
      el("span", {}, icon("like"), " ", el("span", { class: "dir-sr", text: "likes:" }), " ", el("span", { "data-count": "favourites", text: String(shown.favourites_count) })));
  }
  if (shown.account.id !== config.viewer?.id) { // nobody mutes themselves
    actions.append(el("button", { type: "button", class: "link js-only js-ready", "data-act": "mute" },
      "Mute", el("span", { class: "dir-sr", text: ` @${shown.account.acct} in this room` })));
  }
  if (config.can?.moderate && !role) {
    const sr = (text) => el("span", { class: "dir-sr", text });
    actions.append(el("button", { type: "button", class: "link danger", "data-mod": "hide" }, "Hide", sr(" this post from the room for everyone")),
      el("button", { type: "button", class: "link danger", "data-mod": "mute" }, "Mute for all", sr(`: hide @${shown.account.acct}'s posts from the room`)),
      el("button", { type: "button", class: "link danger", "data-mod": "ban" }, "Ban", sr(` @${shown.account.acct} from the chat`)));
  }
  article.append(actions);
  if (muted.has(shown.account.id)) article.classList.add("is-muted");
  if (status.hidden_from_chat || hiddenOwn.has(status.id)) markHidden(article, true);
  return article;
}

// -- polls -------------------------------------------------------------------------------------

export function renderPoll(poll, authorId) {
  // The author has "voted" (Mastodon's rule): they see the results, not the buttons.
  const box = el("div", { class: "poll", "data-poll": poll.id, "data-author": authorId });
  fillPoll(box, poll);
  return box;
}

function fillPoll(box, poll) {
  box.replaceChildren();
  const own = config.viewer && box.dataset.author === config.viewer.id;
  const canVote = config.viewer && !own && !poll.voted && !poll.expired;
  if (canVote) {
    const form = el("form", { class: "poll-form", "data-vote": poll.id });
    const set = el("fieldset", {}, el("legend", { class: "dir-sr", text: "Vote" }));
    poll.options.forEach((option, index) => {
      set.append(el("label", { class: "toggle" },
        el("input", { type: poll.multiple ? "checkbox" : "radio", name: `choices-${poll.id}`, value: String(index) }),
        ` ${option.title}`));
    });
    form.append(set, el("button", { type: "submit", class: "small", text: "Vote" }));
    box.append(form);
  } else {
    const list = el("ul", { class: "poll-results" });
    poll.options.forEach((option, index) => {
      const share = poll.votes_count ? Math.round((100 * option.votes_count) / poll.votes_count) : 0;
      const bar = el("span", { class: "poll-bar" });
      bar.style.width = `${share}%`;
      const mine = (poll.own_votes || []).includes(index) ? " ✓" : "";
      list.append(el("li", {}, bar, el("span", { class: "poll-title", text: `${option.title}${mine}` }),
        el("span", { class: "poll-share", text: `${share}% (${option.votes_count})` })));
    });
    box.append(list);
  }
  box.append(el("p", { class: "meta", text: `${poll.voters_count ?? poll.votes_count} voted · ${poll.expired ? "closed" : "open"}` }));
  box.dataset.voted = poll.voted ? "1" : "";
}

function onPoll(payload) {
  for (const box of document.querySelectorAll(`[data-poll="${CSS.escape(payload.poll.id)}"]`)) {
    const voted = box.dataset.voted === "1";
    const own = box._own || [];
    fillPoll(box, { ...payload.poll, voted: voted || payload.poll.voted, own_votes: own });
  }
}

document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form[data-vote]");
  if (!form) return;
  event.preventDefault();
  const choices = [...form.querySelectorAll("input:checked")].map((i) => i.value);
  try {
    const poll = await api("POST", `/api/v1/polls/${form.dataset.vote}/votes`, { choices });
    for (const box of document.querySelectorAll(`[data-poll="${CSS.escape(poll.id)}"]`)) {
      box._own = poll.own_votes;
      fillPoll(box, poll);
    }
  } catch (error) {
    form.querySelector(".field-error")?.remove();
    form.append(el("p", { class: "field-error", role: "alert", text: error.message }));
  }
});

const pollForm = document.querySelector("[data-poll-form]");
pollForm?.addEventListener("submit", async (event) => {
  event.preventDefault();
  pollForm.querySelector(".field-error")?.remove();
  const options = pollForm.elements.options.value.split("\n").map((o) => o.trim()).filter(Boolean);
  try {
    const status = await api("POST", `/api/v1/chats/sessions/${config.session.id}/polls`, {
      question: pollForm.elements.question.value, options,
      expires_in: Number(pollForm.elements.minutes.value) * 60,
    });
    pollForm.reset();
    pollForm.closest("details").open = false;
    if (!paused) show(status);
  } catch (error) {
    pollForm.append(el("p", { class: "field-error", role: "alert", text: error.message }));
  }
});

// -- moderating the room -----------------------------------------------------------------------

// A post the chat's moderation hides leaves the room (with reposts of it); its author's own
// copy stays, marked, so they know. `unhide` puts it back in its place.
function isOwn(article) { return !!config.viewer && article.dataset.by === config.viewer.id; }

function markHidden(article, hidden) {
  article.classList.toggle("is-hidden-from-chat", hidden);
  const note = article.querySelector("[data-moderated-note]");
  if (hidden && !note) article.querySelector(".content").after(ownNote());
  if (!hidden) note?.remove();
}

function onHide(payload) {
  const id = payload.status_id;
  for (const article of document.querySelectorAll(`[data-id="${CSS.escape(id)}"], [data-original="${CSS.escape(id)}"]`)) {
    if (isOwn(article) && article.dataset.id === id) markHidden(article, true);
    else article.remove();
  }
  if (config.viewer) hiddenOwn.add(id);
  const index = held.findIndex((s) => (s.id === id || s.reblog?.id === id) && s.account.id !== config.viewer?.id);
  if (index >= 0) { held.splice(index, 1); updateBadge(); }
}

function onUnhide(payload) {
  const id = payload.status_id;
  hiddenOwn.delete(id);
  const present = document.querySelectorAll(`[data-id="${CSS.escape(id)}"]`);
  for (const article of present) markHidden(article, false);
  if (present.length || held.some((s) => s.id === id)) return;
  seen.set(id, payload.status);
  if (paused) { held.push(payload.status); updateBadge(); return; }
  document.querySelector("[data-empty]")?.remove();
  const later = [...log.querySelectorAll(":scope > article[data-id]")].find((a) => BigInt(a.dataset.id) < BigInt(id));
  log.insertBefore(renderPost(payload.status), later || null);
  placeAnswer(id);
}

document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-mod]");
  if (!button) return;
  const article = button.closest("article");
  const base = `/api/v1/chats/${encodeURIComponent(config.tags[0])}/moderation`;
  const action = button.dataset.mod;
  const who = article.querySelector(".handle").firstChild.textContent.trim();
  const asks = { hide: "Hide this post from the room for everyone?", mute: `Hide ${who}'s posts in this chat from everyone?`, ban: `Ban ${who} from posting in this chat?` };
  if (!window.confirm(asks[action])) return;
  try {
    if (action === "hide") await api("POST", `${base}/statuses/${article.dataset.original}/hide`);
    else await api("POST", `${base}/accounts/${article.dataset.account}/${action}`, {});
    statusLine.textContent = action === "hide" ? "Post hidden" : `${who}: ${action === "ban" ? "banned" : "muted"} in this chat`;
    if (action === "hide") onHide({ status_id: article.dataset.original });
  } catch (error) {
    statusLine.textContent = error.message;
  }
});

// -- the stream --------------------------------------------------------------------------------

function show(status) {
  seen.set(status.id, status);
  if (document.getElementById(`post-${status.id}`)) return; // already on the page
  document.querySelector("[data-empty]")?.remove();
  const article = renderPost(status);
  log.prepend(article);
  placeAnswer(status.id);
  document.dispatchEvent(new CustomEvent("room:added", { detail: { article, status } }));
}

// -- the chat by question ----------------------------------------------------------------------
// Each question the host asks gathers its answers ("A1", or a reply to Q1): the server says which
// post answers which question in an `answer` event, after the post's own `update`.

const answerOf = new Map(Object.entries(config.answers || {})); // status id -> question number
const seen = new Map(); // status id -> the status, for placing it under its question

function questionSection(number, text) {
  if (!questionsPanel) return null;
  let section = questionsPanel.querySelector(`[data-number="${number}"]`);
  if (!section && text !== undefined) {
    questionsPanel.querySelector("[data-no-questions]")?.remove();
    section = el("section", { class: "room-q card", "data-number": String(number), id: `room-q${number}` },
      el("h2", { text: `Q${number}: ${text}` }),
      el("p", { class: "meta" }, "Answers: ", el("span", { "data-answer-count": "", text: "0" })),
      el("div", { class: "timeline", "data-answers": "" }));
    const later = [...questionsPanel.querySelectorAll("[data-number]")].find((s) => Number(s.dataset.number) > number);
    questionsPanel.insertBefore(section, later || null);
  }
  return section;
}

function placeAnswer(id) {
  const number = answerOf.get(id);
  const status = seen.get(id);
  if (number === undefined || !status) return;
  const section = questionSection(Number(number));
  if (!section || section.querySelector(`[data-id="${CSS.escape(id)}"]`)) return;
  const article = renderPost(status);
  article.removeAttribute("id"); // the time-order copy keeps the id
  section.querySelector("[data-answers]").append(article);
  const count = section.querySelector("[data-answer-count]");
  count.textContent = String(Number(count.textContent) + 1);
}

function setView(view) {
  if (!questionsPanel) return;
  const byQuestion = view === "questions";
  questionsPanel.hidden = !byQuestion;
  log.hidden = byQuestion;
  for (const link of document.querySelectorAll("[data-view]")) {
    if (link.dataset.view === view) link.setAttribute("aria-current", "true");
    else link.removeAttribute("aria-current");
  }
  const url = new URL(window.location.href);
  if (byQuestion) url.searchParams.set("view", "questions"); else url.searchParams.delete("view");
  history.replaceState(null, "", url);
}

document.querySelector("[data-views]")?.addEventListener("click", (event) => {
  const link = event.target.closest("[data-view]");
  if (!link) return;
  event.preventDefault();
  setView(link.dataset.view);
});

function setPaused(value) {
  paused = value;
  pauseButton.setAttribute("aria-pressed", String(paused));
  pauseButton.firstChild.textContent = paused ? "Resume " : "Pause ";
  if (!paused) {
    while (held.length) show(held.shift());
    newBadge.hidden = true;
  }
}

function updateBadge() {
  newBadge.textContent = `${held.length} new`;
  newBadge.hidden = held.length === 0;
}

// People the viewer muted or blocked (account-wide, from their settings or an app): their posts
// and reposts of them never show, as in every timeline.
const silenced = new Set(config.silenced || []);

function onUpdate(status) {
  if (silenced.has(status.account.id) || (status.reblog && silenced.has(status.reblog.account.id))) return;
  seen.set(status.id, status);
  if (paused) {
    if (!held.some((s) => s.id === status.id) && !document.getElementById(`post-${status.id}`)) held.push(status);
    updateBadge();
  } else show(status);
}

function onDelete(id) {
  for (const article of document.querySelectorAll(`[data-id="${CSS.escape(id)}"], [data-original="${CSS.escape(id)}"]`)) article.remove();
  const index = held.findIndex((s) => s.id === id || s.reblog?.id === id);
  if (index >= 0) { held.splice(index, 1); updateBadge(); }
}

function onCounts(status) {
  for (const article of document.querySelectorAll(`[data-original="${CSS.escape(status.id)}"]`)) {
    for (const [key, value] of [["replies", status.replies_count], ["reblogs", status.reblogs_count], ["favourites", status.favourites_count]]) {
      const span = article.querySelector(`[data-count="${key}"]`);
      if (span) span.textContent = String(value);
    }
    // An edit (a bridged post edited at its origin): the new text, sanitized as ever.
    const content = article.querySelector(".content");
    if (content && typeof status.content === "string" && content.dataset.html !== status.content) {
      content.dataset.html = status.content;
      content.replaceChildren(sanitize(status.content));
    }
  }
}

// The room's other parts (static/js/room.js) follow the stream through these.
function tell(kind, detail) { document.dispatchEvent(new CustomEvent(`room:${kind}`, { detail })); }

function connect() {
  const params = new URLSearchParams();
  for (const tag of config.tags) params.append("tag", tag);
  params.set("since_id", config.since);
  const source = new EventSource(`/api/v1/streaming/hashtag?${params}`);
  source.addEventListener("open", () => { statusLine.textContent = "Live"; statusLine.dataset.state = "live"; tell("open", {}); });
  source.addEventListener("update", (e) => { config.since = e.lastEventId; onUpdate(JSON.parse(e.data)); });
  source.addEventListener("status.update", (e) => { config.since = e.lastEventId; onCounts(JSON.parse(e.data)); });
  source.addEventListener("delete", (e) => { config.since = e.lastEventId; onDelete(e.data); });
  source.addEventListener("question", (e) => {
    config.since = e.lastEventId;
    const question = JSON.parse(e.data);
    questionSection(question.number, question.text);
    tell("question", question);
  });
  source.addEventListener("answer", (e) => {
    config.since = e.lastEventId;
    const answer = JSON.parse(e.data);
    answerOf.set(answer.status_id, answer.question);
    placeAnswer(answer.status_id);
    tell("answer", answer);
  });
  source.addEventListener("session", (e) => {
    config.since = e.lastEventId;
    const session = JSON.parse(e.data);
    tell("session", session);
    const state = session.state;
    const badge = document.querySelector("[data-session-state]");
    if (badge) {
      badge.textContent = { scheduled: "upcoming", live: "live now", ended: "ended", cancelled: "cancelled" }[state] || state;
      badge.className = `badge state-${state}`;
    }
  });
  source.addEventListener("poll", (e) => {
    config.since = e.lastEventId;
    const payload = JSON.parse(e.data);
    onPoll(payload);
    tell("poll", payload); // room.js: a new poll of the session opens in the side panel
  });
  source.addEventListener("board", (e) => { config.since = e.lastEventId; tell("board", JSON.parse(e.data)); });
  source.addEventListener("hide", (e) => { config.since = e.lastEventId; onHide(JSON.parse(e.data)); });
  source.addEventListener("bridge", (e) => { config.since = e.lastEventId; onBridge(JSON.parse(e.data)); });
  source.addEventListener("unhide", (e) => { config.since = e.lastEventId; onUnhide(JSON.parse(e.data)); });
  source.addEventListener("resume", () => { statusLine.textContent = "Catching up…"; });
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CLOSED) {
      // Refused (the resume point is too old, say): start afresh from the page.
      statusLine.textContent = "Reconnecting…";
      setTimeout(() => window.location.reload(), 3000);
    } else {
      statusLine.textContent = "Reconnecting…"; statusLine.dataset.state = "down";
    }
  });
  return source;
}

// -- posting and acting in place ---------------------------------------------------------------

async function api(method, path, body, headers = {}) {
  const response = await fetch(path, {
    method, credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, Accept: "application/json", ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(data.error || `error ${response.status}`), { retryAfter: retryIn(response) });
  return data;
}

const compose = document.querySelector("[data-live-compose]");
let sending = null; // the post being sent and its Idempotency-Key, until it is answered
// 128 random bits (crypto.randomUUID exists only on https and localhost; this works on http too)
const newKey = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
if (compose) {
  compose.dataset.live = "1";
  const textarea = compose.querySelector("textarea");
  const counter = compose.querySelector("[data-counter]");
  const chatSelect = compose.querySelector("[data-chat-select]");
  const replyId = compose.querySelector("[data-reply-id]");
  const replying = compose.querySelector("[data-replying]");
  const chat = () => (chatSelect ? chatSelect.value : config.tags[0]);
  const hasTag = (text) => new RegExp(`(^|[^\\p{L}\\p{N}_])[#＃]${chat().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\p{L}\\p{N}_])`, "iu").test(text);
  const finalText = (text) => (hasTag(text) ? text : `${text.trimEnd()} #${chat()}`);
  const recount = attachCounter(textarea, counter, { prefix: () => "", transform: finalText });
  compose.composedText = () => finalText(textarea.value); // what goes out (bluesky.js counts it)
  chatSelect?.addEventListener("change", recount);
  const cancelReply = () => { replyId.value = ""; replying.hidden = true; };
  compose.cancelReply = cancelReply; // room.js: Esc
  compose.querySelector("[data-cancel-reply]").addEventListener("click", cancelReply);
  compose.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = textarea.value;
    if (!text.trim()) { textarea.focus(); return; }
    const button = compose.querySelector('button[type="submit"]');
    button.disabled = true;
    cancelRetry(compose);
    compose.querySelector(".field-error")?.remove();
    try {
      const bluesky = compose.querySelector("[data-bluesky-check]")?.checked; // bluesky.js
      const mastodon = compose.querySelector("[data-mastodon-check]")?.checked; // mastodon.js
      const bridges = [...(bluesky ? ["bluesky"] : []), ...(mastodon ? [`mastodon:${compose.querySelector("[data-mastodon-visibility]").value}`] : [])];
      const body = { status: finalText(text), in_reply_to_id: replyId.value || null, ...(bridges.length ? { bridges } : {}) };
      // The same post sent again (after a refusal, or an answer lost to the network) keeps its
      // Idempotency-Key: if the first one was written after all, the server answers it.
      const same = JSON.stringify(body);
      if (sending?.body !== same) sending = { body: same, key: newKey() };
      const status = await api("POST", "/api/v1/statuses", body, { "Idempotency-Key": sending.key });
      sending = null;
      textarea.value = ""; cancelReply(); recount();
      if (!paused) show(status);
      compose.dispatchEvent(new CustomEvent("posted", { detail: { status, bluesky, mastodon } }));
    } catch (error) {
      const again = error.retryAfter ? `. Trying again in ${error.retryAfter} s.` : "";
      const message = el("p", { class: "field-error", role: "alert", text: error.message + again });
      textarea.after(message);
      if (again) retryLater(compose, error.retryAfter); // refused under load: the same post, later
      textarea.setAttribute("aria-invalid", "true");
    } finally {
      button.disabled = false;
    }
  });
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) compose.requestSubmit();
  });
  const onReply = (event) => {
    const reply = event.target.closest('[data-act="reply"]');
    if (!reply) return;
    event.preventDefault();
    const article = reply.closest("article");
    const handle = article.querySelector(".handle").firstChild.textContent.trim();
    replyId.value = article.dataset.original;
    replying.hidden = false;
    compose.querySelector("[data-reply-to]").textContent = handle;
    if (!textarea.value.includes(handle)) textarea.value = `${handle} ${textarea.value}`;
    textarea.focus();
    recount();
  };
  for (const area of areas) area.addEventListener("click", onReply);
}

const onAct = async (event) => {
  const form = event.target.closest("form[data-act]");
  if (!form) return;
  event.preventDefault();
  const undo = form.getAttribute("action").split("/").pop().startsWith("un");
  const article = form.closest("article");
  const act = form.dataset.act;
  try {
    let status = await api("POST", `/api/v1/statuses/${article.dataset.original}/${undo ? "un" : ""}${act}`);
    if (act === "reblog" && status.reblog) status = status.reblog;
    const on = act === "reblog" ? status.reblogged : status.favourited;
    pressed.set(article.dataset.original, { ...(pressed.get(article.dataset.original) || {}), [act]: !!on });
    // Every copy of the post on the page (the original and reposts of it) shows the same state.
    for (const copy of document.querySelectorAll(`[data-original="${CSS.escape(article.dataset.original)}"] form[data-act="${act}"]`)) {
      copy.setAttribute("action", `/posts/${article.dataset.original}/${on ? "un" : ""}${act}`);
      const button = copy.querySelector("button");
      button.classList.toggle("on", on);
      button.setAttribute("aria-pressed", String(on));
    }
    onCounts(status);
  } catch (error) {
    statusLine.textContent = error.message;
  }
};
for (const area of areas) area.addEventListener("submit", onAct);

const onMute = (event) => {
  const mute = event.target.closest('[data-act="mute"]');
  if (!mute) return;
  const id = mute.closest("article").dataset.account;
  muted.add(id);
  localStorage.setItem(mutedKey, JSON.stringify([...muted]));
  applyMutes();
};
for (const area of areas) area.addEventListener("click", onMute);

const unmute = document.querySelector("[data-unmute]");
function applyMutes() {
  for (const article of document.querySelectorAll("article[data-account]")) article.classList.toggle("is-muted", muted.has(article.dataset.account));
  unmute.hidden = muted.size === 0;
  unmute.textContent = `Unmute all (${muted.size})`;
}
unmute.addEventListener("click", () => { muted.clear(); localStorage.removeItem(mutedKey); applyMutes(); });

document.querySelector("[data-hosts-only]").addEventListener("change", (e) => log.classList.toggle("hosts-only", e.target.checked));
document.querySelector("[data-hide-reblogs]").addEventListener("change", (e) => log.classList.toggle("hide-reblogs", e.target.checked));
pauseButton.addEventListener("click", () => setPaused(!paused));
document.addEventListener("keydown", (event) => {
  if (event.target.closest("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "p") { setPaused(!paused); event.preventDefault(); }
  if (event.key === "n" && compose) { compose.querySelector("textarea").focus(); event.preventDefault(); }
});

applyMutes();
statusLine.textContent = "Connecting…";
connect();
