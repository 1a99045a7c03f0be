// zapflow web app enhancements. Every form works without this file.
// Each part of the app has its own module.
import "./live.js";
import "./users.js";
import "./assign.js";
import "./settings.js";
import "./compose.js";
import "./sandbox.js";
import "./notify.js";
import "./flows.js";
import "./leads.js";
import "./campaigns.js";

// The newest message is in view when a chat opens.
function scrollToNewest() {
  const list = document.getElementById("messages");
  if (list) list.scrollTop = list.scrollHeight;
}

scrollToNewest();
