// Copying text for the person: the Clipboard API where the page may use it (HTTPS or localhost,
// permission given); otherwise the text is selected in its input for Ctrl+C. Resolves to
// "copied" or "byHand", for the confirmation the caller shows.
export async function copyText(text, input) {
  try {
    if (!navigator.clipboard) throw new Error("no clipboard here (plain HTTP)");
    await navigator.clipboard.writeText(text);
    return "copied";
  } catch {
    input?.focus();
    input?.select();
    return "byHand";
  }
}
