// The side panel (BackwardStepper(..., panel=fn), see panel.py): DATA.panels holds each distinct
// picture once, as indices into DATA.panel_parts (its elements, each distinct one stored once);
// DATA.panel_of[k] says which picture frame k shows. A picture is swapped in only when the
// frame shown needs another one, so stepping through frames that share it costs nothing.
// The picture lives in a shadow root: the graph's stylesheet (text centred, in Courier) is for
// the graph, and must not restyle a picture drawn by someone else.
(function () {
  const box = document.getElementById("panel").attachShadow({ mode: "open" });
  const style = "<style>svg { display: block; width: 100%; height: auto; }</style>";
  let showing = -1;
  function draw(k) {
    const which = DATA.panel_of[k];
    if (which === showing) return;
    box.innerHTML = style + DATA.panels[which].map((i) => DATA.panel_parts[i]).join("");
    box.host.dataset.picture = String(which);
    showing = which;
  }
  window.stepperPage.onShow(draw);
  draw(window.stepperPage.current());
})();
