// Pages for people: a profile (header, pinned posts, posts, plugin tabs), follower lists, follow requests,
// and the profile settings. Every form works without JavaScript.
import { Hono, type Context } from 'hono'
import { profileShareMeta } from './meta.js'
import { baseUrl } from '../views/meta.js'
import type { ComponentChildren, VNode } from 'preact'
import { SettingsShell } from '../auth/pages.js'
import { AppError, notFound } from '../errors.js'
import type { AppEnv } from '../http/env.js'
import { flash } from '../http/flash.js'
import { streamForm } from '../http/body.js'
import { attempt, type FormProblem } from '../http/forms.js'
import { requireMember, safeNext } from '../http/middleware.js'
import { PostGrid, PostGridItems, PostList, postActions } from '../posts/views.js'
import type { Services } from '../services.js'
import { CsrfField, EmptyState, Field, FormError, VerifiedBadge } from '../views/components.js'
import { Icon } from '../views/icons.js'
import { template } from '../views/theme.js'
import type { MemberSummary, ProfileView } from './service.js'

/** Core's profile tabs, each at its own URL. */
type CoreTab = 'posts' | 'videos' | 'tagged' | 'saved'

function Avatar({ url, name, large }: { url: string | null; name: string; large?: boolean }) {
  const cls = large ? 'avatar avatar-large' : 'avatar'
  return url ? <img class={cls} src={url} alt="" width={large ? 88 : 40} height={large ? 88 : 40} /> : <span class={`${cls} avatar-empty`} aria-hidden="true">{name.slice(0, 1)}</span>
}

/**
 * Follow, Request to follow, Follow back; once sent, "Requested" (a menu to cancel), once following, "Following"
 * (a menu to unfollow). Forms: they work without JavaScript.
 */
export function FollowButton({ profile, csrf }: { profile: Pick<ProfileView, 'username' | 'relationship' | 'is_private' | 'follows_you'>; csrf: string }) {
  if (profile.relationship === 'self') return <a class="button secondary" href="/settings/profile">Edit profile</a>
  if (profile.relationship === 'following' || profile.relationship === 'requested') {
    const following = profile.relationship === 'following'
    return (
      <details class="follow-menu" data-follow-state={profile.relationship}>
        <summary class="button secondary">
          {following ? 'Following' : 'Requested'} <Icon name="chevron-down" />
        </summary>
        <form method="post" action={`/u/${profile.username}/unfollow`}>
          <CsrfField token={csrf} />
          <button type="submit" class="secondary">
            {following ? 'Unfollow' : 'Cancel request'}
          </button>
        </form>
      </details>
    )
  }
  const label = profile.is_private ? 'Request to follow' : profile.follows_you ? 'Follow back' : 'Follow'
  return (
    <form method="post" action={`/u/${profile.username}/follow`} data-follow-state="none">
      <CsrfField token={csrf} />
      <button type="submit">{label}</button>
    </form>
  )
}

/** A count linked to its list only for those the list opens to: a private account's count stands alone for others. */
function ListLink({ href, open, children }: { href: string; open: boolean; children: ComponentChildren }) {
  return open ? <a href={href}>{children}</a> : <span>{children}</span>
}

/**
 * A profile's header: picture, name, the follow button with the plugins' actions beside it (`profile.actions`,
 * e.g. "Message"), the counts the viewer may see (decision 017), bio and links.
 */
export const ProfileHeader = template('profile.header', function ProfileHeader({ profile, csrf, viewer, extra, actions = [] }: { profile: ProfileView; csrf: string; viewer: boolean; extra: VNode[]; actions?: VNode[] }) {
  return (
    <section class="card profile" data-profile={profile.username}>
      <div class="profile-head">
        <Avatar url={profile.avatar_url} name={profile.display_name} large />
        <div class="profile-main">
          <div class="profile-title">
            <h1>
              {profile.display_name}
              <VerifiedBadge member={profile} />
            </h1>
            <p class="muted">
              @{profile.username}
              {profile.account_type !== 'personal' && <span class="badge"> {profile.account_type}</span>}
              {profile.is_private && <span class="badge"> private</span>}
              {profile.follows_you && <span class="badge"> follows you</span>}
            </p>
          </div>
          <div class="profile-actions" data-profile-actions>
            {viewer ? <FollowButton profile={profile} csrf={csrf} /> : <a class="button" href={`/login?next=/u/${profile.username}`}>Log in to follow</a>}
            {actions}
            {viewer && profile.relationship !== 'self' && (
              <details class="profile-more">
                <summary class="button secondary">More</summary>
                <div class="actions">
                  <form method="post" action={`/u/${profile.username}/mute`}>
                    <CsrfField token={csrf} />
                    <button type="submit" class="secondary">
                      Mute
                    </button>
                  </form>
                  <form method="post" action={`/u/${profile.username}/block`}>
                    <CsrfField token={csrf} />
                    <button type="submit" class="danger">
                      Block
                    </button>
                  </form>
                  <a href={`/report?type=user&id=${profile.id}`}>Report</a>
                </div>
              </details>
            )}
          </div>
          <p class="profile-counts">
            <span>
              <strong>
                {profile.posts_count}
                {profile.posts_count_capped ? '+' : ''}
              </strong>{' '}
              {profile.posts_count === 1 ? 'post' : 'posts'}
            </span>
            <ListLink href={`/u/${profile.username}/followers`} open={profile.can_see_content}>
              <strong>{profile.followers_count}</strong> {profile.followers_count === 1 ? 'follower' : 'followers'}
            </ListLink>
            <ListLink href={`/u/${profile.username}/following`} open={profile.can_see_content}>
              <strong>{profile.following_count}</strong> following
            </ListLink>
          </p>
        </div>
      </div>
      {profile.bio && <p class="profile-bio">{profile.bio}</p>}
      {profile.links.length > 0 && (
        <ul class="profile-links">
          {profile.links.map((l) => (
            <li>
              <a href={l.url} rel="nofollow noopener ugc me" target="_blank">
                {l.label || l.url.replace(/^https?:\/\//, '')}
              </a>
            </li>
          ))}
        </ul>
      )}
      {extra}
    </section>
  )
})

function MemberList({ members, action }: { members: MemberSummary[]; action?: (m: MemberSummary) => VNode }) {
  if (!members.length) return <p class="card muted">Nobody yet.</p>
  return (
    <section class="card">
      {members.map((m) => (
        <div class="member-row">
          <Avatar url={m.avatar_url} name={m.display_name} />
          <div>
            <a href={`/u/${m.username}`}>{m.display_name}</a>
            <VerifiedBadge member={m} /> <span class="muted">@{m.username}</span>
          </div>
          {action?.(m)}
        </div>
      ))}
    </section>
  )
}

const ProfileSettingsPage = template('settings.profile', function ProfileSettingsPage(props: { csrfToken: string; profile: ProfileView; audience: string; avatarVisibility: string; values?: Record<string, string>; problem?: FormProblem }) {
  const p = props.profile
  const v = props.values
  const err = (f: string) => props.problem?.fields[f] ?? Object.entries(props.problem?.fields ?? {}).find(([k]) => k.startsWith(`${f}.`))?.[1]
  const links = v ? [0, 1, 2, 3, 4].map((i) => ({ label: v[`link_label_${i}`] ?? '', url: v[`link_url_${i}`] ?? '' })) : [...p.links, ...Array(5 - p.links.length).fill({ label: '', url: '' })]
  return (
    <section class="card">
      <h2>Profile</h2>
      <FormError message={props.problem && !Object.keys(props.problem.fields).length ? props.problem.message : null} />
      <form method="post" action="/settings/profile" enctype="multipart/form-data" novalidate>
        <CsrfField token={props.csrfToken} />
        <Field name="display_name" label="Display name" value={v?.display_name ?? p.display_name} error={err('display_name')} maxLength={50} />
        <div class={err('bio') ? 'field field-invalid' : 'field'}>
          <label for="f-bio">Bio</label>
          <textarea id="f-bio" name="bio" maxLength={300}>{v?.bio ?? p.bio}</textarea>
          {err('bio') && <p class="error">{err('bio')}</p>}
        </div>
        <fieldset class="field">
          <legend>Links</legend>
          {links.map((l, i) => (
            <div class="actions">
              <input name={`link_label_${i}`} value={l.label} placeholder="Label" aria-label={`Link ${i + 1} label`} maxLength={40} />
              <input name={`link_url_${i}`} value={l.url} placeholder="https://…" aria-label={`Link ${i + 1} address`} maxLength={300} />
            </div>
          ))}
          {err('links') && <p class="error">{err('links')}</p>}
        </fieldset>
        <div class="field">
          <label>
            <input type="checkbox" name="is_private" checked={v ? v.is_private === 'on' : p.is_private} /> Private account: people ask to follow you, and only followers see your posts
          </label>
        </div>
        <div class="field">
          <label for="f-type">Account type</label>
          <select id="f-type" name="account_type">
            {(['personal', 'creator', 'business'] as const).map((t) => (
              <option value={t} selected={(v?.account_type ?? p.account_type) === t}>
                {t}
              </option>
            ))}
          </select>
        </div>
        <div class={err('avatar') ? 'field field-invalid' : 'field'}>
          <label for="f-avatar">Profile picture</label>
          {p.avatar_url && <img class="avatar avatar-large" src={p.avatar_url} alt="Your current picture" width={88} height={88} />}
          <input id="f-avatar" type="file" name="avatar" accept="image/*" />
          {err('avatar') && <p class="error">{err('avatar')}</p>}
        </div>
        <div class="field">
          <label for="f-avis">Who sees your picture</label>
          <select id="f-avis" name="avatar_visibility">
            {[
              ['public', 'Everyone'],
              ['followers', 'Followers'],
              ['custom', 'Only these people'],
            ].map(([value, label]) => (
              <option value={value} selected={(v?.avatar_visibility ?? props.avatarVisibility) === value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <Field name="avatar_audience" label="These people (usernames, separated by commas)" value={v?.avatar_audience ?? props.audience} error={err('avatar_audience')} />
        <button type="submit">Save profile</button>
      </form>
    </section>
  )
})

export function socialPages(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const { render, social, posts, ui, hooks, users, media, db } = s
  const viewerId = (c: Context<AppEnv>) => c.get('viewer')?.id ?? null
  const staff = (c: Context<AppEnv>) => c.get('viewer')?.role === 'admin' || c.get('viewer')?.role === 'moderator'

  /**
   * A profile: its header, the plugins' highlights row, then a tab. Core's tabs are real URLs (/u/NAME,
   * /u/NAME/videos, /u/NAME/tagged, /u/NAME/saved for oneself), each a grid paginated by cursor; plugins' tabs
   * are /u/NAME?tab=ID. A private account's tabs show that it is private to those who do not follow it.
   */
  const profilePage = (tab: CoreTab) => async (c: Context<AppEnv>) => {
    const viewer = c.get('viewer')
    const name = c.req.param('username') ?? ''
    // Someone else's saved posts answer exactly like a page that does not exist.
    if (tab === 'saved' && viewer?.username.toLowerCase() !== name.toLowerCase()) throw notFound()
    const profile = await social.profile(viewerId(c), name, { includeSuspended: staff(c) })
    const publicUser = await hooks.apply('filter:user.public', (await users.find(profile.id))!, { viewer })
    const self = profile.relationship === 'self'
    const wanted = tab === 'posts' ? (c.req.query('tab') ?? 'posts') : tab
    const plugin = ui.profileTabs.find((t) => t.id === wanted)
    if (wanted !== tab && !plugin) throw notFound('That profile tab')
    const base = `/u/${profile.username}`
    const cursor = c.req.query('cursor')
    const partial = !!c.req.header('hx-request') && !!cursor
    let body: VNode | null = null
    if (plugin) {
      try {
        body = await plugin.render({ profile: publicUser, viewer })
      } catch (err) {
        s.log.error({ err, plugin: plugin.owner, tab: plugin.id }, `profile tab ${plugin.id} of ${plugin.owner} failed`)
        body = <p class="alert alert-error">This section could not be shown.</p>
      }
    } else if (!profile.can_see_content) {
      body = (
        <p class="card profile-private" data-private>
          This account is private. Follow it to see its posts.
        </p>
      )
    } else if (tab === 'posts') {
      // A grid by default (pinned posts first); ?view=list shows whole posts.
      const asList = c.req.query('view') === 'list'
      const pinned = cursor ? [] : await posts.pinned(viewerId(c), profile.id)
      const list = await posts.timeline(viewerId(c), profile.id, { cursor, limit: asList ? 20 : 30 })
      const items = [...pinned, ...list.items.filter((p) => !pinned.some((x) => x.id === p.id))]
      const more = (cur: string) => `${base}?${asList ? 'view=list&' : ''}cursor=${cur}`
      const postsEmpty = self ? (
        <EmptyState icon="camera" title="Share your first post" links={[{ href: '/compose', label: 'New post' }]}>
          Your photos and videos show here.
        </EmptyState>
      ) : (
        <EmptyState icon="camera" title="No posts yet." />
      )
      if (partial) {
        return render.partial(c, asList ? <PostList posts={items} next={list.nextCursor} moreUrl={more} actions={await postActions(ui, items, viewer, c.get('csrfToken'))} csrfToken={c.get('csrfToken')} member={!!viewer} /> : <PostGridItems posts={items} next={list.nextCursor} moreUrl={more} />)
      }
      body = (
        <>
          <p class="actions profile-view">
            <a href={base} aria-current={asList ? undefined : 'page'}>
              Grid
            </a>
            <a href={`${base}?view=list`} aria-current={asList ? 'page' : undefined}>
              List
            </a>
          </p>
          {asList ? <PostList posts={items} next={list.nextCursor} moreUrl={more} actions={await postActions(ui, items, viewer, c.get('csrfToken'))} csrfToken={c.get('csrfToken')} member={!!viewer} empty={postsEmpty} /> : <PostGrid posts={items} next={list.nextCursor} moreUrl={more} empty={postsEmpty} />}
        </>
      )
    } else {
      const list =
        tab === 'videos'
          ? await posts.timeline(viewerId(c), profile.id, { cursor, limit: 30, only: 'video' })
          : tab === 'tagged'
            ? await posts.mentioning(viewerId(c), profile.id, { cursor, limit: 30 })
            : await s.engagement.bookmarks(viewer!.id, { cursor, limit: 30 })
      const more = (cur: string) => `${base}/${tab}?cursor=${cur}`
      if (partial) return render.partial(c, <PostGridItems posts={list.items} next={list.nextCursor} moreUrl={more} />)
      const empty =
        tab === 'videos' ? (
          <EmptyState icon="clapperboard" title="No videos yet." />
        ) : tab === 'tagged' ? (
          <EmptyState icon="square-user" title={`No posts mention @${profile.username} yet.`} />
        ) : (
          <EmptyState icon="bookmark" title="Nothing saved yet" links={[{ href: '/explore', label: 'Explore' }]}>
            Save a post with the bookmark under it, and it shows here. Only you see this.
          </EmptyState>
        )
      body = <PostGrid posts={list.items} next={list.nextCursor} moreUrl={more} empty={empty} />
    }
    const tabs: { id: string; label: string; href: string; icon?: string }[] = [
      { id: 'posts', label: 'Posts', href: base, icon: 'grid-3x3' },
      { id: 'videos', label: 'Videos', href: `${base}/videos`, icon: 'clapperboard' },
      { id: 'tagged', label: 'Tagged', href: `${base}/tagged`, icon: 'square-user' },
      ...(self ? [{ id: 'saved', label: 'Saved', href: `${base}/saved`, icon: 'bookmark' }] : []),
      ...ui.profileTabs.map((t) => ({ id: t.id, label: t.label, href: `${base}?tab=${t.id}` })),
    ]
    const label = tab === 'posts' ? (plugin ? plugin.label : null) : tabs.find((t) => t.id === tab)!.label
    // The link preview is what a guest (a crawler, no cookie) sees: none for a private account.
    const asGuest = viewer ? await social.profile(null, profile.username).catch(() => null) : profile
    const share = profileShareMeta(asGuest, baseUrl(c, s.config.publicUrl), await s.settings.get('site.name'))
    return render.page(
      c,
      { title: label ? `${label} · ${profile.display_name}` : profile.display_name, share },
      <>
        <ProfileHeader
          profile={profile}
          csrf={c.get('csrfToken')}
          viewer={!!viewer}
          actions={self ? [] : await ui.renderSlot('profile.actions', { profile: publicUser, viewer, csrfToken: c.get('csrfToken') })}
          extra={await ui.renderSlot('profile.header', { profile: publicUser, viewer })}
        />
        {await ui.renderSlot('profile.highlights', { profile: publicUser, viewer })}
        <nav class="tabs profile-tabs" aria-label="Profile sections">
          {tabs.map((t) => (
            <a href={t.href} aria-current={t.id === wanted ? 'page' : undefined} data-profile-tab={t.id}>
              {t.icon && <Icon name={t.icon} />}
              <span>{t.label}</span>
            </a>
          ))}
        </nav>
        {body}
      </>,
    )
  }
  app.get('/u/:username', profilePage('posts'))
  for (const tab of ['videos', 'tagged', 'saved'] as const) app.get(`/u/:username/${tab}`, profilePage(tab))

  for (const which of ['followers', 'following'] as const) {
    app.get(`/u/:username/${which}`, async (c) => {
      const profile = await social.profile(viewerId(c), c.req.param('username'))
      const list = await social.list(which, viewerId(c), profile.id, { cursor: c.req.query('cursor'), limit: 50 })
      return render.page(
        c,
        { title: `${which === 'followers' ? 'Followers of' : 'Followed by'} ${profile.display_name}` },
        <>
          <h1>
            <a href={`/u/${profile.username}`}>{profile.display_name}</a>: {which}
          </h1>
          <MemberList members={list.items} />
          {list.nextCursor && <a href={`/u/${profile.username}/${which}?cursor=${list.nextCursor}`}>More</a>}
        </>,
      )
    })
  }

  for (const verb of ['follow', 'unfollow'] as const) {
    app.post(`/u/:username/${verb}`, requireMember, async (c) => {
      const name = c.req.param('username')
      const r = await attempt(async () => (verb === 'follow' ? social.follow(c.get('viewer')!.id, name) : (await social.unfollow(c.get('viewer')!.id, name), 'none')))
      if (!r.ok) flash(c, 'error', r.problem.message)
      else if (r.value === 'requested') flash(c, 'info', `Request sent. @${name} decides.`)
      return c.redirect(safeNext(c.req.query('next'), `/u/${name}`), 303)
    })
  }

  app.get('/follow-requests', requireMember, async (c) => {
    const list = await social.requests(c.get('viewer')!.id, { cursor: c.req.query('cursor'), limit: 50 })
    const csrf = c.get('csrfToken')
    return render.page(
      c,
      { title: 'Follow requests' },
      <>
        <h1>Follow requests</h1>
        <MemberList
          members={list.items}
          action={(m) => (
            <div class="actions">
              <form method="post" action={`/follow-requests/${m.username}/accept`}>
                <CsrfField token={csrf} />
                <button type="submit">Accept</button>
              </form>
              <form method="post" action={`/follow-requests/${m.username}/reject`}>
                <CsrfField token={csrf} />
                <button type="submit" class="secondary">
                  Decline
                </button>
              </form>
            </div>
          )}
        />
      </>,
    )
  })
  for (const verb of ['accept', 'reject'] as const) {
    app.post(`/follow-requests/:username/${verb}`, requireMember, async (c) => {
      const r = await attempt(() => social.answerRequest(c.get('viewer')!.id, c.req.param('username'), verb === 'accept'))
      flash(c, r.ok ? 'ok' : 'error', r.ok ? (verb === 'accept' ? `@${c.req.param('username')} follows you now.` : 'Request declined.') : r.problem.message)
      return c.redirect('/follow-requests', 303)
    })
  }

  // ---- Profile settings
  const settingsPage = async (c: Context<AppEnv>, extra: { values?: Record<string, string>; problem?: FormProblem } = {}) => {
    const id = c.get('viewer')!.id
    const profile = await social.profile(id, id)
    const audience = (await db.selectFrom('avatar_audience').innerJoin('users', 'users.id', 'avatar_audience.member_id').select('users.username').where('avatar_audience.user_id', '=', id).execute()).map((r) => r.username).join(', ')
    const row = (await users.findRow(id))!
    return render.page(
      c,
      { title: 'Profile settings', status: (extra.problem?.status ?? 200) as 200 },
      <SettingsShell active="profile" panels={ui.settingsPanels}>
        <ProfileSettingsPage csrfToken={c.get('csrfToken')} profile={profile} audience={audience} avatarVisibility={row.avatar_visibility} {...extra} />
      </SettingsShell>,
    )
  }
  app.get('/settings/profile', requireMember, (c) => settingsPage(c))
  app.post('/settings/profile', requireMember, async (c) => {
    const id = c.get('viewer')!.id
    // The picture streams to disk as it arrives (never into memory); it is removed again if the form is refused.
    let avatar: number | undefined
    const fields: Record<string, string[]> = {}
    const form = () => Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v[0] ?? '']))
    const r = await attempt(async () => {
      const refuse = (message: string) => new AppError(400, 'VALIDATION_FAILED', message, { fields: { avatar: message } })
      await streamForm(c, async (file) => {
        if (file.name !== 'avatar' || avatar) throw refuse('Choose one picture.')
        const uploaded = await attempt(() => media.uploadStream(id, file.body))
        if (!uploaded.ok) throw new AppError(uploaded.problem.status as 400, 'VALIDATION_FAILED', uploaded.problem.message, { fields: { avatar: uploaded.problem.message } })
        avatar = uploaded.value.id
        if (uploaded.value.kind !== 'image') throw refuse('Your picture must be an image.')
      }, fields)
      const values = form()
      const links = [0, 1, 2, 3, 4].map((i) => ({ label: values[`link_label_${i}`] ?? '', url: (values[`link_url_${i}`] ?? '').trim() })).filter((l) => l.url)
      return social.updateProfile(id, {
        display_name: values.display_name ?? '',
        bio: values.bio ?? '',
        links,
        is_private: values.is_private === 'on',
        account_type: values.account_type,
        avatar_visibility: values.avatar_visibility,
        avatar_audience: (values.avatar_audience ?? '').split(',').map((n) => n.trim()).filter(Boolean),
        ...(avatar ? { avatar_media_id: avatar } : {}),
      })
    })
    if (!r.ok) {
      if (avatar) await media.remove(avatar)
      return settingsPage(c, { values: form(), problem: r.problem })
    }
    flash(c, 'ok', 'Your profile is saved.')
    return c.redirect('/settings/profile', 303)
  })

  return app
}
