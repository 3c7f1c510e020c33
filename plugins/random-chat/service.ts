// Random chat's rules between the socket, the pages and the matchmaker: who may join, pairing, the call's
// lifetime (next, stop, leave, block, report, ban), signaling to the partner only, the text chat and its
// transcript (kept in memory for reports, never stored), mutual "Add", and what staff see.
import { randomUUID } from 'node:crypto'
import { fieldsOf, isAppError, type RealtimeConnection, type Viewer } from '../../core/plugins/api.js'
import { banInput, messageInput, profileInput, reportInput, type MessageInput, type ProfileInput, type StartInput } from './inputs.js'
import { Matchmaker, type Match, type Profile, type Seeker, type Wants } from './matchmaker.js'
import type { RandomChatContext } from './plugin.js'
import * as q from './queries.js'
import { peerToPeer, type SignalingTransport } from './signaling.js'
import type { SessionRow } from './tables.js'

/** How long after a call its transcript is kept (in memory) so either member can still report it, and Add it. */
export const AFTER_CALL_MS = 30 * 60_000
/** Lines of text chat kept per call (the newest). */
export const MAX_TRANSCRIPT = 500
/** Signals one member may send in one call (an offer, an answer and a few dozen candidates is normal). */
export const MAX_SIGNALS = 400
/** Searches one member may start in a minute (each loads blocks and a profile): far above any real use. */
export const MAX_STARTS_PER_MINUTE = 30
/** Chat: 8 messages in any 4 s window (a burst, then about one every 500 ms). */
const CHAT_PER_WINDOW = 8
const CHAT_WINDOW_SECONDS = 4

type Reason = 'next' | 'stop' | 'left' | 'reported' | 'blocked' | 'banned' | 'moderator' | 'suspended' | 'elsewhere'

/** What each side is told when a call ends: their own action, or what happened to the partner. */
function toldReason(reason: Reason, mine: boolean): string {
  if (reason === 'moderator' || (mine && (reason === 'banned' || reason === 'suspended' || reason === 'elsewhere'))) return reason
  if (mine) return `you-${reason === 'left' ? 'left' : reason}`
  return reason === 'next' ? 'partner-next' : reason === 'stop' ? 'partner-stopped' : 'partner-left'
}

interface Line {
  at: string
  from: number
  text: string
}

interface Side {
  userId: number
  username: string
  interests: string[]
  /** Whether this side's page was told of the match (a side whose partner vanished first is requeued quietly). */
  told: boolean
  signals: number
}

interface Call {
  id: string
  a: Side
  b: Side
  mode: 'video' | 'text'
  shared: string[]
  startedAt: string
  endedAt: string | null
  reason: Reason | null
  transcript: Line[]
  /** Messages sent in the call (the transcript keeps the last MAX_TRANSCRIPT). */
  messages: number
}

interface Member {
  conn: RealtimeConnection
  state: 'idle' | 'waiting' | 'paired'
  call: Call | null
  /** The last Start, so Next can search again with the same choices. */
  last: StartInput | null
  /** Bumped by every Start/Stop/Next so a slow Start (loading blocks, profile) that lost the race is dropped. */
  gen: number
}

/** An AppError (core's or ours) as the socket and the pages show it, or null for anything else (a bug). */
export function problemOf(err: unknown): { status: number; code: string; message: string; fields: Record<string, string> } | null {
  if (!isAppError(err)) return null
  return { status: err.status, code: err.code, message: err.message, fields: (err.details.fields as Record<string, string> | undefined) ?? {} }
}

export type RandomChatService = ReturnType<typeof randomChatService>
type Settings = Awaited<ReturnType<RandomChatContext['settings']['all']>>

export function randomChatService(ctx: RandomChatContext, transport: SignalingTransport = peerToPeer) {
  const { db } = ctx
  const members = new Map<number, Member>()
  const calls = new Map<string, Call>()
  /** Ended calls, for reports and Add, until AFTER_CALL_MS. */
  const ended = new Map<string, Call>()
  const matchmaker = new Matchmaker({ fallbackMs: 5000, cooldownMs: 30 * 60_000 })
  let timer: NodeJS.Timeout | null = null

  const iso = (ms = Date.now()) => new Date(ms).toISOString()
  const send = (userId: number, message: Record<string, unknown>) => members.get(userId)?.conn.send(message)
  const sideOf = (call: Call, userId: number) => (call.a.userId === userId ? call.a : call.b.userId === userId ? call.b : null)
  const partnerOf = (call: Call, userId: number) => (call.a.userId === userId ? call.b : call.a)

  /** A problem for a page (over the socket) or an API caller: the API's error envelope, with fields. */
  const problem = (status: 400 | 403 | 404 | 409 | 429, code: string, message: string, fields: Record<string, string> = {}) => ctx.http.error(status, code, message, { fields })
  function invalid(error: Parameters<typeof fieldsOf>[0]) {
    const fields = fieldsOf(error)
    return problem(400, 'VALIDATION_FAILED', Object.values(fields)[0] ?? 'That is not valid.', fields)
  }

  // ---- Who may join

  /** Why a member may not start now, or null. */
  async function refusal(userId: number, settings?: Settings): Promise<ReturnType<typeof problem> | null> {
    const s = settings ?? (await ctx.settings.all())
    const ban = await q.activeBan(db, userId)
    if (ban) return problem(403, 'FORBIDDEN', `You are banned from Meet until ${ban.until.slice(0, 16).replace('T', ' ')} UTC${ban.reason ? `: ${ban.reason}` : '.'}`)
    const user = await q.user(db, userId)
    if (!user || user.suspended_at) return problem(403, 'FORBIDDEN', 'Your account is suspended.')
    // The age rule keeps out throwaway accounts; staff are known people, and a new community's admin and moderators
    // (all of whose accounts are new) must be able to try Meet on its first day.
    const staff = user.role === 'admin' || user.role === 'moderator'
    const readyAt = Date.parse(user.created_at) + s.min_account_age_hours * 3600_000
    if (!staff && readyAt > Date.now()) {
      return problem(403, 'FORBIDDEN', `Meet opens to accounts ${s.min_account_age_hours} hours after they are made; yours can join at ${iso(readyAt).slice(0, 16).replace('T', ' ')} UTC.`)
    }
    if (s.daily_matches > 0 && (await q.callsSince(db, userId, iso(Date.now() - 24 * 3600_000))) >= s.daily_matches) {
      return problem(429, 'RATE_LIMITED', `You have met ${s.daily_matches} people in the last 24 hours, the most this community allows. Come back later.`)
    }
    return null
  }

  /** The filters a member asked for, less those the admin does not allow. */
  function allowedWants(filters: StartInput['filters'], s: Settings): Wants {
    const w: Wants = {}
    if (s.allow_filter_region && filters.region) w.region = filters.region
    if (s.allow_filter_language && filters.language) w.language = filters.language
    if (s.allow_filter_gender && filters.gender) w.gender = filters.gender
    if (s.allow_filter_age) {
      if (filters.age_min !== undefined) w.ageMin = filters.age_min
      if (filters.age_max !== undefined) w.ageMax = filters.age_max
    }
    return w
  }

  async function profileOf(userId: number): Promise<Profile> {
    const row = await q.profile(db, userId)
    const year = new Date().getUTCFullYear()
    return { region: row?.region ?? null, language: row?.language ?? null, gender: row?.gender ?? null, age: row?.birth_year ? year - row.birth_year : null }
  }

  function configure(s: Settings): void {
    matchmaker.configure({ fallbackMs: s.fallback_seconds * 1000, cooldownMs: s.cooldown_minutes * 60_000 })
  }

  // ---- The socket

  function open(conn: RealtimeConnection): void {
    const userId = conn.viewer.id
    const old = members.get(userId)
    if (old) {
      // One Meet page per member: the newest takes over; the old page is told why it stopped.
      leave(userId, 'elsewhere')
      old.conn.send({ type: 'replaced', message: 'Meet was opened in another tab or window.' })
      old.conn.close(4000, 'Meet was opened elsewhere.')
    }
    members.set(userId, { conn, state: 'idle', call: null, last: null, gen: 0 })
    conn.send({ type: 'hello', state: 'idle' })
  }

  function close(conn: RealtimeConnection): void {
    const m = members.get(conn.viewer.id)
    if (!m || m.conn.id !== conn.id) return
    leave(conn.viewer.id, 'left')
    members.delete(conn.viewer.id)
  }

  /** Take a member out of the queue and end their call. */
  function leave(userId: number, reason: Reason, by: number | null = userId): void {
    const m = members.get(userId)
    if (!m) return
    m.gen++
    matchmaker.remove(userId)
    if (m.call) endCall(m.call, reason, by)
    m.state = 'idle'
  }

  async function message(conn: RealtimeConnection, raw: unknown): Promise<void> {
    const m = members.get(conn.viewer.id)
    if (!m || m.conn.id !== conn.id) return
    const parsed = messageInput.safeParse(raw)
    try {
      if (!parsed.success) throw invalid(parsed.error)
      await handle(m, parsed.data)
    } catch (err) {
      const p = problemOf(err)
      if (p) return conn.send({ type: 'error', code: p.code, message: p.message, fields: p.fields })
      ctx.log.error({ err, userId: conn.viewer.id }, 'random chat message failed')
      conn.send({ type: 'error', code: 'INTERNAL', message: 'Something went wrong on the server; try again.' })
    }
  }

  async function handle(m: Member, msg: MessageInput): Promise<void> {
    const userId = m.conn.viewer.id
    switch (msg.type) {
      case 'ping':
        m.conn.send({ type: 'pong' })
        return
      case 'start':
        if (m.state === 'paired') throw problem(409, 'CONFLICT', 'You are in a call: press Next or Stop first.')
        return start(m, msg)
      case 'stop':
        leave(userId, 'stop')
        m.conn.send({ type: 'stopped' })
        return
      case 'next': {
        const s = await ctx.settings.all()
        // Limits belong to the member, not the socket: a reloaded page (a new socket) is still limited.
        if (m.state === 'paired') {
          ctx.core.limits.hit(`next:user:${userId}`, {
            limit: s.skips_per_minute,
            windowSeconds: 60,
            message: (wait) => `You pressed Next ${s.skips_per_minute} times in a minute. Wait ${wait} s, or press Stop.`,
          })
        }
        if (m.state === 'waiting') return
        if (m.call) endCall(m.call, 'next', userId)
        if (!m.last) throw problem(409, 'CONFLICT', 'Press Start first.')
        return start(m, m.last)
      }
      case 'signal': {
        const call = currentCall(m, msg.session)
        const side = sideOf(call, userId)!
        if (++side.signals > MAX_SIGNALS) throw problem(429, 'RATE_LIMITED', 'Too many signals in one call.')
        const data = ctx.core.rtc.checkSignal(msg.data)
        if (typeof data === 'string') throw problem(400, 'VALIDATION_FAILED', data)
        const to = members.get(partnerOf(call, userId).userId)
        if (to) transport.relay(to.conn, call.id, data)
        return
      }
      case 'chat': {
        const call = currentCall(m, msg.session)
        const now = Date.now()
        ctx.core.limits.hit(`chat:user:${userId}`, { limit: CHAT_PER_WINDOW, windowSeconds: CHAT_WINDOW_SECONDS, message: () => 'You are sending messages too fast.' })
        const line: Line = { at: iso(now), from: userId, text: msg.text }
        // The newest lines matter most to a report: past the cap, the oldest go.
        call.transcript.push(line)
        if (call.transcript.length > MAX_TRANSCRIPT) call.transcript.shift()
        call.messages++
        const partner = partnerOf(call, userId).userId
        m.conn.send({ type: 'chat', session: call.id, from: 'you', text: line.text, at: line.at })
        send(partner, { type: 'chat', session: call.id, from: 'partner', text: line.text, at: line.at })
        return
      }
    }
  }

  /** The member's call, if `session` is it; a member may signal and chat only with their current partner. */
  function currentCall(m: Member, session: string): Call {
    if (!m.call || m.state !== 'paired' || m.call.id !== session) throw problem(403, 'NOT_PARTNER', 'You can only reach your current partner.')
    return m.call
  }

  async function start(m: Member, input: StartInput): Promise<void> {
    const userId = m.conn.viewer.id
    ctx.core.limits.hit(`start:user:${userId}`, { limit: MAX_STARTS_PER_MINUTE, windowSeconds: 60, message: () => 'You started too many searches in a minute; wait a little.' })
    const gen = ++m.gen
    const s = await ctx.settings.all()
    const refused = await refusal(userId, s)
    if (refused) {
      m.state = 'idle'
      matchmaker.remove(userId)
      throw refused
    }
    configure(s)
    const wants = allowedWants(input.filters, s)
    const [profile, blocked] = await Promise.all([profileOf(userId), ctx.core.social.blockedIds(userId)])
    // A Stop, Next, another Start or a disconnect while this one loaded wins.
    if (m.gen !== gen || members.get(userId) !== m) return
    m.last = input
    const seeker: Seeker = { userId, mode: input.mode, acceptsText: input.mode === 'video' && input.accept_text, interests: input.interests, profile, wants, blocked: new Set(blocked) }
    m.state = 'waiting'
    const match = matchmaker.enqueue(seeker)
    if (match) await begin(match)
    else {
      m.conn.send({ type: 'waiting', interests: input.interests })
      ensureTimer()
    }
  }

  function ensureTimer(): void {
    if (timer) return
    timer = setInterval(() => void tick(), 1000)
    timer.unref()
  }

  async function tick(): Promise<void> {
    try {
      for (const match of matchmaker.tick()) await begin(match)
    } catch (err) {
      ctx.log.error({ err }, 'random chat tick failed')
    }
    const now = Date.now()
    for (const [id, call] of ended) if (Date.parse(call.endedAt!) < now - AFTER_CALL_MS) ended.delete(id)
    if (matchmaker.size === 0 && ended.size === 0 && timer) {
      clearInterval(timer)
      timer = null
    }
  }

  /** Two members were matched: open the call, then tell each page who to call. */
  async function begin(match: Match): Promise<void> {
    const now = Date.now()
    const call: Call = {
      id: randomUUID(),
      a: { userId: match.a.userId, username: members.get(match.a.userId)?.conn.viewer.username ?? '', interests: match.a.interests, told: false, signals: 0 },
      b: { userId: match.b.userId, username: members.get(match.b.userId)?.conn.viewer.username ?? '', interests: match.b.interests, told: false, signals: 0 },
      mode: match.mode,
      shared: match.shared,
      startedAt: iso(now),
      endedAt: null,
      reason: null,
      transcript: [],
      messages: 0,
    }
    for (const side of [call.a, call.b]) {
      const m = members.get(side.userId)
      if (m) {
        m.state = 'paired'
        m.call = call
      }
    }
    calls.set(call.id, call)
    matchmaker.coolDown(call.a.userId, call.b.userId)
    await q.insertCall(db, { id: call.id, a_id: call.a.userId, b_id: call.b.userId, mode: call.mode, a_interests: JSON.stringify(call.a.interests), b_interests: JSON.stringify(call.b.interests), shared: JSON.stringify(call.shared), started_at: call.startedAt })
    if (!members.has(call.a.userId) || !members.has(call.b.userId)) return endCall(call, 'left', null)
    const [cardA, cardB] = await Promise.all([card(call.a.userId, call.b.userId), card(call.b.userId, call.a.userId)])
    if (!calls.has(call.id)) return // one of them left while the cards loaded; endCall told or requeued the other
    const [iceA, iceB] = await Promise.all([ctx.core.rtc.iceServers(call.a.userId), ctx.core.rtc.iceServers(call.b.userId)])
    const ice = (userId: number) => (userId === call.a.userId ? iceA : iceB)
    for (const [side, partnerCard, role] of [
      [call.a, cardB, 'offer'],
      [call.b, cardA, 'answer'],
    ] as const) {
      side.told = true
      send(side.userId, { type: 'matched', session: call.id, role, mode: call.mode, shared: call.shared, partner: partnerCard, iceServers: ice(side.userId) })
    }
  }

  /** How `userId` appears to `viewerId`: "Stranger", unless their Meet settings show who they are. */
  async function card(userId: number, viewerId: number): Promise<{ name: string; avatar_url: string | null }> {
    const row = await q.profile(db, userId)
    if (!row?.show_identity) return { name: 'Stranger', avatar_url: null }
    const p = await ctx.core.social.profile(viewerId, userId).catch(() => null)
    return { name: p?.display_name ?? 'Stranger', avatar_url: p?.avatar_url ?? null }
  }

  /** End a call: both pages are told (a side never told of it is quietly searched for again). */
  function endCall(call: Call, reason: Reason, by: number | null): void {
    if (!calls.delete(call.id)) return
    call.endedAt = iso()
    call.reason = reason
    ended.set(call.id, call)
    ensureTimer()
    void q.endCall(db, call.id, { ended_at: call.endedAt, end_reason: reason, ended_by: by, messages: call.messages }).catch((err) => ctx.log.error({ err }, 'could not record the end of a random chat'))
    for (const side of [call.a, call.b]) {
      const m = members.get(side.userId)
      if (!m || m.call !== call) continue
      m.call = null
      m.state = 'idle'
      if (!side.told && side.userId !== by && m.last && reason === 'left') {
        void start(m, m.last).catch((err) => {
          const p = problemOf(err)
          m.conn.send({ type: 'error', code: p?.code ?? 'INTERNAL', message: p?.message ?? 'Something went wrong on the server; press Start again.' })
        })
        continue
      }
      m.conn.send({ type: 'ended', session: call.id, reason: toldReason(reason, side.userId === by) })
    }
  }

  // ---- After a call (and during it): report, block, add

  /** A call the member took part in: live, recently ended (with its transcript), or from the database. */
  async function callOf(userId: number, session: string): Promise<{ call: Call | null; row: SessionRow }> {
    const row = /^[0-9a-f-]{36}$/.test(session) ? await q.call(db, session) : undefined
    if (!row || (row.a_id !== userId && row.b_id !== userId)) throw problem(404, 'NOT_FOUND', 'You had no such chat.')
    return { call: calls.get(session) ?? ended.get(session) ?? null, row }
  }

  async function report(viewer: Viewer, session: string, input: unknown): Promise<{ id: number }> {
    const parsed = reportInput.safeParse(input)
    if (!parsed.success) throw invalid(parsed.error)
    const { call, row } = await callOf(viewer.id, session)
    // The reporter should not have to stay in the call while filing: it ends first.
    if (call && calls.has(call.id)) endCall(call, 'reported', viewer.id)
    const partnerId = row.a_id === viewer.id ? row.b_id : row.a_id
    const [me, them] = await Promise.all([q.user(db, viewer.id), q.user(db, partnerId)])
    const name = (id: number) => (id === viewer.id ? me?.username : them?.username) ?? `#${id}`
    const transcript = call ? call.transcript.map((l) => ({ at: l.at, from: name(l.from), text: l.text })) : null
    const snapshot = {
      session: row.id,
      mode: row.mode,
      started_at: row.started_at,
      ended_at: row.ended_at ?? call?.endedAt ?? null,
      reporter: { id: viewer.id, username: name(viewer.id), interests: JSON.parse(row.a_id === viewer.id ? row.a_interests : row.b_interests) },
      reported: { id: partnerId, username: name(partnerId), interests: JSON.parse(row.a_id === partnerId ? row.a_interests : row.b_interests) },
      shared_interests: JSON.parse(row.shared),
      transcript: transcript ?? [],
      transcript_note: call
        ? `${call.messages > call.transcript.length ? `The last ${call.transcript.length} of ${call.messages}` : call.messages} message(s) of text chat; video is peer to peer and never passes the server.`
        : 'The transcript was no longer in memory (the server restarted, or the chat ended over 30 minutes ago).',
    }
    return ctx.core.reports.file({ reporterId: viewer.id, targetType: 'random-chat.session', targetId: row.id, targetUserId: partnerId, reason: parsed.data.reason, note: parsed.data.note, snapshot })
  }

  async function block(viewer: Viewer, session: string): Promise<void> {
    const { row } = await callOf(viewer.id, session)
    // Core's block emits action:user.blocked, which ends the call and tells the matchmaker (see blocked()).
    await ctx.core.social.block(viewer.id, row.a_id === viewer.id ? row.b_id : row.a_id)
  }

  /** Core saw a block (from here or anywhere): never pair the two again, and end a call between them. */
  function blocked(blockerId: number, blockedId: number): void {
    matchmaker.blocked(blockerId, blockedId)
    const call = members.get(blockerId)?.call
    if (call && partnerOf(call, blockerId).userId === blockedId) endCall(call, 'blocked', blockerId)
  }

  /** Press "Add": when both did, they follow each other (or ask to, for a private account) and learn who the other is. */
  async function add(viewer: Viewer, session: string): Promise<{ status: 'waiting' | 'connected'; partner: ReturnType<typeof who> | null }> {
    const { row } = await callOf(viewer.id, session)
    const endedAt = row.ended_at ?? ended.get(row.id)?.endedAt ?? null
    if (endedAt && Date.parse(endedAt) < Date.now() - AFTER_CALL_MS) throw problem(409, 'CONFLICT', 'That chat ended over 30 minutes ago; it is too late to add each other.')
    const partnerId = row.a_id === viewer.id ? row.b_id : row.a_id
    if (await ctx.core.social.blockedEitherWay(viewer.id, partnerId)) throw problem(409, 'CONFLICT', 'You cannot add this person.')
    const first = await q.addPress(db, row.id, viewer.id)
    if (!(await q.pressed(db, row.id, partnerId))) {
      if (first) send(partnerId, { type: 'partner-added', session: row.id })
      return { status: 'waiting', partner: null }
    }
    const [me, them] = await Promise.all([ctx.core.users.find(viewer.id), ctx.core.users.find(partnerId)])
    if (!me || !them) throw problem(404, 'NOT_FOUND', 'That member is gone.')
    // Each follows the other: at once, or as a request to a private account; null when core refused (a limit).
    const follow = async (a: number, b: number) =>
      ctx.core.social.follow(a, b).catch((err) => {
        ctx.log.warn({ err, a, b }, 'random chat add: follow failed')
        return null
      })
    if (first) {
      const [mine, theirs] = [await follow(me.id, them.id), await follow(them.id, me.id)]
      for (const [to, from] of [
        [me, them],
        [them, me],
      ] as const) {
        await ctx.core.notifications.notify({ userId: to.id, type: 'connected', actorId: from.id, data: { session: row.id } }).catch((err) => ctx.log.warn({ err }, 'random chat add: notification failed'))
      }
      send(partnerId, { type: 'added', session: row.id, partner: who(me, theirs) })
      return { status: 'connected', partner: who(them, mine) }
    }
    // A second press after they connected: how things stand now.
    return { status: 'connected', partner: who(them, (await ctx.core.social.isFollowing(me.id, them.id)) ? 'following' : null) }
  }
  /** The partner revealed, with how the member now stands to them (`follow` null: not following, e.g. over a limit). */
  const who = (u: { username: string; display_name: string }, follow: 'following' | 'requested' | null) => ({ username: u.username, display_name: u.display_name, url: `/u/${u.username}`, follow })

  // ---- Staff

  async function ban(actor: Viewer, input: unknown): Promise<{ userId: number; until: string }> {
    const parsed = banInput.safeParse(input)
    if (!parsed.success) throw invalid(parsed.error)
    const user = await ctx.core.users.find(parsed.data.username)
    if (!user) throw problem(404, 'NOT_FOUND', `There is no member @${parsed.data.username}.`, { username: 'There is no such member.' })
    if (user.id === actor.id) throw problem(409, 'CONFLICT', 'You cannot ban yourself.', { username: 'You cannot ban yourself.' })
    const until = iso(Date.now() + parsed.data.hours * 3600_000)
    await q.setBan(db, { user_id: user.id, until, reason: parsed.data.reason, banned_by: actor.id })
    ctx.log.info({ userId: user.id, until, by: actor.id }, 'banned from random chat')
    const m = members.get(user.id)
    if (m) {
      // `by` is the banned member, so their page hears "banned" and the partner "partner-left".
      leave(user.id, 'banned', user.id)
      m.conn.send({ type: 'banned', message: `You are banned from Meet until ${until.slice(0, 16).replace('T', ' ')} UTC${parsed.data.reason ? `: ${parsed.data.reason}` : '.'}` })
    }
    return { userId: user.id, until }
  }

  async function unban(target: string | number): Promise<void> {
    const user = await ctx.core.users.find(target)
    if (!user) throw problem(404, 'NOT_FOUND', 'There is no such member.')
    await q.liftBan(db, user.id)
  }

  /** End a call as a moderator; both are told a moderator ended it. */
  function endByStaff(session: string): boolean {
    const call = calls.get(session)
    if (!call) return false
    endCall(call, 'moderator', null)
    return true
  }

  /** Everything the live page shows. */
  async function live() {
    const now = Date.now()
    const waiting = matchmaker.list()
    const names = await q.usernames(db, [...waiting.map((w) => w.userId), ...[...calls.values()].flatMap((c) => [c.a.userId, c.b.userId])])
    return {
      waiting: waiting.map((w) => ({ username: names.get(w.userId) ?? `#${w.userId}`, mode: w.mode, interests: w.interests, waiting_seconds: Math.round((now - w.since) / 1000) })),
      calls: [...calls.values()].map((c) => ({ id: c.id, a: names.get(c.a.userId) ?? c.a.username, b: names.get(c.b.userId) ?? c.b.username, mode: c.mode, shared: c.shared, started_at: c.startedAt, messages: c.messages })),
      matches_last_minute: await q.callsStartedSince(db, iso(now - 60_000)),
      matches_last_hour: await q.callsStartedSince(db, iso(now - 3600_000)),
      reports_last_hour: await q.reportsSince(db, iso(now - 3600_000)),
      online: members.size,
      bans: await q.bans(db, iso(now)),
      ice_problems: await ctx.core.rtc.problems(),
      transport: transport.name,
    }
  }

  // ---- The member's own page

  async function saveProfile(userId: number, input: unknown): Promise<ProfileInput> {
    const parsed = profileInput.safeParse(input)
    if (!parsed.success) throw invalid(parsed.error)
    await q.saveProfile(db, userId, parsed.data)
    return parsed.data
  }

  /** A member's calls of the last 30 minutes, newest first, with what they may still do about each. */
  async function recent(userId: number) {
    const rows = await q.recentCalls(db, userId, iso(Date.now() - AFTER_CALL_MS))
    const pressed = await q.pressedBy(db, userId, rows.map((r) => r.id))
    return rows.map((r) => ({ id: r.id, mode: r.mode, started_at: r.started_at, ended_at: r.ended_at, live: calls.has(r.id), added: pressed.has(r.id), shared: JSON.parse(r.shared) as string[] }))
  }

  return {
    matchmaker,
    channel: { open, close, message },
    refusal,
    report,
    block,
    blocked,
    add,
    ban,
    unban,
    endByStaff,
    live,
    recent,
    saveProfile,
    profile: (userId: number) => q.profile(db, userId),
    /** Someone was suspended: out of the queue, and their call ends. */
    suspended(userId: number) {
      if (members.has(userId)) leave(userId, 'suspended', userId)
    },
    /** Stop the timer, record live calls as ended, close every Meet socket and forget everyone (Hearth closes). */
    async shutdown() {
      if (timer) clearInterval(timer)
      timer = null
      const endedAt = iso()
      for (const call of calls.values()) {
        await q.endCall(db, call.id, { ended_at: endedAt, end_reason: 'left', ended_by: null, messages: call.messages }).catch((err) => ctx.log.error({ err }, 'could not record the end of a random chat'))
      }
      for (const m of members.values()) m.conn.close(1001, 'Meet is closing.')
      members.clear()
      calls.clear()
      ended.clear()
    },
  }
}
