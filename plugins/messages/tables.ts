// The messages plugin's tables (created by the migrations in migrations/).
import type { Generated, Selectable } from 'kysely'

export type ConversationKind = 'direct' | 'group'
export type ParticipantRole = 'owner' | 'admin' | 'member'
export type ParticipantState = 'active' | 'left' | 'removed'
export type RequestState = 'none' | 'pending' | 'declined'
export type MessageKind = 'text' | 'media' | 'file' | 'voice' | 'system'
export type ScheduledStatus = 'pending' | 'sent' | 'not_sent'
export type ChangeKind = 'edited' | 'unsent' | 'reactions' | 'disappeared'

export type MessagesTables = {
  messages_conversations: {
    id: Generated<number>
    kind: ConversationKind
    name: string | null
    direct_key: string | null
    created_by: number | null
    created_at: Generated<string>
    last_message_id: number | null
    disappear_seconds: number | null
    /** A group's picture: a core media item (migration 2026_12_05_1210). */
    picture_media_id: number | null
  }
  messages_participants: {
    conversation_id: number
    user_id: number
    role: Generated<ParticipantRole>
    state: Generated<ParticipantState>
    request: Generated<RequestState>
    joined_at: Generated<string>
    left_at: string | null
    from_id: Generated<number>
    until_id: number | null
    muted: Generated<number>
    archived: Generated<number>
    pinned: Generated<number>
    last_read_id: Generated<number>
    /** The newest message their client (any tab) received: "Delivered" (migration 2026_12_05_1020). */
    last_delivered_id: Generated<number>
    /** Their latest message: the conversation's, up to their last line if they left (migration 2026_12_06_0080). */
    latest_id: number | null
    /** How many messages they have not read (queries.ts `unreadTruth` is what it must equal). */
    unread_count: Generated<number>
    /** 1 once a notification was raised for their unread messages; back to 0 when they read or write. */
    told: Generated<number>
  }
  messages_messages: {
    id: Generated<number>
    conversation_id: number
    sender_id: number | null
    kind: Generated<MessageKind>
    client_id: string | null
    reply_to_id: number | null
    event: string | null
    created_at: Generated<string>
    edited_at: string | null
    unsent_at: string | null
    expires_at: string | null
  }
  messages_bodies: { message_id: number; body: string }
  messages_hidden: { user_id: number; message_id: number }
  messages_prefs: { user_id: number; read_receipts: Generated<number>; last_seen_at: string | null }
  /** What a message shares (a post, a profile, a story): a kind of shared card and its id (decision 030). */
  messages_shares: { message_id: number; kind: string; ref: number }
  /** A gift sent in the message (the coins plugin's send `send_id`), as it was then (gifts.ts). */
  messages_gifts: { message_id: number; send_id: number; name: string; price: number; icon: string | null; media_id: number | null }
  messages_attachments: AttachmentFiles & {
    id: Generated<number>
    position: number
    status: Generated<AttachmentStatus>
    waveform: string | null
  }
  messages_opens: { attachment_id: number; user_id: number; opened_at: Generated<string> }
  messages_scheduled: {
    id: Generated<number>
    conversation_id: number
    sender_id: number
    body: string
    disappear_seconds: number | null
    send_at: string
    created_at: Generated<string>
    status: Generated<ScheduledStatus>
    message_id: number | null
    reason: string | null
  }
  messages_reactions: { message_id: number; user_id: number; emoji: string; created_at: Generated<string> }
  /** Items of reported messages kept for staff while the report is open (holds.ts). */
  messages_report_holds: AttachmentFiles & { report_id: number; attachment_id: number; created_at: Generated<string> }
  messages_changes: { seq: number; conversation_id: number; message_id: number; kind: ChangeKind; created_at: Generated<string> }
}

/** What an item of a message is and where its bytes are: an attachment's columns, and a report's hold of one. */
type AttachmentFiles = {
  message_id: number
  kind: AttachmentKind
  media_id: number | null
  file_key: string | null
  alt_key: string | null
  file_name: string | null
  mime: string | null
  size_bytes: Generated<number>
  duration_ms: number | null
  view_once: Generated<number>
}

export type AttachmentKind = 'media' | 'file' | 'voice'
export type AttachmentStatus = 'processing' | 'ready' | 'failed'
export type AttachmentRow = Selectable<MessagesTables['messages_attachments']>

export type Conversation = Selectable<MessagesTables['messages_conversations']>
export type Participant = Selectable<MessagesTables['messages_participants']>
export type MessageRow = Selectable<MessagesTables['messages_messages']>
export type ScheduledRow = Selectable<MessagesTables['messages_scheduled']>
