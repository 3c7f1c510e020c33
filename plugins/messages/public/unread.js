// Keeps the Messages entries of the navigation current through core's hearthNavCount (hearth.js), fed by
// `messages:unread` on the page's realtime socket.
document.addEventListener('hearth:messages:unread', (e) => window.hearthNavCount('messages', 'Messages', e.detail && e.detail.conversations))
