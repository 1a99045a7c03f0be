// The reply box's attachment (loaded by compose.js). Without this file
// the picker is a plain file input sent with the form. With it: a file
// can be dropped on the reply box, the attached file shows (name, size, a
// thumbnail of a picture) with a Remove button, and a file WhatsApp would
// refuse (type or size) is named with its code and fix before anything is
// sent. The server checks everything again.

// formatSize writes a byte count as people read it.
function formatSize(n) {
  const units = ["B", "KB", "MB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return new Intl.NumberFormat(document.documentElement.lang || undefined, { maximumFractionDigits: i ? 1 : 0 }).format(n) + " " + units[i];
}

// problemOf names what WhatsApp would refuse in file, or null. A file
// the browser cannot type is left to the server.
function problemOf(file, rules, box) {
  const type = (file.type || "").split(";")[0].trim().toLowerCase();
  if (type === "") return null;
  if (!(type in rules)) {
    return { code: "unsupported_media_type", message: box.dataset.unsupported + " (" + type + ")", fix: box.dataset.fixUnsupported };
  }
  if (file.size > rules[type]) {
    return {
      code: "media_too_large",
      message: box.dataset.tooLarge + " (" + formatSize(file.size) + " > " + formatSize(rules[type]) + ")",
      fix: box.dataset.fixTooLarge,
    };
  }
  return null;
}

export function enhanceAttach() {
  const box = document.getElementById("attach");
  const input = document.getElementById("reply-file");
  const text = document.getElementById("reply-text");
  if (!box || !input || !text) return;
  const form = input.form;
  const preview = document.getElementById("attach-preview");
  const thumb = preview.querySelector(".attach-thumb");
  const errorBox = document.getElementById("attach-error");
  const rules = JSON.parse(box.dataset.rules || "{}");
  box.classList.add("enhanced");

  const showError = (p) => {
    errorBox.replaceChildren();
    if (!p) {
      errorBox.hidden = true;
      input.setAttribute("aria-invalid", "false");
      return;
    }
    const line = document.createElement("p");
    const code = document.createElement("code");
    code.className = "code";
    code.textContent = p.code;
    line.append(p.message + " ", code);
    const fix = document.createElement("p");
    fix.className = "fix";
    fix.textContent = box.dataset.fix + " " + p.fix;
    errorBox.append(line, fix);
    errorBox.dataset.code = p.code;
    errorBox.hidden = false;
    input.setAttribute("aria-invalid", "true");
  };

  // update shows the attached file, or none; a caption is optional with
  // a file, the text is required without one.
  const update = () => {
    const file = input.files[0];
    thumb.hidden = true;
    thumb.removeAttribute("src");
    if (!file) {
      preview.hidden = true;
      text.required = true;
      text.placeholder = box.dataset.message;
      return;
    }
    const p = problemOf(file, rules, box);
    showError(p);
    if (p) {
      input.value = ""; // nothing is sent
      update();
      return;
    }
    preview.querySelector(".attach-name").textContent = file.name;
    preview.querySelector(".attach-size").textContent = formatSize(file.size);
    preview.hidden = false;
    text.required = false;
    text.placeholder = box.dataset.caption;
    if (/^image\/(jpeg|png|webp)$/.test(file.type)) {
      // A data: URL: the page's policy loads pictures only from here or data:.
      const reader = new FileReader();
      reader.onload = () => {
        if (input.files[0] === file) {
          thumb.src = reader.result;
          thumb.hidden = false;
        }
      };
      reader.readAsDataURL(file);
    }
  };

  input.addEventListener("change", () => {
    showError(null);
    update();
  });
  preview.querySelector(".attach-remove").addEventListener("click", () => {
    input.value = "";
    showError(null);
    update();
    text.focus();
  });

  // Dropping a file anywhere on the open chat (its messages or the reply
  // box) attaches it; the reply box lights up while one is dragged over.
  const zone = form.closest(".chat") || form;
  const hasFiles = (e) => e.dataTransfer && Array.from(e.dataTransfer.types || []).includes("Files");
  zone.addEventListener("dragover", (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "copy";
    form.classList.add("dragging");
  });
  zone.addEventListener("dragleave", (e) => {
    if (!zone.contains(e.relatedTarget)) form.classList.remove("dragging");
  });
  zone.addEventListener("drop", (e) => {
    form.classList.remove("dragging");
    if (!hasFiles(e) || e.dataTransfer.files.length === 0) return;
    e.preventDefault();
    const dt = new DataTransfer();
    dt.items.add(e.dataTransfer.files[0]);
    input.files = dt.files;
    showError(null);
    update();
    text.focus();
  });
  update();
}

// hasAttachment says whether a file is attached to the reply box.
export function hasAttachment() {
  const input = document.getElementById("reply-file");
  return Boolean(input && input.files.length > 0);
}
