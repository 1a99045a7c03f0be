// Leads, live: live.js turns the "lead" and "lead_assigned" events into
// zapflow:live. The agent a lead is assigned to sees a notice linking to
// their leads; an open leads list and the lead panel beside the open chat
// refresh from server-rendered fragments. Every page works without this.

const texts = {
  en: { assigned: "A new lead was assigned to you", open: "Open your leads", close: "Close" },
  pt: { assigned: "Um novo lead foi atribuído a você", open: "Abrir seus leads", close: "Fechar" },
};
const text = ((document.documentElement.lang || "en").startsWith("pt")) ? texts.pt : texts.en;

async function fragment(url) {
  const resp = await fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" });
  if (!resp.ok && resp.status !== 422) return null;
  return new DOMParser().parseFromString(await resp.text(), "text/html").body;
}

// toast shows the "assigned to you" notice (one at a time).
function toast(userID) {
  document.querySelector(".lead-toast")?.remove();
  const box = document.createElement("div");
  box.className = "lead-toast";
  box.setAttribute("role", "status");
  const msg = document.createElement("span");
  msg.textContent = text.assigned;
  const link = document.createElement("a");
  link.href = "/leads?agent=" + encodeURIComponent(userID);
  link.textContent = text.open;
  const close = document.createElement("button");
  close.type = "button";
  close.textContent = "×";
  close.setAttribute("aria-label", text.close);
  close.addEventListener("click", () => box.remove());
  box.append(msg, " ", link, close);
  document.body.append(box);
}

let listTimer = 0;

// refreshList swaps in the leads list (at most every 300 ms).
function refreshList() {
  clearTimeout(listTimer);
  listTimer = setTimeout(async () => {
    const old = document.getElementById("leads-list");
    if (!old) return;
    const body = await fragment("/leads/list" + (old.dataset.query || ""));
    const fresh = body?.querySelector("#leads-list");
    if (fresh) old.replaceWith(fresh);
  }, 300);
}

// refreshPanel swaps in the lead panel of the open chat.
async function refreshPanel(conv) {
  const old = document.getElementById("lead-panel");
  if (!old || old.dataset.conversation !== conv) return;
  const body = await fragment("/inbox/" + conv);
  const fresh = body?.querySelector("#lead-panel");
  if (fresh && document.getElementById("lead-panel") === old) old.replaceWith(fresh);
}

document.addEventListener("zapflow:live", (e) => {
  const d = e.detail || {};
  if (d.kind !== "lead" && d.kind !== "lead_assigned") return;
  const me = document.body.dataset.user;
  if (d.kind === "lead_assigned" && me && me !== "0" && String(d.user_id) === me) toast(me);
  refreshList();
  if (d.conversation_id) refreshPanel(String(d.conversation_id));
});
