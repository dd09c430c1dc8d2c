// Exchanges the one-time code of a sign-in link (/t/signin#fds_…) for this phone's own session.
// The code travels in the URL's fragment, which the browser never sends to the server, and is
// wiped from the address bar before anything else.
const message = document.getElementById("message");
const code = decodeURIComponent(location.hash.slice(1));
history.replaceState(null, "", "/t/signin");

async function signIn() {
  if (!code) {
    message.textContent = "This link has no sign-in code. Ask your dispatcher for a new link.";
    return;
  }
  try {
    const response = await fetch("/t/session", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ code }),
      credentials: "same-origin",
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      message.textContent = (answer.detail || "The link was refused.") + "";
      return;
    }
    localStorage.setItem("fd-session", JSON.stringify({ technician: answer.technician, csrf: answer.csrf }));
    location.replace("/t/");
  } catch (error) {
    message.textContent = "No connection: open the link again once the phone is online.";
  }
}
signIn();
