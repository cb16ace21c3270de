// The back-care chat page: one socket.io connection to Rasa, the transcript kept in localStorage.
// Every piece of text goes into the page through textContent, never innerHTML, so markup typed
// by a user or sent by the bot shows as characters and runs nothing.

import { io } from "/vendor/socket.io.esm.min.js";
import DOMPurify from "/vendor/purify.es.mjs";

const STORE_KEY = "backcare-chat";
const MAX_STORED = 200; // messages kept across reloads; older ones are dropped
const TYPING_TIMEOUT_MS = 60000; // stop showing "typing" if the server never answers

const $ = (id) => document.getElementById(id);
const list = $("messages");
const form = $("composer");
const input = $("message");
const typing = $("typing");
const status = $("status");

let state = load();
let confirmed = false; // the server has put this socket in our session's room
const pending = []; // payloads typed while offline, sent once the session is confirmed
let typingTimer = null;

// The session id is issued and signed by the server on the first session_request (sent without
// one); null until then. Only the server's own ids resume a conversation.
function load() {
  try {
    const saved = JSON.parse(localStorage.getItem(STORE_KEY));
    const id = saved?.sessionId;
    if (saved && (typeof id === "string" || id === null) && Array.isArray(saved.messages)) return saved;
  } catch {
    // A corrupt entry is replaced by a fresh conversation below.
  }
  return { sessionId: null, messages: [] };
}

function save() {
  state.messages = state.messages.slice(-MAX_STORED);
  localStorage.setItem(STORE_KEY, JSON.stringify(state));
}

// ---- Rendering --------------------------------------------------------------------------------

const URL_PATTERN = /https?:\/\/[^\s<>()"']+[^\s<>()"'.,;:!?]/g;

// Bot text with its web addresses as links, built from text nodes and DOM-created anchors.
function appendLinkified(parent, text) {
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    parent.append(document.createTextNode(text.slice(last, match.index)));
    const url = match[0];
    if (DOMPurify.isValidAttribute("a", "href", url)) {
      const link = document.createElement("a");
      link.href = url;
      link.textContent = url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      parent.append(link);
    } else {
      parent.append(document.createTextNode(url));
    }
    last = match.index + url.length;
  }
  parent.append(document.createTextNode(text.slice(last)));
}

function formatTime(iso) {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function clearQuickReplies() {
  list.querySelectorAll(".quick-replies").forEach((group) => group.remove());
}

function render(message) {
  const fromUser = message.from === "user";
  if (fromUser) clearQuickReplies();

  const item = document.createElement("li");
  item.className = `message message--${message.from}`;

  const who = document.createElement("span");
  who.className = "visually-hidden";
  who.textContent = fromUser ? "You said: " : "Assistant said: ";

  const bubble = document.createElement("p");
  bubble.className = "message__text";
  if (fromUser) bubble.textContent = message.text;
  else appendLinkified(bubble, message.text);

  const time = document.createElement("time");
  time.className = "message__time";
  time.dateTime = message.time;
  time.textContent = formatTime(message.time);

  item.append(who, bubble, time);

  if (message.replies?.length) {
    const group = document.createElement("div");
    group.className = "quick-replies";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Suggested replies");
    for (const reply of message.replies) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "quick-reply";
      button.textContent = reply.title;
      button.addEventListener("click", () => {
        send(reply.title, reply.payload);
        input.focus();
      });
      group.append(button);
    }
    item.append(group);
  }

  list.append(item);
  list.scrollTop = list.scrollHeight;
}

function add(message) {
  state.messages.push(message);
  save();
  render(message);
}

function showTyping(on) {
  typing.hidden = !on;
  clearTimeout(typingTimer);
  if (on) typingTimer = setTimeout(() => showTyping(false), TYPING_TIMEOUT_MS);
}

function showStatus(text) {
  status.textContent = text;
  status.hidden = !text;
}

// ---- Talking to Rasa --------------------------------------------------------------------------

let socket = null; // created once /config.json says where Rasa is

function emit(payload) {
  socket.emit("user_uttered", { message: payload, session_id: state.sessionId });
  showTyping(true);
}

// Show `text` as the user's message and send `payload` (a quick reply's intent) or the text.
function send(text, payload = text) {
  add({ from: "user", text, time: new Date().toISOString() });
  if (confirmed) emit(payload);
  else pending.push(payload);
}

function connect(config) {
  socket = io(config.socketUrl, { path: config.socketPath });

  // With session_persistence the server only routes replies to sockets that asked for the
  // session, so this runs after every (re)connect, before anything is sent.
  socket.on("connect", () => {
    confirmed = false;
    socket.emit("session_request", state.sessionId ? { session_id: state.sessionId } : {});
  });

  socket.on("session_confirm", (sessionId) => {
    if (typeof sessionId === "string" && sessionId !== state.sessionId) {
      state.sessionId = sessionId;
      save();
    }
    confirmed = true;
    showStatus("");
    if (state.messages.length === 0 && pending.length === 0) emit("/greet"); // a new chat opens with the bot's hello
    while (pending.length) emit(pending.shift());
  });

  socket.on("bot_uttered", (data) => {
    if (!data || typeof data.text !== "string") return; // attachments and custom JSON are not shown
    showTyping(false);
    const replies = Array.isArray(data.quick_replies)
      ? data.quick_replies.filter((r) => typeof r?.title === "string" && typeof r?.payload === "string")
      : [];
    add({ from: "bot", text: data.text, replies, time: new Date().toISOString() });
  });

  socket.on("disconnect", (reason) => {
    confirmed = false;
    showTyping(false);
    // Our own disconnect (new conversation) reconnects at once: no need to alarm anyone.
    if (reason !== "io client disconnect") showStatus("Offline — reconnecting…");
  });

  socket.on("connect_error", () => showStatus("Offline — reconnecting…"));
}

// ---- Page controls ----------------------------------------------------------------------------

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  send(text);
});

$("new-conversation").addEventListener("click", () => {
  state = { sessionId: null, messages: [] }; // the server issues the new one
  save();
  list.replaceChildren();
  pending.length = 0;
  showTyping(false);
  // Reconnecting leaves the old session's room and asks for a new one.
  socket?.disconnect().connect();
  input.focus();
});

// The saved conversation shows at once, even before (or without) a connection.
state.messages.forEach(render);
input.focus();
showStatus("Connecting…");
fetch("/config.json")
  .then((reply) => reply.json())
  .then(connect)
  .catch(() => showStatus("Offline — reload the page to try again."));
