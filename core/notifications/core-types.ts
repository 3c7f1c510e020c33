// Core's notification types: what each says and where it leads. Texts name the actors, never a post's text.
import { REASON_LABELS, type ReportReason } from '../moderation/inputs.js'
import type { NotificationContext, NotificationTypeDefinition } from './types.js'

const post = (n: NotificationContext) => (n.postId ? `/p/${n.postId}` : null)
const comment = (n: NotificationContext) => (n.postId ? `/p/${n.postId}${n.commentId ? `#comment-${n.commentId}` : ''}` : null)
const profile = (n: NotificationContext) => (n.actors[0] ? `/u/${n.actors[0].username}` : null)

export const CORE_TYPES = {
  follow: {
    label: 'New followers',
    group: true,
    text: (n) => `${n.who} followed you`,
    url: (n) => (n.count > 1 ? `/u/${n.me.username}/followers` : profile(n)),
  },
  follow_request: {
    label: 'Follow requests',
    group: true,
    text: (n) => `${n.who} asked to follow you`,
    url: () => '/follow-requests',
  },
  follow_accepted: {
    label: 'Accepted follow requests',
    group: false,
    text: (n) => `${n.who} accepted your follow request`,
    url: profile,
  },
  like: {
    label: 'Likes on your posts',
    group: true,
    text: (n) => `${n.who} liked your post`,
    url: post,
  },
  comment: {
    label: 'Comments on your posts',
    group: true,
    text: (n) => `${n.who} commented on your post`,
    url: comment,
  },
  reply: {
    label: 'Replies to your comments',
    group: true,
    text: (n) => `${n.who} replied to your comment`,
    url: comment,
  },
  mention: {
    label: 'Mentions',
    group: false,
    text: (n) => `${n.who} mentioned you in a ${n.commentId ? 'comment' : 'post'}`,
    url: comment,
  },
  comment_like: {
    label: 'Likes on your comments',
    group: true,
    text: (n) => `${n.who} liked your comment`,
    url: comment,
  },
  repost: {
    label: 'Reposts of your posts',
    group: true,
    text: (n) => `${n.who} reposted your post`,
    url: post,
  },
  quote: {
    label: 'Quotes of your posts',
    group: false,
    text: (n) => `${n.who} quoted your post`,
    url: post,
  },
  // Staff's announcements (core/announcements): the title, leading to the announcement's page. A member may turn them off.
  announcement: {
    label: 'Announcements from the team',
    group: false,
    text: (n) => (typeof n.data.title === 'string' ? `Announcement: ${n.data.title}` : 'An announcement from the team'),
    url: (n) => (typeof n.data.id === 'number' ? `/announcements/${n.data.id}` : null),
  },
  // Sent by no member (the moderators act together), so no actor a block could hide; always sent, not a setting.
  warning: {
    label: 'Warnings from the moderators',
    group: false,
    required: true,
    text: (n) => {
      // A warning staff gave directly (the member's page in the console), not in answer to a report.
      if (n.data.reason === 'staff') return `The moderators warned you: “${typeof n.data.note === 'string' ? n.data.note.trim() : ''}”`
      const reason = typeof n.data.reason === 'string' ? (REASON_LABELS[n.data.reason as ReportReason] ?? n.data.reason).toLowerCase() : 'a report'
      const note = typeof n.data.note === 'string' && n.data.note.trim() ? `: “${n.data.note.trim()}”` : '.'
      return `The moderators warned you after a report of ${reason}${note}`
    },
    url: () => '/warnings',
  },
  // A reporter hears what came of their report; what was reported is named by its kind only (it may be gone).
  report_outcome: {
    label: 'What came of your reports',
    group: false,
    text: (n) => `The moderators looked at your report of ${what(n.data.target_type)}: ${OUTCOME_TEXT[String(n.data.outcome)] ?? 'they decided.'}`,
    url: () => null,
  },
  // The member whose post or comment was removed or marked sensitive; always sent, since they may appeal.
  moderation_action: {
    label: 'Moderators’ decisions about your content',
    group: false,
    required: true,
    text: (n) =>
      n.data.outcome === 'sensitive'
        ? `The moderators marked the media of your post sensitive: it shows behind a warning.${note(n)}`
        : `The moderators removed your ${what(n.data.target_type).replace(/^an? /, '')}.${note(n)} You can appeal.`,
    url: (n) => (n.data.outcome === 'sensitive' ? (n.postId ? `/p/${n.postId}` : null) : '/appeals'),
  },
  appeal_decided: {
    label: 'Answers to your appeals',
    group: false,
    required: true,
    text: (n) => (n.data.decision === 'overturn' ? `Your appeal was accepted: the moderators restored your ${what(n.data.target_type).replace(/^an? /, '')}.` : `Your appeal was turned down: the removal stands.`) + note(n),
    url: () => '/appeals',
  },
  // The member asked for it; always sent, not a setting.
  export_ready: {
    label: 'Your data export is ready',
    group: false,
    required: true,
    text: () => 'The copy of your data you asked for is ready to download',
    url: () => '/settings/data',
  },
  // Staff's answer about the verified badge; always sent (the member asked, or lost the badge). The note is theirs alone.
  verification: {
    label: 'Your verified badge',
    group: false,
    required: true,
    text: (n) => (VERIFICATION_TEXT[String(n.data.outcome)] ?? 'The staff changed your verified badge.') + note(n),
    url: () => '/settings/verification',
  },
} satisfies Record<string, NotificationTypeDefinition>

/** A target type as a phrase: core's by name, a plugin's as "something". */
function what(type: unknown): string {
  const names: Record<string, string> = { post: 'a post', comment: 'a comment', user: 'a member' }
  return names[String(type)] ?? (typeof type === 'string' && type.includes('.') ? `a ${type.split('.').pop()!.replace(/[-_]/g, ' ')}` : 'something')
}

const note = (n: NotificationContext) => (typeof n.data.note === 'string' && n.data.note.trim() ? ` “${n.data.note.trim()}”` : '')

const VERIFICATION_TEXT: Record<string, string> = {
  approved: 'Your account is verified: the badge now shows next to your name.',
  granted: 'The staff verified your account: the badge now shows next to your name.',
  rejected: 'Your verification request was turned down.',
  revoked: 'The staff removed the verified badge from your account.',
}

const OUTCOME_TEXT: Record<string, string> = {
  dismiss: 'they found nothing against the rules.',
  remove: 'they removed it.',
  sensitive: 'they put its media behind a warning.',
  warn: 'they warned the member.',
  suspend: 'they suspended the member.',
}

export type CoreType = keyof typeof CORE_TYPES
