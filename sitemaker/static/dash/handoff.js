// Sends the sign-in handoff form of this same-origin page at once (the dashboard's CSP
// allows only its own script files); without script, the button does the same.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("handoff");
  if (form) form.submit();
});
