// Loaded after the last cell of the page: show the rendered cells (see oa-shell.js).
window.voila_finish();
