// The messages pages' pieces: the inbox (and its requests and archived folders), a new conversation, a thread with
// its compose form, a group's members, a message's edit form, and the read-receipts settings panel. Every action is
// a plain form (POST, _csrf, a 303 back), so it all works without JavaScript; messages.js makes the thread live.
import type { ComponentChildren, VNode } from 'preact'
import { ActionForm, Avatar, CsrfField, Field, FormError, Icon, Notice, relativeTime, SharedCardView, shortTime, type SharedCard } from '../../core/plugins/api.js'
import { Attachments, attachmentsPreview, ComposeAttachments } from './attachment-views.js'
import { CallButtons, CallPanel, PresenceLine } from './call-views.js'
import type { Folder } from './queries.js'
import { EDIT_WINDOW_MS, TEXT_MAX, type ConversationView, type MessageView } from './service.js'
import { ComposeTimer, MessageExtras, ScheduleForm, SearchBox, ThreadTools } from './time-views.js'

/** Messages shown after a redirect (`?notice=KEY`): fixed texts, so nothing from the URL reaches the page. */
export const NOTICES = {
  accepted: 'Request accepted.',
  declined: 'Request deleted.',
  blocked: 'Blocked. Neither of you can message the other.',
  unsent: 'Message unsent.',
  hidden: 'Message deleted for you.',
  edited: 'Message edited.',
  added: 'Added to the group.',
  removed: 'Removed from the group.',
  left: 'You left the group.',
  renamed: 'Group renamed.',
  pictured: 'Group picture changed.',
  role: 'Admins updated.',
  unpictured: 'Group picture removed.',
  saved: 'Saved.',
  timer: 'Disappearing messages updated.',
  scheduled: 'Scheduled. It will be sent at the time you chose.',
  rescheduled: 'Scheduled message saved.',
  cancelled: 'Scheduled message cancelled.',
  reported: 'Thanks. Moderators will look at your report.',
} as const
export type NoticeKey = keyof typeof NOTICES

/** This plugin's confirmations, by the `?notice=` key its routes send back. */
export const MessagesNotice = ({ notice }: { notice?: string }) => <Notice notices={NOTICES} notice={notice} />

/** A one-button form (core's ActionForm), a link-styled button unless told otherwise. */
export const Act = (props: Parameters<typeof ActionForm>[0]) => <ActionForm {...props} class={props.class ?? 'link'} />

const FOLDERS: Record<Folder, { title: string; href: string }> = {
  inbox: { title: 'Messages', href: '/messages' },
  requests: { title: 'Message requests', href: '/messages/requests' },
  archived: { title: 'Archived conversations', href: '/messages/archived' },
}

/** A conversation's picture, drawn one way in the inbox and the thread's header: the group's, or the other member's. */
function ConversationPicture({ c }: { c: ConversationView }) {
  return <Avatar member={{ display_name: c.title, avatar_url: c.picture?.url ?? null }} />
}

function preview(c: ConversationView): string {
  const m = c.last_message
  if (!m) return ''
  if (m.unsent) return 'Unsent message'
  const who = m.sender && c.kind === 'group' && m.kind !== 'system' ? `${m.sender.display_name}: ` : ''
  if (m.gift) return `${who}Sent ${m.gift.name}${m.text ? `: ${m.text}` : ''}`.slice(0, 120)
  const text = m.text || (m.share ? `Shared a ${m.share.kind === 'profile' || m.share.kind === 'story' ? m.share.kind : 'post'}` : attachmentsPreview(m.attachments ?? []))
  return `${who}${text}`.slice(0, 120)
}

export function InboxPage(props: { folder: Folder; items: ConversationView[]; next: string | null; requests: number; notice?: string }) {
  const { folder, items } = props
  return (
    <section class="card messages-inbox" data-folder={folder}>
      <header class="messages-head">
        <h1>{FOLDERS[folder].title}</h1>
        <a class="button" href="/messages/new">
          <Icon name="square-pen" /> New message
        </a>
      </header>
      <MessagesNotice notice={props.notice} />
      <SearchBox />
      <nav class="messages-folders" aria-label="Folders">
        {folder !== 'inbox' && <a href="/messages">Inbox</a>}
        {folder !== 'requests' && (
          <a href="/messages/requests" data-requests={props.requests}>
            Requests{props.requests ? ` (${props.requests})` : ''}
          </a>
        )}
        {folder !== 'archived' && <a href="/messages/archived">Archived</a>}
      </nav>
      {folder === 'requests' && <p class="hint">People who may not message you directly land here. They are not told whether you read, accept or delete their request.</p>}
      {items.length === 0 ? (
        <p class="muted" data-empty>
          {folder === 'requests' ? 'No requests.' : folder === 'archived' ? 'Nothing archived.' : 'No conversations yet. Start one with New message.'}
        </p>
      ) : (
        <ul class="messages-conversations">
          {items.map((c) => (
            <li class={c.unread ? 'conversation unread' : 'conversation'} data-conversation={c.id}>
              <a href={`/messages/${c.id}`}>
                <ConversationPicture c={c} />
                <span class="conversation-text">
                  <strong class="conversation-title">
                    {c.title}
                    {c.me.pinned && <Icon name="pin" label="Pinned" />}
                    {c.me.muted && <Icon name="bell-off" label="Muted" />}
                  </strong>
                  <span class="conversation-preview muted">{preview(c)}</span>
                </span>
                <span class="conversation-meta">
                  {c.last_message && <time datetime={c.last_message.created_at}>{relativeTime(c.last_message.created_at)}</time>}
                  {c.unread > 0 && (
                    <span class="badge" data-unread={c.unread} aria-label={`${c.unread} unread`}>
                      {c.unread}
                    </span>
                  )}
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
      {props.next && (
        <a class="button secondary" href={`${FOLDERS[folder].href}?cursor=${encodeURIComponent(props.next)}`}>
          More conversations
        </a>
      )}
    </section>
  )
}

export function NewPage(props: { csrf: string; fields?: Record<string, string>; message?: string; values?: Record<string, string> }) {
  const f = props.fields ?? {}
  const v = props.values ?? {}
  return (
    <>
      <section class="card">
        <h1>New message</h1>
        <FormError message={props.message} />
        <form method="post" action="/messages/new">
          <CsrfField token={props.csrf} />
          <Field name="user" label="To (username)" value={v.user} error={f.user} autocomplete="off" required />
          <div class="actions">
            <button type="submit">Start conversation</button>
          </div>
        </form>
      </section>
      <section class="card">
        <h2>New group</h2>
        <form method="post" action="/messages/groups">
          <CsrfField token={props.csrf} />
          <Field name="name" label="Group name" value={v.name} error={f.name} required maxLength={80} />
          <Field name="members" label="Members (usernames, separated by spaces or commas)" value={v.members} error={f.members} required autocomplete="off" />
          <div class="actions">
            <button type="submit">Create group</button>
          </div>
        </form>
      </section>
    </>
  )
}

/**
 * Send a post, a profile or a story in a message: the card as the sender sees it, a note, and where to send it (a
 * recent conversation, or a member by username). Recipients see the card only if they may see what it shows.
 */
export function SharePage(props: { card: SharedCard; csrf: string; recent: ConversationView[]; message?: string; fields?: Record<string, string>; values?: Record<string, string> }) {
  const f = props.fields ?? {}
  const v = props.values ?? {}
  const { card } = props
  return (
    <section class="card">
      <h1>Send in a message</h1>
      <SharedCardView card={card} kind={card.kind} />
      <FormError message={props.message} />
      <form method="post" action="/messages/share">
        <CsrfField token={props.csrf} />
        <input type="hidden" name="kind" value={card.kind} />
        <input type="hidden" name="ref" value={String(card.ref)} />
        {props.recent.length > 0 && (
          <fieldset class="messages-share-to">
            <legend>Send to</legend>
            {props.recent.map((c) => (
              <label class="checkbox" key={c.id}>
                <input type="radio" name="conversation" value={String(c.id)} checked={v.conversation === String(c.id)} /> {c.title}
              </label>
            ))}
          </fieldset>
        )}
        <Field name="user" label={props.recent.length ? 'Or to a member (username)' : 'To (username)'} value={v.user} error={f.user} autocomplete="off" />
        <Field name="text" label="Add a message (optional)" value={v.text} error={f.text} maxLength={TEXT_MAX} />
        <div class="actions">
          <button type="submit">Send</button>
        </div>
      </form>
    </section>
  )
}

/** The paper plane under a post (the `post.actions` slot): a link to send it in a message. */
export function SendPostLink({ postId }: { postId: number }) {
  return (
    <a class="reaction reaction-send" href={`/messages/share?kind=post&ref=${postId}`} data-send-post={postId}>
      <Icon name="send" />
      <span class="visually-hidden">Send in a message</span>
    </a>
  )
}

/** A gift in a message (gifts.ts): its picture or icon, what it was and its price. messages.js draws it the same way. */
function GiftBubble({ gift, mine }: { gift: NonNullable<MessageView['gift']>; mine: boolean }) {
  return (
    <p class="msg-gift" data-gift-message={gift.send_id}>
      {gift.picture_url ? <img src={gift.picture_url} alt="" width={48} height={48} class="gift-image" loading="lazy" /> : <Icon name={gift.icon ?? 'gift'} />}
      <span>
        <strong>{mine ? `You sent ${gift.name}` : `Sent you ${gift.name}`}</strong> <span class="muted">{gift.price === 1 ? '1 coin' : `${gift.price.toLocaleString('en')} coins`}</span>
      </span>
    </p>
  )
}

/** One message in the thread. messages.js draws new ones the same way (keep the two in step). */
export function MessageItem(props: { m: MessageView; me: number; conversationId: number; csrf: string; group: boolean; canAct: boolean; reachable?: boolean }) {
  const { m, me, conversationId: id, csrf } = props
  if (m.kind === 'system') {
    return (
      <li class="msg system" id={`m-${m.id}`} data-id={m.id}>
        <span class="muted">{m.text}</span>
      </li>
    )
  }
  const mine = m.sender?.id === me
  const editable = mine && !m.unsent && m.kind === 'text' && !m.gift && Date.now() - Date.parse(m.created_at) < EDIT_WINDOW_MS
  return (
    <li class={`msg ${mine ? 'mine' : 'theirs'}${m.unsent ? ' unsent' : ''}`} id={`m-${m.id}`} data-id={m.id} data-client-id={m.client_id ?? undefined} data-sender={m.sender?.id}>
      {props.group && !mine && <span class="msg-sender">{m.sender?.display_name}</span>}
      {m.reply_to && (
        <a class="msg-quote" href={`#m-${m.reply_to.id}`}>
          <span class="msg-sender">{m.reply_to.sender}</span> {m.reply_to.unsent ? <em>Unsent message</em> : (m.reply_to.text ?? '').slice(0, 140)}
        </a>
      )}
      {!m.unsent && m.share && <SharedCardView card={m.share.card} kind={m.share.kind} />}
      {!m.unsent && m.gift && <GiftBubble gift={m.gift} mine={mine} />}
      {!m.unsent && <Attachments items={m.attachments} me={me} sender={m.sender?.id ?? null} conversationId={id} csrf={csrf} reachable={props.reachable ?? true} />}
      {m.unsent ? <p class="msg-body muted">{mine ? 'You unsent a message' : 'Message unsent'}</p> : (m.html || (m.kind === 'text' && !m.share && !m.gift)) && <p class="msg-body" dangerouslySetInnerHTML={{ __html: m.html ?? '' }} />}
      <span class="msg-meta muted">
        <time datetime={m.created_at} title={shortTime(m.created_at)}>
          {relativeTime(m.created_at)}
        </time>
        {m.edited_at && !m.unsent && <span class="msg-edited"> · edited</span>}
      </span>
      <MessageExtras m={m} me={me} conversationId={id} csrf={csrf} canAct={props.canAct} />
      {!m.unsent && (
        <span class="msg-actions">
          {props.canAct && (
            <a href={`/messages/${id}?reply=${m.id}#compose`} class="link" aria-label="Reply">
              Reply
            </a>
          )}
          {editable && props.canAct && (
            <a href={`/messages/${id}/messages/${m.id}/edit`} class="link">
              Edit
            </a>
          )}
          {mine && props.canAct && !m.gift && <Act action={`/messages/${id}/messages/${m.id}/unsend`} csrf={csrf} label="Unsend" />}
          <Act action={`/messages/${id}/messages/${m.id}/hide`} csrf={csrf} label="Delete for me" />
        </span>
      )}
    </li>
  )
}

export function ThreadPage(props: {
  c: ConversationView
  messages: MessageView[]
  older: string | null
  /** The newest page (not an older one): its newest id seeds the live thread's catch-up (`data-newest`). */
  latest?: boolean
  me: number
  csrf: string
  clientId: string
  replyTo: MessageView | null
  notice?: string
  problem?: { message: string; text: string }
  maxFileMb?: number
  /** Direct threads: the other member's presence line ("Active now"), null when hidden; undefined: none. */
  presence?: string | null
  /** Direct threads the viewer may call from (calls.ts): the Call and Video call buttons. */
  callable?: boolean
  /** The coins plugin is on: direct threads offer "Send a gift" (its gift form, coming back here). */
  gifts?: boolean
  /** Core's reminder of the community rules, above the compose box (null once dismissed). */
  guidelines?: VNode | null
}) {
  const { c, me, csrf } = props
  const group = c.kind === 'group'
  const active = c.me.state === 'active'
  const pending = c.me.request === 'pending'
  const canWrite = active && !pending
  // "Seen" goes under the newest of my messages the other has read (direct conversations, both sending receipts).
  const seenAt = c.seen_id !== null ? [...props.messages].filter((m) => m.sender?.id === me && m.kind !== 'system' && m.id <= c.seen_id!).map((m) => m.id)[0] : undefined
  // "Delivered" under the newest of my messages the other's client received, when it is newer than what they have seen.
  const deliveredAt =
    c.delivered_id !== null ? props.messages.filter((m) => m.sender?.id === me && m.kind !== 'system' && m.id <= c.delivered_id! && (seenAt === undefined || m.id > seenAt)).map((m) => m.id)[0] : undefined
  // What the page was drawn with: its scripts join the topic after it, so what is sent meanwhile still arrives.
  const newest = props.latest === false ? undefined : (props.messages[0]?.id ?? 0)
  return (
    <section class="card messages-thread" data-conversation={c.id} data-me={me} data-kind={c.kind} data-newest={newest} data-seen={c.seen_id ?? undefined} data-delivered={c.delivered_id ?? undefined}>
      <header class="messages-head">
        <a href="/messages" class="link" aria-label="Back to messages">
          <Icon name="arrow-left" />
        </a>
        <ConversationPicture c={c} />
        <h1>{c.title}</h1>
        {group && <a href={`/messages/${c.id}/members`}>{c.member_count} members</a>}
        {props.callable && <CallButtons />}
      </header>
      {!group && props.presence !== undefined && <PresenceLine conversationId={c.id} text={props.presence} />}
      {props.callable && <CallPanel conversationId={c.id} title={c.title} />}
      <MessagesNotice notice={props.notice} />
      {!pending && (
        <div class="messages-flags">
          <Act action={`/messages/${c.id}/flags`} csrf={csrf} fields={{ muted: c.me.muted ? '0' : '1' }} label={c.me.muted ? 'Unmute' : 'Mute'} />
          <Act action={`/messages/${c.id}/flags`} csrf={csrf} fields={{ pinned: c.me.pinned ? '0' : '1' }} label={c.me.pinned ? 'Unpin' : 'Pin'} />
          <Act action={`/messages/${c.id}/flags`} csrf={csrf} fields={{ archived: c.me.archived ? '0' : '1' }} label={c.me.archived ? 'Unarchive' : 'Archive'} />
        </div>
      )}
      {!pending && <ThreadTools c={c} csrf={csrf} canWrite={canWrite} />}
      {props.older && (
        <a class="messages-older" href={`/messages/${c.id}?before=${encodeURIComponent(props.older)}`}>
          Older messages
        </a>
      )}
      <ol class="messages-list" aria-label="Messages" aria-live="polite">
        {[...props.messages].reverse().map((m) => (
          <>
            <MessageItem m={m} me={me} conversationId={c.id} csrf={csrf} group={group} canAct={canWrite} reachable={active} />
            {m.id === seenAt && (
              <li class="msg-seen muted" data-seen-marker>
                Seen
              </li>
            )}
            {m.id === deliveredAt && (
              <li class="msg-seen muted" data-delivered-marker>
                Delivered
              </li>
            )}
          </>
        ))}
      </ol>
      <p class="muted messages-typing" data-typing aria-live="polite"></p>
      {pending && (
        <div class="messages-request" data-request>
          <p>
            {group ? 'You were added to this group by someone who may not message you directly.' : `${c.title} wants to send you messages.`} They will not know whether you
            read, accept or delete this request.
          </p>
          <div class="actions">
            <Act action={`/messages/${c.id}/accept`} csrf={csrf} label="Accept" class="button" />
            <Act action={`/messages/${c.id}/decline`} csrf={csrf} label="Delete" class="button secondary" />
            {!group && <Act action={`/messages/${c.id}/block`} csrf={csrf} label="Block" class="button secondary" />}
          </div>
        </div>
      )}
      {!active && <p class="muted" data-departed>{c.me.state === 'left' ? 'You left this group.' : 'You were removed from this group.'}</p>}
      {canWrite && props.guidelines}
      {canWrite && (
        <form method="post" action={`/messages/${c.id}`} class="messages-compose" id="compose" data-compose enctype="multipart/form-data">
          <CsrfField token={csrf} />
          <input type="hidden" name="client_id" value={props.clientId} />
          {props.replyTo && (
            <p class="msg-quote" data-replying>
              Replying to {props.replyTo.sender?.display_name}: {(props.replyTo.text ?? '').slice(0, 140)} <a href={`/messages/${c.id}#compose`}>Cancel</a>
              <input type="hidden" name="reply_to" value={String(props.replyTo.id)} />
            </p>
          )}
          <FormError message={props.problem?.message} />
          <label for="message-text" class="messages-sr">
            Message
          </label>
          <textarea id="message-text" name="text" rows={2} maxLength={TEXT_MAX} placeholder="Message…">
            {props.problem?.text ?? ''}
          </textarea>
          <ComposeTimer c={c} />
          <button type="submit" aria-label="Send">
            <Icon name="send" /> Send
          </button>
          <ComposeAttachments maxFileMb={props.maxFileMb ?? 25} />
        </form>
      )}
      {canWrite && <ScheduleForm c={c} csrf={csrf} />}
      {canWrite && !group && props.gifts && (
        <p class="messages-gift">
          <a class="button secondary" href={`/coins/gift?kind=conversation&id=${c.id}&back=${encodeURIComponent(`/messages/${c.id}`)}`} data-send-gift>
            <Icon name="gift" /> Send a gift
          </a>
        </p>
      )}
      {active && !group && (
        <p class="messages-block">
          <Act action={`/messages/${c.id}/block`} csrf={csrf} label={`Block ${c.title}`} />
        </p>
      )}
      {canWrite && <script src="/plugins/messages/attachments.js" defer></script>}
      {canWrite && <script src="/plugins/messages/messages.js" defer></script>}
      {canWrite && <script src="/plugins/messages/voice.js" defer></script>}
    </section>
  )
}

export function MembersPage(props: { c: ConversationView; me: number; csrf: string; fields?: Record<string, string>; message?: string; values?: Record<string, string>; notice?: string }) {
  const { c, me, csrf } = props
  const mine = c.me.role !== 'member'
  return (
    <section class="card">
      <header class="messages-head">
        <a href={`/messages/${c.id}`} class="link" aria-label="Back to the conversation">
          <Icon name="arrow-left" />
        </a>
        <h1>{c.title}: members</h1>
      </header>
      <MessagesNotice notice={props.notice} />
      <FormError message={props.message} />
      <ul class="messages-members">
        {c.members.map((m) => (
          <li data-member={m.username}>
            <a href={`/u/${m.username}`}>{m.display_name}</a> <span class="muted">@{m.username}</span> {m.role !== 'member' && <span class="badge">{m.role}</span>}
            {c.me.role === 'owner' && m.role !== 'owner' && (
              <Act action={`/messages/${c.id}/members/${m.id}/role`} csrf={csrf} fields={{ role: m.role === 'admin' ? 'member' : 'admin' }} label={m.role === 'admin' ? 'Remove as admin' : 'Make admin'} title={`${m.role === 'admin' ? 'Remove as admin' : 'Make admin'}: ${m.display_name}`} />
            )}
            {mine && m.id !== me && m.role !== 'owner' && (m.role !== 'admin' || c.me.role === 'owner') && <Act action={`/messages/${c.id}/members/${m.id}/remove`} csrf={csrf} label="Remove" title={`Remove ${m.display_name}`} />}
          </li>
        ))}
      </ul>
      {mine && (
        <>
          <form method="post" action={`/messages/${c.id}/members`}>
            <CsrfField token={csrf} />
            <Field name="user" label="Add someone (username)" value={props.values?.user} error={props.fields?.user} required autocomplete="off" />
            <button type="submit">Add</button>
          </form>
          <form method="post" action={`/messages/${c.id}/name`}>
            <CsrfField token={csrf} />
            <Field name="name" label="Group name" value={props.values?.name ?? c.name ?? ''} error={props.fields?.name} required maxLength={80} />
            <button type="submit">Rename</button>
          </form>
          <form method="post" action={`/messages/${c.id}/picture`} enctype="multipart/form-data" class="messages-picture" data-picture-form>
            <CsrfField token={csrf} />
            {c.picture && <ConversationPicture c={c} />}
            <label for="group-picture">Group picture</label>
            <input id="group-picture" type="file" name="picture" accept="image/*" aria-describedby={props.fields?.picture ? 'group-picture-error' : undefined} />
            {props.fields?.picture && (
              <p class="error" id="group-picture-error">
                {props.fields.picture}
              </p>
            )}
            <button type="submit">{c.picture ? 'Change picture' : 'Set picture'}</button>
          </form>
          {c.picture && <Act action={`/messages/${c.id}/picture`} csrf={csrf} fields={{ remove: '1' }} label="Remove picture" />}
        </>
      )}
      <Act action={`/messages/${c.id}/leave`} csrf={csrf} label="Leave group" class="button secondary" />
    </section>
  )
}

export function EditPage(props: { conversationId: number; m: MessageView; csrf: string; message?: string; text?: string }) {
  return (
    <section class="card">
      <h1>Edit message</h1>
      <FormError message={props.message} />
      <form method="post" action={`/messages/${props.conversationId}/messages/${props.m.id}/edit`}>
        <CsrfField token={props.csrf} />
        <label for="edit-text">Message</label>
        <textarea id="edit-text" name="text" rows={4} maxLength={TEXT_MAX} required>
          {props.text ?? props.m.text ?? ''}
        </textarea>
        <div class="actions">
          <button type="submit">Save</button> <a href={`/messages/${props.conversationId}#m-${props.m.id}`}>Cancel</a>
        </div>
      </form>
    </section>
  )
}

export function ReadReceiptsPanel(props: { on: boolean; csrf: string; message?: string | null }) {
  return (
    <section class="card">
      <h2>Messages</h2>
      {props.message && (
        <p class="alert alert-ok" role="status">
          {props.message}
        </p>
      )}
      <form method="post" action="/settings/messages">
        <CsrfField token={props.csrf} />
        <label>
          <input type="checkbox" name="read_receipts" checked={props.on} /> Send read receipts
        </label>
        <p class="hint">When this is off, people you message do not see when you have read their messages, and you do not see when they have read yours.</p>
        <div class="actions">
          <button type="submit">Save</button>
        </div>
      </form>
    </section>
  )
}

/** On every member's page: keeps the navigation's unread count live. */
export function UnreadScript() {
  return <script src="/plugins/messages/unread.js" defer></script>
}

/** The profile's "Message" button: a form, so it works without JavaScript. */
export function MessageButton({ username, csrfToken }: { username: string; csrfToken: string }) {
  return (
    <form method="post" action="/messages/new" class="inline-form" data-message-button>
      <CsrfField token={csrfToken} />
      <input type="hidden" name="user" value={username} />
      <button type="submit" class="button secondary">
        Message
      </button>
    </form>
  )
}
