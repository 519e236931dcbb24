// megalodon (npm, unchanged; what Whalebird and Fedistar use) runs the apps' story against a
// live hashchat: node megalodon_story.mjs <server url> <password>; prints one JSON line of what
// it saw, exits 1 on failure. It detects the server (nodeinfo), logs in with the authorization
// code (the person approves in hashchat's page, done here with plain HTTP), posts, reads a tag
// timeline page by page (Link header), streams the tag and the user stream (WebSocket), gets
// notified of a reply, searches and edits.
import generator, { detector } from "megalodon";

const [url, password] = process.argv.slice(2);
const OOB = "urn:ietf:wg:oauth:2.0:oob";
const seen = {};
const within = (promise, ms, what) =>
  Promise.race([promise, new Promise((_, no) => setTimeout(() => no(new Error(`no ${what}`)), ms))]);

// The person's part of the authorization code flow: log in to hashchat, approve the app.
async function approve(authorizeUrl, handle) {
  const cookies = new Map();
  const keep = (res) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const [name, value] = pair.split("=");
      cookies.set(name, value);
    }
  };
  const cookie = () => [...cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  const csrf = (html) => html.match(/name="csrf-token" content="([^"]+)"/)[1];
  let res = await fetch(`${url}/login`);
  keep(res);
  const form = new URLSearchParams({ login: handle, password, csrf_token: csrf(await res.text()), next: "/" });
  res = await fetch(`${url}/login`, { method: "POST", body: form, headers: { cookie: cookie() }, redirect: "manual" });
  keep(res);
  res = await fetch(authorizeUrl, { headers: { cookie: cookie() } });
  const page = await res.text();
  const fields = new URLSearchParams();
  for (const [, name, value] of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields.append(name, value.replaceAll("&amp;", "&").replaceAll("&#34;", '"').replaceAll("&#39;", "'"));
  }
  fields.append("decision", "allow");
  res = await fetch(`${url}/oauth/authorize`, { method: "POST", body: fields, headers: { cookie: cookie() } });
  return (await res.text()).match(/<code class="code">([^<]+)<\/code>/)[1];
}

async function logIn(handle) {
  const anonymous = generator("mastodon", url);
  const app = await anonymous.registerApp(`megalodon-${handle}`, { scopes: ["read", "write", "follow"], redirect_uris: OOB });
  const code = await approve(app.url, handle);
  const token = await anonymous.fetchAccessToken(app.client_id, app.client_secret, code, OOB);
  return generator("mastodon", url, token.access_token);
}

function nextEvent(socket, name, wanted = () => true) {
  return new Promise((resolve) => {
    const listener = (value) => {
      if (!wanted(value)) return;
      socket.removeListener(name, listener);
      resolve(value);
    };
    socket.on(name, listener);
  });
}

seen.detected = await detector(url);
const maya = await logIn("maya");
const kai = await logIn("kai");
seen.me = (await kai.verifyAccountCredentials()).data.username;

const tag = await kai.tagStreaming("MegaStory");
const user = await kai.userStreaming();
const errors = [];
for (const socket of [tag, user]) socket.on("error", (e) => errors.push(String(e)));
await within(Promise.all([nextEvent(tag, "connect"), nextEvent(user, "connect")]), 5000, "connection");
await new Promise((resolve) => setTimeout(resolve, 300));

const streamed = nextEvent(tag, "update");
const question = (await maya.postStatus("Q1: what are you reading? #MegaStory")).data;
const answers = [];
for (const book of ["Beloved", "Middlemarch", "Orlando"]) {
  answers.push((await kai.postStatus(`A1: ${book} #megastory`)).data);
}
seen.streamed = (await within(streamed, 5000, "update on the tag stream")).id;
seen.questionId = question.id;

// Page by page, following the Link header's next page as apps do.
seen.pages = [];
let options = { limit: 2 };
for (;;) {
  const res = await kai.getTagTimeline("megastory", options);
  if (res.data.length === 0) break;
  seen.pages.push(res.data.map((s) => s.id));
  const next = (res.headers.link || "").match(/<([^>]+)>; rel="next"/);
  if (!next) break;
  options = { limit: 2, max_id: new URL(next[1]).searchParams.get("max_id") };
}
seen.expectedOrder = [...answers.map((s) => s.id).reverse(), question.id];

const heard = nextEvent(user, "notification");
const reply = (await maya.postStatus("Nice pick @kai", { in_reply_to_id: answers[0].id })).data;
const notification = await within(heard, 5000, "notification on the user stream");
seen.streamedNotification = { type: notification.type, status: notification.status.id, reply: reply.id };
seen.notifications = (await kai.getNotifications()).data.map((n) => [n.type, n.account.username]);

seen.searchAccounts = (await kai.search("maya", { type: "accounts" })).data.accounts.map((a) => a.username);
seen.searchHashtags = (await kai.search("megastory", { type: "hashtags" })).data.hashtags.map((t) => t.name);
seen.searchStatuses = (await kai.search("orlando", { type: "statuses" })).data.statuses.map((s) => s.id);
seen.answerIds = answers.map((s) => s.id);

const edited = (await kai.editStatus(answers[1].id, { status: "A1: Middlemarch, finished #megastory" })).data;
seen.editedAt = edited.edited_at;
seen.source = (await kai.getStatusSource(answers[1].id)).data.text;
seen.errors = errors;

tag.stop();
user.stop();
console.log(JSON.stringify(seen));
process.exit(0);
