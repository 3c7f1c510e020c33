// The sentence of a call's line in the conversation: "Missed call", "Declined video call", "Call, 4 min".

/** A call's system line, as stored in `messages_messages.event`. */
export interface CallEvent {
  type: 'call'
  video: boolean
  /** missed: nobody answered (or the caller hung up first); declined: the callee declined; ended: they talked. */
  outcome: 'missed' | 'declined' | 'ended'
  /** How long they talked (ended calls); null otherwise. */
  seconds: number | null
}

/** "12 s", "4 min", "1 h 5 min". */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`
  const minutes = Math.round(seconds / 60)
  if (minutes < 60) return `${minutes} min`
  return `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`
}

export function callSentence(e: Record<string, unknown>): string {
  const what = e.video ? 'video call' : 'call'
  if (e.outcome === 'missed') return `Missed ${what}`
  if (e.outcome === 'declined') return `Declined ${what}`
  const seconds = typeof e.seconds === 'number' ? e.seconds : 0
  return `${e.video ? 'Video call' : 'Call'}, ${duration(seconds)}`
}
