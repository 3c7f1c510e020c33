// Who is reading which conversation at this moment: a thread page that is open and in view says so on the
// conversation's topic (`{ reading: true | false }`), and its socket leaving the topic ends it. The fan-out skips the
// notification (and with it the push and the email digest's line) of a member reading the conversation it is for.
// Kept in memory per process, like presence (decision 035): a socket is in one process.

export type Reading = ReturnType<typeof createReading>

export function createReading() {
  /** conversation → member → ids of their sockets whose page shows that conversation now. */
  const byConversation = new Map<number, Map<number, Set<string>>>()

  function set(conversationId: number, userId: number, socketId: string, reading: boolean): void {
    const members = byConversation.get(conversationId) ?? new Map<number, Set<string>>()
    const sockets = members.get(userId) ?? new Set<string>()
    if (reading) sockets.add(socketId)
    else sockets.delete(socketId)
    if (sockets.size) members.set(userId, sockets)
    else members.delete(userId)
    if (members.size) byConversation.set(conversationId, members)
    else byConversation.delete(conversationId)
  }

  return {
    /** A page said it is (or is no longer) in view. */
    set,
    /** A socket left the conversation's topic (closed, left, or removed): it reads no more. */
    left: (conversationId: number, userId: number, socketId: string) => set(conversationId, userId, socketId, false),
    /** Whether any page of the member shows the conversation now. */
    is: (conversationId: number, userId: number) => (byConversation.get(conversationId)?.get(userId)?.size ?? 0) > 0,
  }
}
