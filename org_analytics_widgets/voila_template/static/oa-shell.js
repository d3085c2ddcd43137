// The page shell's functions, which Voilà's lab template writes inline (the app's CSP refuses inline
// scripts). voila-style.js calls display_cells once the theme is in; oa-finish.js once the cells are.
window.voila_heartbeat = function () {};
window.update_loading_text = function () {};
window.display_cells = function () {
  if (!window.themeLoaded) {
    window.cellLoaded = true;
    return;
  }
  const cells = document.getElementById("rendered_cells");
  if (cells) {
    cells.style.display = "";
  }
};
window.voila_process = window.update_loading_text;
window.voila_finish = window.display_cells;
