// A small seeded community for checking pages as a member sees them (accessibility, page weight, Lighthouse,
// screenshots): three members who follow each other, a post with photos liked and commented on, a story, a group
// with a post, and notifications. Written through the public HTTP API of a running Hearth, as a client would.
import sharp from 'sharp'
import type { Hearth } from '../../core/app.js'
import { PASSWORD } from '../harness.js'
import { startTestServer, type TestServer } from './browser.js'

/** The plugins whose pages are checked: start the server with these enabled. */
export const COMMUNITY_PLUGINS = ['stories', 'groups', 'random-chat']

export interface Community {
  url: string
  /** The member the pages are seen as: follows the others, has notifications, is in the group. */
  viewer: { username: string; token: string }
  /** The session cookie (`name=value`) of a web login as the viewer, for a browser or Lighthouse. */
  cookie: string
  /** The pages worth checking, by name, as paths. */
  pages: Record<PageName, string>
}

export type PageName = 'home' | 'post' | 'profile' | 'explore' | 'notifications' | 'compose' | 'settings' | 'filters' | 'appeals' | 'story' | 'group' | 'meet'
  | 'category' | 'interests'

/** The main pages in a stable order. */
export const PAGE_NAMES: PageName[] = ['home', 'post', 'profile', 'explore', 'notifications', 'compose', 'settings', 'filters', 'appeals', 'story', 'group', 'meet',
  'category', 'interests']

interface Envelope<T> {
  status: string
  data: T
  error?: { code: string; message: string }
}

/** A JSON API call with a bearer token (or none); throws with the server's message on anything but 2xx. */
export async function api<T>(url: string, method: string, path: string, token: string | null, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {}
  if (token) headers.authorization = `Bearer ${token}`
  let payload: BodyInit | undefined
  if (body instanceof FormData) payload = body
  else if (body !== undefined) {
    headers['content-type'] = 'application/json'
    payload = JSON.stringify(body)
  }
  const res = await fetch(url + path, { method, headers, body: payload })
  const json = (await res.json()) as Envelope<T>
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json.error ?? json)}`)
  return json.data
}

const photo = (w: number, h: number, color: string) =>
  sharp({ create: { width: w, height: h, channels: 3, background: color } })
    .composite([{ input: { create: { width: Math.round(w / 3), height: Math.round(h / 3), channels: 3, background: '#ffffff' } }, left: Math.round(w / 3), top: Math.round(h / 3) }])
    .jpeg({ quality: 80 })
    .toBuffer()

async function upload(url: string, token: string, file: Buffer, name: string): Promise<number> {
  const form = new FormData()
  form.append('file', new Blob([new Uint8Array(file)], { type: 'image/jpeg' }), name)
  return (await api<{ id: number }>(url, 'POST', '/api/v1/media', token, form)).id
}

/** Wait until every media item is processed (the server's queue works in the background). */
async function ready(url: string, token: string, ids: number[]): Promise<void> {
  for (const id of ids) {
    for (let i = 0; ; i++) {
      const media = await api<{ status: string }>(url, 'GET', `/api/v1/media/${id}`, token)
      if (media.status === 'ready') break
      if (media.status === 'failed' || i > 400) throw new Error(`media ${id} is ${media.status}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}

/** Log in through the web form (GET for the CSRF cookie, then POST) and return the session cookie as `name=value`. */
export async function webLogin(url: string, login: string, password = PASSWORD): Promise<string> {
  const first = await fetch(`${url}/login`)
  const csrf = first.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith('hearth_csrf='))
  if (!csrf) throw new Error('GET /login set no CSRF cookie')
  const res = await fetch(`${url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrf, origin: url },
    body: new URLSearchParams({ login, password, _csrf: csrf.slice('hearth_csrf='.length) }).toString(),
  })
  const session = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith('hearth_session='))
  if (!session) throw new Error(`web login of ${login} failed: ${res.status}`)
  return session
}

/**
 * Seed the community on `hearth`, served at `url` (started with COMMUNITY_PLUGINS enabled, with a fresh data dir:
 * the usernames are fixed). Takes a few seconds, mostly for the photos to be processed. The one operator setting
 * (Meet open to new accounts, as the seeded ones are) is written on the instance; the rest goes through the API.
 */
export async function seedCommunity(hearth: Hearth, url: string): Promise<Community> {
  await hearth.plugins.loaded.get('random-chat')?.settings.set('min_account_age_hours', 0)
  const register = async (username: string, display_name: string) => {
    const data = await api<{ user: { id: number }; token: string }>(url, 'POST', '/api/v1/users/register', null, { username, email: `${username}@example.org`, password: PASSWORD, display_name })
    return { username, token: data.token }
  }
  const ana = await register('ana', 'Ana Lima')
  const ben = await register('ben', 'Ben Okafor')
  const cleo = await register('cleo', 'Cleo Martin')
  for (const [a, b] of [[ana, ben], [ana, cleo], [ben, ana], [cleo, ana], [cleo, ben]] as const) await api(url, 'POST', `/api/v1/users/${b.username}/follow`, a.token)
  await api(url, 'PUT', '/api/v1/users/ben', ben.token, { bio: 'Growing beans and taking photos of them.' })

  // Ben's post with three photos of different shapes, each with alt text.
  const shapes = [
    { w: 1080, h: 1350, color: '#0f766e', alt: 'A tall teal card with a white square' },
    { w: 1080, h: 720, color: '#b45309', alt: 'A wide amber band' },
    { w: 1080, h: 1080, color: '#1d4ed8', alt: 'A blue square' },
  ]
  const media = []
  for (const [i, s] of shapes.entries()) media.push(await upload(url, ben.token, await photo(s.w, s.h, s.color), `garden-${i}.jpg`))
  await ready(url, ben.token, media)
  // A category staff made, which Ben files his post under; staff feature it on Explore, and Ana picks the category.
  await hearth.curation.createCategory({ name: 'Gardening', description: 'Beds, pots and allotments.' }, null)
  const post = await api<{ id: number }>(url, 'POST', '/api/v1/posts', ben.token, { text: 'First beans of the season #garden with @ana', media_ids: media, media_alt: shapes.map((s) => s.alt), category: 'gardening' })
  await hearth.curation.featurePost({ post_id: post.id }, null)
  await api(url, 'PUT', '/api/v1/interests', ana.token, { interests: ['gardening'] })
  await api(url, 'POST', `/api/v1/posts/${post.id}/like`, ana.token)
  await api(url, 'POST', `/api/v1/posts/${post.id}/like`, cleo.token)
  await api(url, 'POST', `/api/v1/posts/${post.id}/comments`, cleo.token, { text: 'They look great!' })
  await api(url, 'POST', '/api/v1/posts', cleo.token, { text: 'Morning walk by the river #walks' })

  // Ana's own posts (her profile grid), liked and commented on by the others (her notifications).
  const own = await upload(url, ana.token, await photo(1080, 1080, '#9d174d'), 'ana.jpg')
  await ready(url, ana.token, [own])
  const anaPost = await api<{ id: number }>(url, 'POST', '/api/v1/posts', ana.token, { text: 'Rhubarb, finally #garden', media_ids: [own], media_alt: ['Pink rhubarb stalks'] })
  await api(url, 'POST', '/api/v1/posts', ana.token, { text: 'Anyone swapping seeds this weekend?' })
  await api(url, 'POST', `/api/v1/posts/${anaPost.id}/like`, ben.token)
  await api(url, 'POST', `/api/v1/posts/${anaPost.id}/like`, cleo.token)
  await api(url, 'POST', `/api/v1/posts/${anaPost.id}/comments`, ben.token, { text: 'Crumble time' })

  // Ben's story (a photo), which Ana sees in her tray.
  const storyMedia = await upload(url, ben.token, await photo(720, 1280, '#0ea5e9'), 'story.jpg')
  await ready(url, ben.token, [storyMedia])
  const story = await api<{ id: number }>(url, 'POST', '/api/v1/stories', ben.token, { kind: 'photo', media_id: storyMedia, text: 'The beans are up' })

  // Ben's public group with a post; Ana joins.
  const group = await api<{ id: number }>(url, 'POST', '/api/v1/groups', ben.token, { name: 'Allotment friends', description: 'Seeds, tools and harvests', privacy: 'public' })
  await api(url, 'POST', `/api/v1/groups/${group.id}/members`, ana.token)
  await api(url, 'POST', `/api/v1/groups/${group.id}/posts`, ben.token, { text: 'Tool swap on Saturday at 10' })

  return {
    url,
    viewer: ana,
    cookie: await webLogin(url, 'ana'),
    pages: {
      home: '/',
      post: `/p/${post.id}`,
      profile: '/u/ben',
      explore: '/explore',
      notifications: '/notifications',
      compose: '/compose',
      settings: '/settings/profile',
      filters: '/settings/filters',
      appeals: '/appeals',
      story: `/stories/ben/${story.id}`,
      group: `/groups/${group.id}`,
      meet: '/meet',
      category: '/explore/c/gardening',
      interests: '/settings/interests',
    },
  }
}

/**
 * A Hearth on a fresh temporary data dir with COMMUNITY_PLUGINS enabled and the community seeded: for scripts
 * (`npm run ui:report`, `npm run ui:screenshots`) and tests that check pages. `close()` stops it and deletes the dir.
 */
export async function startSeededHearth(): Promise<{ server: TestServer; community: Community }> {
  const server = await startTestServer({ enable: COMMUNITY_PLUGINS })
  try {
    return { server, community: await seedCommunity(server.hearth, server.url) }
  } catch (err) {
    await server.close()
    throw err
  }
}
