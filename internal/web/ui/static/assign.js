// assign part of the web app (loaded by app.js). Assigning, resolving and
// notes are plain forms that work without this file; the picker is not
// submitted on change, so keyboard users can move through its options.
