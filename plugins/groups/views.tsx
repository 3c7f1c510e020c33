// The groups pages' pieces: discovery, a group's page (about, feed), members, management, invites, the profile tab.
// Every action is a plain form (POST, _csrf, a 303 back), so it all works without JavaScript.
import type { ComponentChildren, VNode } from 'preact'
import { ActionForm, CsrfField, Notice, PostCard, shortTime as when, type MediaInfo, type PostView } from '../../core/plugins/api.js'
import { DESCRIPTION_MAX, NAME_MAX, PRIVACY_LABELS } from './inputs.js'
import type { GroupRow, MemberRow, PersonRow } from './queries.js'
import { RANK, type MembershipState, type Standing } from './service.js'
import { PRIVACIES, type Invite, type Privacy, type Role } from './tables.js'

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`
const PRIVACY_BADGE: Record<Privacy, string> = { public: 'public', private: 'private', hidden: 'hidden' }

/** Messages shown after a redirect (`?notice=KEY`): fixed texts, so nothing from the URL reaches the page. */
export const NOTICES = {
  created: 'Your group is ready. Invite people or share its link.',
  joined: 'You joined the group.',
  requested: 'Your request to join was sent. An admin of the group will answer it.',
  left: 'You left the group.',
  withdrawn: 'Your request is withdrawn.',
  posted: 'Posted in the group.',
  'post-removed': 'The post is removed.',
  'post-reported': 'Hearth does not yet let group moderators delete others’ posts, so the post went to the site’s moderators to delete.',
  saved: 'The group is saved.',
  approved: 'Request approved: they are a member now.',
  rejected: 'Request rejected.',
  role: 'Role changed.',
  removed: 'Removed from the group.',
  banned: 'Banned from the group.',
  unbanned: 'Ban lifted.',
  invite: 'A new invite link is ready below.',
  revoked: 'Invite link revoked.',
  transferred: 'The group has a new owner; you are an admin now.',
  deleted: 'The group and its posts are deleted.',
} as const
export type NoticeKey = keyof typeof NOTICES

/** This plugin's confirmations, by the `?notice=` key its routes send back. */
export const GroupsNotice = ({ notice }: { notice?: string }) => <Notice notices={NOTICES} notice={notice} />

/** A one-button form (core's ActionForm); `name` labels it for screen readers. */
export const Act = ({ name, ...props }: Omit<Parameters<typeof ActionForm>[0], 'title'> & { name?: string }) => <ActionForm {...props} title={name} />

function Err({ id, message }: { id: string; message?: string }) {
  return message ? (
    <p class="error" id={`${id}-error`}>
      {message}
    </p>
  ) : null
}

export type FormState = { values?: Record<string, string>; fields?: Record<string, string>; message?: string }

/** The name, description and privacy fields: the create form and the edit form. */
function GroupFields({ state, privacyChoice = true }: { state?: FormState; privacyChoice?: boolean }) {
  const v = state?.values ?? {}
  const f = state?.fields ?? {}
  return (
    <>
      <div class={f.name ? 'field field-invalid' : 'field'}>
        <label for="g-name">Name</label>
        <input id="g-name" name="name" required maxLength={NAME_MAX} value={v.name ?? ''} aria-invalid={f.name ? 'true' : undefined} aria-describedby={f.name ? 'g-name-error' : undefined} />
        <Err id="g-name" message={f.name} />
      </div>
      <div class={f.description ? 'field field-invalid' : 'field'}>
        <label for="g-description">What is it about? (optional)</label>
        <textarea id="g-description" name="description" maxLength={DESCRIPTION_MAX} aria-describedby={f.description ? 'g-description-error' : undefined}>
          {v.description ?? ''}
        </textarea>
        <Err id="g-description" message={f.description} />
      </div>
      {privacyChoice && (
        <fieldset class={f.privacy ? 'field field-invalid' : 'field'}>
          <legend>Who can find and read it</legend>
          {PRIVACIES.map((p) => (
            <label class="stack">
              <input type="radio" name="privacy" value={p} checked={(v.privacy ?? 'public') === p} /> {PRIVACY_LABELS[p]}
            </label>
          ))}
          <Err id="g-privacy" message={f.privacy} />
        </fieldset>
      )}
    </>
  )
}

export function GroupItem({ g, role }: { g: GroupRow; role?: Role }) {
  return (
    <li class="group-item" data-group={g.id}>
      <a href={`/groups/${g.id}`} class="post-author">
        {g.name}
      </a>{' '}
      <span class="badge">{PRIVACY_BADGE[g.privacy]}</span>
      {role && role !== 'member' && <span class="badge">{role}</span>}
      <span class="muted"> · {plural(g.members_count, 'member')}</span>
      {g.description && <p class="muted">{g.description.length > 200 ? `${g.description.slice(0, 200)}…` : g.description}</p>}
    </li>
  )
}

export function DiscoveryPage(props: {
  q: string
  results: GroupRow[]
  next: string | null
  mine: (GroupRow & { role: Role })[] | null
  csrf: string
  create?: FormState
  notice?: string
}) {
  return (
    <>
      <section class="card">
        <h1>Groups</h1>
        <GroupsNotice notice={props.notice} />
        <form method="get" action="/groups" role="search" class="actions groups-search">
          <label for="g-q" class="groups-sr">
            Search groups
          </label>
          <input id="g-q" type="search" name="q" value={props.q} maxLength={100} placeholder="Search groups by name or description" />
          <button type="submit">Search</button>
        </form>
      </section>
      {props.mine && props.mine.length > 0 && !props.q && (
        <section class="card" data-my-groups>
          <h2>Your groups</h2>
          <ul class="stack">
            {props.mine.map((g) => (
              <GroupItem g={g} role={g.role} />
            ))}
          </ul>
        </section>
      )}
      <section class="card" data-group-results>
        <h2>{props.q ? `Groups matching “${props.q}”` : 'Find a group'}</h2>
        {props.results.length ? (
          <ul class="stack">
            {props.results.map((g) => (
              <GroupItem g={g} />
            ))}
          </ul>
        ) : (
          <p class="muted">{props.q ? 'No groups match that.' : 'No groups yet. Start one!'}</p>
        )}
        {props.next && (
          <p>
            <a href={`/groups?${new URLSearchParams({ ...(props.q ? { q: props.q } : {}), cursor: props.next })}`}>More groups</a>
          </p>
        )}
      </section>
      {props.mine ? (
        <section class="card" id="new-group">
          <h2>Start a group</h2>
          {props.create?.message && (
            <p class="alert alert-error" role="alert">
              {props.create.message}
            </p>
          )}
          <form method="post" action="/groups" novalidate>
            <CsrfField token={props.csrf} />
            <GroupFields state={props.create} />
            <button type="submit">Create group</button>
          </form>
        </section>
      ) : (
        <p class="card">
          <a href="/login?next=/groups">Log in</a> to join or start a group.
        </p>
      )}
    </>
  )
}

/** The buttons a viewer has on a group: join, ask to join, leave, withdraw; or why not. */
function MembershipActions({ s, state, csrf }: { s: Standing; state: MembershipState; csrf: string }) {
  const id = s.group.id
  if (!s.viewer) {
    return (
      <p>
        <a href={`/login?next=/groups/${id}`}>Log in</a> to join.
      </p>
    )
  }
  if (state === 'banned') return <p class="alert alert-error">You are banned from this group.</p>
  if (state === 'requested') {
    return (
      <div class="actions">
        <span class="muted">You asked to join; an admin will answer.</span> <Act action={`/groups/${id}/leave`} csrf={csrf} label="Withdraw request" />
      </div>
    )
  }
  if (state === 'member') {
    return (
      <div class="actions">
        <span class="badge" data-role={s.role}>
          {s.role}
        </span>{' '}
        {s.role !== 'owner' && <Act action={`/groups/${id}/leave`} csrf={csrf} label="Leave group" />}
      </div>
    )
  }
  if (s.group.privacy === 'hidden') return null
  return <div class="actions">{s.group.privacy === 'public' ? <Act action={`/groups/${id}/join`} csrf={csrf} label="Join group" /> : <Act action={`/groups/${id}/join`} csrf={csrf} label="Ask to join" />}</div>
}

export function GroupHeader({ s, state, csrf, pending, current }: { s: Standing; state: MembershipState; csrf: string; pending?: number; current: 'feed' | 'members' | 'manage' }) {
  const g = s.group
  const manager = s.role === 'owner' || s.role === 'admin' || s.viewer?.role === 'admin'
  return (
    <>
      <section class="card" data-group-about={g.id}>
        <h1>{g.name}</h1>
        <p class="muted">
          <span class="badge" data-privacy={g.privacy}>
            {PRIVACY_BADGE[g.privacy]}
          </span>{' '}
          {plural(g.members_count, 'member')}
          {g.owner_username && (
            <>
              {' '}
              · owner <a href={`/u/${g.owner_username}`}>@{g.owner_username}</a>
            </>
          )}{' '}
          · since {g.created_at.slice(0, 10)}
        </p>
        {g.description && <p class="group-description">{g.description}</p>}
        <p class="muted">{PRIVACY_LABELS[g.privacy]}.</p>
        <MembershipActions s={s} state={state} csrf={csrf} />
      </section>
      <nav class="tabs" aria-label="Group sections">
        <a href={`/groups/${g.id}`} aria-current={current === 'feed' ? 'page' : undefined}>
          Posts
        </a>
        <a href={`/groups/${g.id}/members`} aria-current={current === 'members' ? 'page' : undefined}>
          Members
        </a>
        {manager && (
          <a href={`/groups/${g.id}/manage`} aria-current={current === 'manage' ? 'page' : undefined} data-manage>
            Manage{pending ? ` (${pending} waiting)` : ''}
          </a>
        )}
      </nav>
    </>
  )
}

/**
 * A post in the group's feed: core's own card (carousel, alt text, likes, share, comments preview), whose forms come
 * back to the group without JavaScript, with "Remove" for the group's moderators and the author.
 */
export function GroupPost({ post, groupId, csrf, member, canRemove }: { post: PostView; groupId: number; csrf: string; member: boolean; canRemove: boolean }) {
  const remove = canRemove ? [<Act action={`/groups/${groupId}/posts/${post.id}/remove`} csrf={csrf} label="Remove" class="link" name={`Remove post ${post.id}`} />] : undefined
  return <PostCard post={post} csrfToken={csrf} member={member} next={`/groups/${groupId}#post-${post.id}`} actions={remove} />
}

export function Composer({ groupId, csrf, problem, text, guidelines }: { groupId: number; csrf: string; problem?: string; text?: string; guidelines?: VNode | null }) {
  return (
    <section class="card">
      {guidelines}
      {problem && (
        <p class="alert alert-error" role="alert">
          {problem}
        </p>
      )}
      {/* data-compose and friends: core's /static/compose.js uploads files at once and sends their ids. */}
      <form method="post" action={`/groups/${groupId}/posts`} enctype="multipart/form-data" data-compose novalidate>
        <CsrfField token={csrf} />
        <div class="field">
          <label for="g-text">
            Write to the group <span class="counter muted" data-counter></span>
          </label>
          <textarea id="g-text" name="text" maxLength={5000}>
            {text ?? ''}
          </textarea>
        </div>
        <div class="field">
          <label for="g-files">Photos and videos (optional)</label>
          <input id="g-files" type="file" name="files" multiple accept="image/*,video/*" data-files />
          <div class="previews" data-previews aria-live="polite"></div>
        </div>
        <button type="submit">Post to group</button>
      </form>
      <script src="/static/compose.js" defer></script>
    </section>
  )
}

export function Feed(props: { s: Standing; posts: PostView[]; next: string | null; csrf: string; problem?: string; text?: string; guidelines?: VNode | null }) {
  const { s } = props
  if (!s.canRead) {
    return <p class="card muted">{s.group.privacy === 'private' ? 'This group is private: only its members see its posts.' : 'Only members see this group’s posts.'}</p>
  }
  const mod = s.role !== null && RANK[s.role] >= RANK.moderator
  const staff = s.viewer?.role === 'admin' || s.viewer?.role === 'moderator'
  return (
    <div data-group-feed>
      {s.role && <Composer groupId={s.group.id} csrf={props.csrf} problem={props.problem} text={props.text} guidelines={props.guidelines} />}
      {props.posts.length ? (
        props.posts.map((p) => <GroupPost post={p} groupId={s.group.id} csrf={props.csrf} member={!!s.viewer} canRemove={mod || staff || p.author.id === s.viewer?.id} />)
      ) : (
        <p class="card muted">No posts yet.</p>
      )}
      {props.next && (
        <p class="more">
          <a href={`/groups/${s.group.id}?cursor=${encodeURIComponent(props.next)}`}>Older posts</a>
        </p>
      )}
    </div>
  )
}

export function MembersList({ s, members, csrf }: { s: Standing; members: MemberRow[]; csrf: string }) {
  const id = s.group.id
  const mine = s.role ? RANK[s.role] : 0
  const manages = mine >= RANK.admin
  return (
    <section class="card" data-members>
      <h2>{plural(members.length, 'member')}</h2>
      <ul class="stack">
        {members.map((m) => {
          const actOn = manages && m.user_id !== s.viewer?.id && RANK[m.role] < mine
          return (
            <li class="groups-person" data-member={m.username}>
              <a href={`/u/${m.username}`}>{m.display_name}</a> <span class="muted">@{m.username}</span> {m.role !== 'member' && <span class="badge">{m.role}</span>}
              {actOn && (
                <div class="actions">
                  <form method="post" action={`/groups/${id}/members/${m.user_id}/role`} class="inline-form">
                    <CsrfField token={csrf} />
                    <label for={`role-${m.user_id}`} class="groups-sr">
                      Role of {m.username}
                    </label>
                    <select id={`role-${m.user_id}`} name="role">
                      {(['member', 'moderator', 'admin'] as const).map((r) => (
                        <option value={r} selected={m.role === r}>
                          {r}
                        </option>
                      ))}
                    </select>
                    <button type="submit">Set role</button>
                  </form>
                  <Act action={`/groups/${id}/members/${m.user_id}/remove`} csrf={csrf} label="Remove" name={`Remove ${m.username}`} />
                  <Act action={`/groups/${id}/members/${m.user_id}/ban`} csrf={csrf} label="Ban" name={`Ban ${m.username}`} />
                </div>
              )}
            </li>
          )
        })}
      </ul>
    </section>
  )
}

function Section({ title, children, data }: { title: string; children: ComponentChildren; data?: string }) {
  return (
    <section class="card" data-section={data}>
      <h2>{title}</h2>
      {children}
    </section>
  )
}

export function ManagePanel(props: {
  s: Standing
  csrf: string
  requests: PersonRow[]
  invites: Invite[]
  bans: PersonRow[]
  origin: string
  edit?: FormState
  problem?: string
}) {
  const { s, csrf } = props
  const id = s.group.id
  const g = s.group
  const admin = s.role === 'owner' || s.role === 'admin'
  return (
    <>
      {props.problem && (
        <p class="alert alert-error" role="alert">
          {props.problem}
        </p>
      )}
      {admin && (
        <>
          <Section title={`Requests to join (${props.requests.length})`} data="requests">
            {props.requests.length ? (
              <ul class="stack">
                {props.requests.map((r) => (
                  <li class="groups-person" data-request={r.username}>
                    <a href={`/u/${r.username}`}>{r.display_name}</a> <span class="muted">@{r.username} · asked {when(r.created_at)}</span>
                    <div class="actions">
                      <Act action={`/groups/${id}/requests/${r.user_id}/approve`} csrf={csrf} label="Approve" name={`Approve ${r.username}`} />
                      <Act action={`/groups/${id}/requests/${r.user_id}/reject`} csrf={csrf} label="Reject" name={`Reject ${r.username}`} />
                    </div>
                  </li>
                ))}
              </ul>
            ) : (
              <p class="muted">No one is waiting.</p>
            )}
          </Section>
          <Section title="Invite links" data="invites">
            <p class="muted">Anyone with a link joins the group, whatever its privacy, until the link expires or is used up. Banned members cannot use one.</p>
            {props.invites.length > 0 && (
              <ul class="stack">
                {props.invites.map((i) => (
                  <li data-invite={i.id}>
                    <input readOnly value={`${props.origin}/groups/invite/${i.token}`} aria-label="Invite link" class="invite-link" />{' '}
                    <span class="muted">
                      until {when(i.expires_at)} · used {i.uses}
                      {i.max_uses ? ` of ${i.max_uses}` : ''}
                    </span>{' '}
                    <Act action={`/groups/${id}/invites/${i.id}/revoke`} csrf={csrf} label="Revoke" />
                  </li>
                ))}
              </ul>
            )}
            <form method="post" action={`/groups/${id}/invites`} class="actions">
              <CsrfField token={csrf} />
              <label>
                Lasts <input type="number" name="expires_in_days" min={1} max={30} value="7" /> days
              </label>
              <label>
                Uses (empty for any) <input type="number" name="max_uses" min={1} max={1000} />
              </label>
              <button type="submit">Make an invite link</button>
            </form>
          </Section>
          <Section title="Banned" data="bans">
            {props.bans.length ? (
              <ul class="stack">
                {props.bans.map((b) => (
                  <li class="groups-person">
                    <a href={`/u/${b.username}`}>@{b.username}</a> <Act action={`/groups/${id}/bans/${b.user_id}/unban`} csrf={csrf} label="Lift ban" name={`Lift the ban on ${b.username}`} />
                  </li>
                ))}
              </ul>
            ) : (
              <p class="muted">Nobody is banned.</p>
            )}
            <form method="post" action={`/groups/${id}/bans`} class="actions">
              <CsrfField token={csrf} />
              <label for="g-ban">Ban someone by username</label>
              <input id="g-ban" name="user" maxLength={40} />
              <button type="submit">Ban</button>
            </form>
          </Section>
          <Section title="About the group" data="edit">
            <form method="post" action={`/groups/${id}/edit`} novalidate>
              <CsrfField token={csrf} />
              <GroupFields state={props.edit ?? { values: { name: g.name, description: g.description, privacy: g.privacy } }} />
              <button type="submit">Save</button>
            </form>
          </Section>
        </>
      )}
      {s.role === 'owner' && (
        <Section title="Transfer ownership" data="transfer">
          <p class="muted">The new owner must be a member. You stay on as an admin.</p>
          <form method="post" action={`/groups/${id}/transfer`} class="actions">
            <CsrfField token={csrf} />
            <label for="g-transfer">New owner’s username</label>
            <input id="g-transfer" name="user" maxLength={40} required />
            <button type="submit">Transfer</button>
          </form>
        </Section>
      )}
      {(s.role === 'owner' || s.viewer?.role === 'admin') && (
        <Section title="Delete the group" data="delete">
          <p class="muted">This deletes the group, its members list and every post in it, with their photos and videos. It cannot be undone.</p>
          <form method="post" action={`/groups/${id}/delete`} class="actions">
            <CsrfField token={csrf} />
            <label>
              <input type="checkbox" name="confirm" value="yes" required /> I want to delete “{g.name}”
            </label>
            <button type="submit">Delete group</button>
          </form>
        </Section>
      )}
    </>
  )
}

export function InvitePage({ group, csrf, member, loggedIn, token }: { group: GroupRow; csrf: string; member: boolean; loggedIn: boolean; token: string }) {
  return (
    <section class="card" data-invite-page>
      <h1>Join “{group.name}”</h1>
      <p class="muted">
        <span class="badge">{PRIVACY_BADGE[group.privacy]}</span> {plural(group.members_count, 'member')}
      </p>
      {group.description && <p>{group.description}</p>}
      {member ? (
        <p>
          You are a member already. <a href={`/groups/${group.id}`}>Open the group</a>
        </p>
      ) : loggedIn ? (
        <Act action={`/groups/invite/${token}`} csrf={csrf} label="Join group" />
      ) : (
        <p>
          <a href={`/login?next=${encodeURIComponent(`/groups/invite/${token}`)}`}>Log in</a> to join.
        </p>
      )}
    </section>
  )
}

export function ProfileGroups({ groups, self }: { groups: (GroupRow & { role: Role })[]; self: boolean }) {
  if (!groups.length) return <p class="card muted">{self ? 'You are in no groups yet. ' : 'No public groups.'}{self && <a href="/groups">Find a group</a>}</p>
  return (
    <section class="card" data-profile-groups>
      <ul class="stack">
        {groups.map((g) => (
          <GroupItem g={g} role={g.role} />
        ))}
      </ul>
    </section>
  )
}

/** Under a post that belongs to a group, wherever core lists it. */
export function GroupLine({ group }: { group: { id: number; name: string } }) {
  return (
    <a href={`/groups/${group.id}`} class="post-in-group" data-post-group={group.id}>
      in {group.name}
    </a>
  )
}
