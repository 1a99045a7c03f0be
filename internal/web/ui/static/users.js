// users part of the web app (loaded by app.js). The pages work without
// it; this greys out the permission boxes while "Admin" is picked
// (admins have every permission, so the boxes would mean nothing) and
// shows times in the browser's time zone.
function enhanceRoleForm() {
  const perms = document.getElementById("permissions");
  if (!perms || !perms.form) return;
  const radios = perms.form.querySelectorAll('input[name="role"]');
  const sync = () => {
    const admin = perms.form.querySelector('input[name="role"][value="admin"]:checked');
    perms.disabled = Boolean(admin);
  };
  radios.forEach((r) => r.addEventListener("change", sync));
  sync();
}

// Last-login times are rendered in UTC; show them in the browser's own
// time zone and language.
function localTimes() {
  const lang = document.documentElement.lang || undefined;
  document.querySelectorAll(".users-page time[data-local]").forEach((el) => {
    const d = new Date(el.getAttribute("datetime"));
    if (!Number.isNaN(d.getTime())) {
      el.textContent = d.toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" });
    }
  });
}

enhanceRoleForm();
localTimes();
