// The review page works without this: a passage can be pasted. With it, selecting text
// in the report fills the "add a draft from this passage" field.
document.addEventListener("mouseup", selected);
document.addEventListener("keyup", selected);

function selected() {
  const source = document.querySelector("[data-passage-source]");
  const field = document.getElementById("passage");
  const selection = window.getSelection();
  if (!source || !field || !selection || selection.isCollapsed) return;
  if (!source.contains(selection.anchorNode) || !source.contains(selection.focusNode)) return;
  const text = selection.toString().trim();
  if (text) field.value = text;
}
