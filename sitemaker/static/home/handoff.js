// Sends the sign-in handoff form on its own (same-origin script, allowed by the CSP);
// without script the button does the same.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("handoff");
  if (form) form.submit();
});
