// The reply box (loaded by app.js). Every form works without this file:
// it adds Enter to send, the ✨ menu's suggestion without a reload, the
// template picker's live preview and the attachment's preview and drop
// target (compose_attach.js).
import { enhanceAttach, hasAttachment } from "./compose_attach.js";

// Enter sends; Shift+Enter adds a line.
function enhanceReply() {
  const box = document.getElementById("reply-text");
  if (!box) return;
  box.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      if (box.value.trim() !== "" || hasAttachment()) box.form.requestSubmit(box.form.querySelector("button.send"));
    }
  });
  box.focus();
}

// The ✨ menu asks for a suggestion and puts it in the reply box for the
// agent to edit; nothing is sent until the agent presses Send.
function enhanceAIMenu() {
  const menu = document.querySelector(".ai-menu");
  if (!menu) return;
  const button = menu.querySelector(".ai-go");
  const status = menu.querySelector(".ai-status");
  const box = document.getElementById("reply-text");
  button.addEventListener("click", async (e) => {
    e.preventDefault();
    const body = new URLSearchParams(new FormData(box.form));
    button.disabled = true;
    status.textContent = menu.dataset.working;
    status.classList.remove("error");
    try {
      const resp = await fetch(menu.dataset.aiUrl, {
        method: "POST",
        body,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const out = await resp.json();
      if (resp.ok && out.text) {
        box.value = out.text;
        status.textContent = menu.dataset.ready;
        box.focus();
      } else {
        const err = out.error || {};
        status.textContent = [err.message, err.fix ? menu.dataset.fix + " " + err.fix : ""].filter(Boolean).join(" ");
        status.classList.add("error");
      }
    } catch (_) {
      // Offline or the server failed: fall back to the plain form.
      box.form.requestSubmit(button);
    } finally {
      button.disabled = false;
    }
  });
}

// renderTemplate fills {{name}} placeholders with the typed values,
// leaving unfilled ones visible, as the server's preview does.
function renderTemplate(body, values) {
  return body.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (m, name) =>
    values[name] ? values[name] : m);
}

// The template picker shows the chosen template's fields and renders its
// preview as the agent types.
function enhanceTemplatePicker() {
  const select = document.getElementById("tpl-choice");
  const preview = document.getElementById("tpl-preview");
  if (!select || !preview) return;
  const sets = Array.from(select.form.querySelectorAll("fieldset.tpl-vars"));
  const update = () => {
    const current = sets.find((s) => s.dataset.template === select.value);
    for (const s of sets) {
      const on = s === current;
      s.hidden = !on;
      s.disabled = !on;
    }
    if (!current) return;
    const values = {};
    for (const input of current.querySelectorAll("input[data-var]")) {
      values[input.dataset.var] = input.value;
    }
    preview.textContent = renderTemplate(current.dataset.body || "", values);
  };
  select.addEventListener("change", update);
  select.form.addEventListener("input", update);
  update();
}

enhanceReply();
enhanceAttach();
enhanceAIMenu();
enhanceTemplatePicker();
