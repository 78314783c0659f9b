// The API tokens page: a Copy button next to a token shown once.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.addEventListener("click", async () => {
      const field = document.getElementById(button.dataset.copy);
      field.select();
      try {
        await navigator.clipboard.writeText(field.value);
        button.textContent = "Copied";
      } catch {
        // No clipboard permission (plain http): the text is selected for Ctrl+C.
        button.textContent = "Press Ctrl+C";
      }
    });
  }
});
