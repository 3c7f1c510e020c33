// HTML escaping for text put into markup by hand (emails, linkified post text); Preact escapes what it renders.

/** The text with `& < > " '` written as entities, safe inside an element or a quoted attribute. */
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
