// users part of the web app (loaded by app.js). The forms work without
// it; this only greys out the permission boxes while "Admin" is picked
// (admins have every permission, so the boxes would mean nothing).
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

enhanceRoleForm();
