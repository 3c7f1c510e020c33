// The emails core sends, each as a subject, a plain-text body and an HTML body drawn from the same lines.
import { escapeHtml } from '../text/escape.js'

/** One email as it is queued: everything the sending job needs, already written. */
export interface MailMessage {
  to: string
  subject: string
  text: string
  html: string
  /** Extra headers (List-Unsubscribe, ...). */
  headers?: Record<string, string>
}

/** What an email says: a greeting, paragraphs, an optional button (a link), and a closing line. */
export interface MailContent {
  subject: string
  /** The first line: "Hi @ana," */
  greeting?: string
  paragraphs: string[]
  action?: { label: string; url: string }
  /** Smaller text under the button: why the member got this, what to do if it was not them. */
  footer?: string
}

/**
 * The email drawn from its content: the text version for mail programs that show only text (and for
 * accessibility), the HTML version with the button, both from the same lines so they never say different things.
 * Inline styles only (mail programs drop style sheets); light colours that hold in dark mode too.
 */
export function composeMail(to: string, siteName: string, content: MailContent): MailMessage {
  const text = [
    ...(content.greeting ? [content.greeting, ''] : []),
    ...content.paragraphs.flatMap((p) => [p, '']),
    ...(content.action ? [`${content.action.label}: ${content.action.url}`, ''] : []),
    ...(content.footer ? ['-- ', content.footer, ''] : []),
    `${siteName}`,
  ].join('\n')
  const p = (s: string) => `<p style="margin:0 0 16px">${escapeHtml(s)}</p>`
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(content.subject)}</title></head>
<body style="margin:0;padding:24px;background:#f4f4f5;font:16px/1.5 -apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,sans-serif;color:#18181b">
<div style="max-width:520px;margin:0 auto;background:#ffffff;border-radius:12px;padding:28px">
<p style="margin:0 0 20px;font-weight:700;font-size:18px">${escapeHtml(siteName)}</p>
${content.greeting ? p(content.greeting) : ''}${content.paragraphs.map(p).join('')}${
    content.action
      ? `<p style="margin:24px 0"><a href="${escapeHtml(content.action.url)}" style="display:inline-block;background:#4f46e5;color:#ffffff;text-decoration:none;padding:12px 20px;border-radius:8px;font-weight:600">${escapeHtml(content.action.label)}</a></p>
<p style="margin:0 0 16px;font-size:13px;color:#52525b">Or open this link: <a href="${escapeHtml(content.action.url)}" style="color:#4f46e5;word-break:break-all">${escapeHtml(content.action.url)}</a></p>`
      : ''
  }${content.footer ? `<p style="margin:24px 0 0;font-size:13px;color:#52525b">${escapeHtml(content.footer)}</p>` : ''}
</div></body></html>`
  return { to, subject: content.subject, text, html }
}
