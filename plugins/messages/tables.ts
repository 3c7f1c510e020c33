// The messages plugin's tables (created by migrations/2026_12_05_0700_create_messages.ts).
import type { Generated, Selectable } from 'kysely'

export type ConversationKind = 'direct' | 'group'
export type ParticipantRole = 'owner' | 'admin' | 'member'
export type ParticipantState = 'active' | 'left' | 'removed'
export type RequestState = 'none' | 'pending' | 'declined'
export type MessageKind = 'text' | 'media' | 'file' | 'voice' | 'system'

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
}

export type Conversation = Selectable<MessagesTables['messages_conversations']>
export type Participant = Selectable<MessagesTables['messages_participants']>
export type MessageRow = Selectable<MessagesTables['messages_messages']>
