// Markdown-lite for what the operator writes (announcements, the rules and legal pages, the welcome message):
// headings, paragraphs, lists, emphasis, code and links, with every other character escaped, so no HTML the
// operator types (or pastes) reaches a page. The same text also reads as plain text for emails and pushes.
import { escapeHtml } from './escape.js'

/** Where a link may point: the web, email, or a path on this site. Anything else (javascript:, data:) stays text. */
export function safeHref(url: string): string | null {
  const u = url.trim()
  if (/^\/(?!\/)/.test(u) || /^#[\w-]*$/.test(u)) return u
  if (/^mailto:[^\s<>"]+@[^\s<>"]+$/i.test(u)) return u
  try {
    const parsed = new URL(u)
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null
  } catch {
    return null
  }
}

/** One line's inline marks: `code`, **bold**, *italic* or _italic_, [text](url) and bare URLs. */
function inline(text: string): string {
  const out: string[] = []
  // Links and code first (their insides are not emphasised), then emphasis over the escaped rest.
  const pattern = /`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\)|(https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"])/g
  let last = 0
  for (const m of text.matchAll(pattern)) {
    out.push(emphasis(escapeHtml(text.slice(last, m.index))))
    if (m[1] !== undefined) out.push(`<code>${escapeHtml(m[1])}</code>`)
    else if (m[2] !== undefined) {
      const href = safeHref(m[3]!)
      out.push(href ? `<a href="${escapeHtml(href)}"${external(href)}>${emphasis(escapeHtml(m[2]))}</a>` : emphasis(escapeHtml(m[0])))
    } else {
      const href = safeHref(m[4]!)
      out.push(href ? `<a href="${escapeHtml(href)}"${external(href)}>${escapeHtml(m[4]!)}</a>` : escapeHtml(m[4]!))
    }
    last = m.index + m[0].length
  }
  out.push(emphasis(escapeHtml(text.slice(last))))
  return out.join('')
}

const external = (href: string) => (/^https?:/.test(href) ? ' rel="nofollow noopener" target="_blank"' : '')

function emphasis(escaped: string): string {
  return escaped.replace(/\*\*(?=\S)(.+?)(?<=\S)\*\*/g, '<strong>$1</strong>').replace(/(^|[^\w*])[*_](?=\S)(.+?)(?<=\S)[*_](?![\w*])/g, '$1<em>$2</em>')
}

type Block = { kind: 'p'; lines: string[] } | { kind: 'h'; level: number; text: string } | { kind: 'ul' | 'ol'; items: string[] }

function blocks(source: string): Block[] {
  const out: Block[] = []
  let cur = null as Block | null
  for (const raw of source.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.trimEnd()
    const heading = /^(#{1,3})\s+(.+)$/.exec(line)
    const bullet = /^\s*[-*+]\s+(.+)$/.exec(line)
    const numbered = /^\s*\d{1,3}[.)]\s+(.+)$/.exec(line)
    if (!line.trim()) cur = null
    else if (heading) {
      out.push({ kind: 'h', level: heading[1]!.length, text: heading[2]!.trim() })
      cur = null
    } else if (bullet || numbered) {
      const kind = bullet ? 'ul' : 'ol'
      if (cur?.kind !== kind) out.push((cur = { kind, items: [] }))
      cur.items.push((bullet ?? numbered)![1]!)
    } else if (cur?.kind === 'p') cur.lines.push(line.trim())
    else if (cur && (cur.kind === 'ul' || cur.kind === 'ol') && /^\s+/.test(raw)) cur.items[cur.items.length - 1] += ` ${line.trim()}`
    else out.push((cur = { kind: 'p', lines: [line.trim()] }))
  }
  return out
}

/**
 * The operator's Markdown-lite as safe HTML. Headings start at `<h2>` (the page has its own `<h1>`).
 * @example renderMarkdown('# Be kind\nRead [the rules](/rules).') // '<h2>Be kind</h2>\n<p>Read <a href="/rules">the rules</a>.</p>'
 */
export function renderMarkdown(source: string): string {
  return blocks(source)
    .map((b) => {
      if (b.kind === 'h') return `<h${b.level + 1}>${inline(b.text)}</h${b.level + 1}>`
      if (b.kind === 'p') return `<p>${b.lines.map(inline).join('<br>')}</p>`
      return `<${b.kind}>${b.items.map((i) => `<li>${inline(i)}</li>`).join('')}</${b.kind}>`
    })
    .join('\n')
}

/** The same text for emails' and pushes' plain-text parts: marks dropped, links as "text (url)". */
export function markdownToText(source: string): string {
  return blocks(source)
    .map((b) => {
      const plain = (s: string) =>
        s
          .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_, t: string, u: string) => (safeHref(u) ? `${t} (${u})` : t))
          .replace(/\*\*(.+?)\*\*/g, '$1')
          .replace(/`([^`]+)`/g, '$1')
      if (b.kind === 'h') return plain(b.text)
      if (b.kind === 'p') return b.lines.map(plain).join('\n')
      return b.items.map((i, n) => `${b.kind === 'ul' ? '•' : `${n + 1}.`} ${plain(i)}`).join('\n')
    })
    .join('\n\n')
}

/** The paragraphs of `markdownToText`, for an email's lines. */
export const markdownParagraphs = (source: string): string[] => markdownToText(source).split('\n\n').filter(Boolean)
