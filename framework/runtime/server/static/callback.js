// The OAuth callback page (/oauth/callback): once connected, the window that the settings
// page opened for the provider closes itself; the settings page shows the connection.

if (document.body.dataset.status === "connected") window.close();
