// masto.js (npm "masto", unchanged) runs the apps' story against a live hashchat:
// node masto_story.mjs <server url> <password>; prints one JSON line of what it saw, exits 1 on
// failure. Log in (password grant), post, read a tag timeline page by page (Link header),
// stream the tag and the user's notifications (WebSocket), get notified of a reply, search, edit.
import { createOAuthAPIClient, createRestAPIClient, createStreamingAPIClient } from "masto";

const [url, password] = process.argv.slice(2);
const seen = {};
const within = (promise, ms, what) =>
  Promise.race([promise, new Promise((_, no) => setTimeout(() => no(new Error(`no ${what}`)), ms))]);

async function logIn(handle) {
  const anonymous = createRestAPIClient({ url });
  const app = await anonymous.v1.apps.create({
    clientName: `masto-${handle}`, redirectUris: "urn:ietf:wg:oauth:2.0:oob", scopes: "read write follow",
  });
  const oauth = createOAuthAPIClient({ url });
  const token = await oauth.token.create({
    grantType: "password", clientId: app.clientId, clientSecret: app.clientSecret,
    redirectUri: "urn:ietf:wg:oauth:2.0:oob", username: handle, password, scope: "read write follow",
  });
  return { rest: createRestAPIClient({ url, accessToken: token.accessToken }), token: token.accessToken };
}

async function firstEvent(subscription, wanted) {
  for await (const event of subscription) {
    if (wanted(event)) return event;
  }
  throw new Error("the stream ended");
}

const maya = await logIn("maya");
const kai = await logIn("kai");
seen.me = (await kai.rest.v1.accounts.verifyCredentials()).username;
const instance = await kai.rest.v2.instance.fetch();
seen.streamingUrl = instance.configuration.urls.streaming;
const streaming = createStreamingAPIClient({
  streamingApiUrl: instance.configuration.urls.streaming, accessToken: kai.token, retry: false,
});
const tag = streaming.hashtag.subscribe({ tag: "MastoStory" });
const mine = streaming.user.notification.subscribe();
// masto.js subscribes when a subscription is first read, on a connection it opens after a
// back-off of one second: read both, then give them that second and a little more.
const streamed = firstEvent(tag, (e) => e.event === "update");
const heard = firstEvent(mine, (e) => e.event === "notification");
await new Promise((resolve) => setTimeout(resolve, 1800));

const question = await maya.rest.v1.statuses.create({ status: "Q1: what are you reading? #MastoStory" });
const answers = [];
for (let i = 0; i < 3; i++) {
  const book = ["Dune", "Emma", "Ulysses"][i];
  answers.push(await kai.rest.v1.statuses.create({ status: `A1: ${book} #mastostory` }));
}
seen.streamed = (await within(streamed, 5000, "update on the tag stream")).payload.content;

seen.pages = [];
for await (const page of kai.rest.v1.timelines.tag.$select("mastostory").list({ limit: 2 })) {
  seen.pages.push(page.map((s) => s.id));
}
seen.expectedOrder = [...answers.map((s) => s.id).reverse(), question.id];

const reply = await maya.rest.v1.statuses.create({ status: "Nice pick @kai", inReplyToId: answers[0].id });
const notification = (await within(heard, 5000, "notification on the user stream")).payload;
seen.streamedNotification = { type: notification.type, status: notification.status.id, reply: reply.id };
const listed = await kai.rest.v1.notifications.list();
seen.notifications = listed.map((n) => [n.type, n.account.username, n.status && n.status.id]);

const found = await kai.rest.v2.search.list({ q: "maya", type: "accounts" });
seen.searchAccounts = found.accounts.map((a) => a.username);
const tags = await kai.rest.v2.search.list({ q: "mastostory", type: "hashtags" });
seen.searchHashtags = tags.hashtags.map((t) => t.name);
const posts = await kai.rest.v2.search.list({ q: "emma", type: "statuses" });
seen.searchStatuses = posts.statuses.map((s) => s.id);
seen.answerIds = answers.map((s) => s.id);

const edited = await kai.rest.v1.statuses.$select(answers[1].id).update({ status: "A1: Emma, finished #mastostory" });
seen.editedAt = edited.editedAt;
seen.history = (await kai.rest.v1.statuses.$select(answers[1].id).history.list()).map((h) => h.content);
seen.source = (await kai.rest.v1.statuses.$select(answers[1].id).source.fetch()).text;

tag.unsubscribe();
mine.unsubscribe();
streaming.close();
console.log(JSON.stringify(seen));
