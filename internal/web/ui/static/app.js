// zapflow web app enhancements. Every form works without this file.
// Each part of the app has its own module.
import "./live.js";
import "./users.js";
import "./assign.js";
import "./settings.js";
import "./compose.js";
import "./sandbox.js";

// The reply box sends on Enter; Shift+Enter adds a line.
function enhanceReply() {
  const box = document.getElementById("reply-text");
  if (!box) return;
  box.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      if (box.value.trim() !== "") box.form.requestSubmit();
    }
  });
  box.focus();
}

// The newest message is in view when a chat opens.
function scrollToNewest() {
  const list = document.getElementById("messages");
  if (list) list.scrollTop = list.scrollHeight;
}

enhanceReply();
scrollToNewest();
