// The named places in core's pages where plugins add content, and plugins' profile tabs and settings panels.
import type { VNode } from 'preact'
import type { PublicUser, Viewer } from '../users/types.js'

/** Named places in the pages where plugins add content, with the props each receives. */
export interface SlotProps {
  /** Top of the home page (e.g. the stories tray). */
  'home.top': { viewer: Viewer | null }
  /** Beside or below the home feed. */
  'home.sidebar': { viewer: Viewer | null }
  /** Under a profile's header. */
  'profile.header': { profile: PublicUser; viewer: Viewer | null }
  /** Beside the follow button in a profile's header (e.g. "Message"); not shown on one's own profile. */
  'profile.actions': { profile: PublicUser; viewer: Viewer | null; csrfToken: string }
  /** A row between a profile's header and its tabs (e.g. story highlights as round covers). */
  'profile.highlights': { profile: PublicUser; viewer: Viewer | null }
  /** Under every post, next to like and comment. */
  'post.actions': { postId: number; authorId: number; scope: string | null; viewer: Viewer | null; csrfToken: string }
  /** The admin overview page. */
  'admin.overview': { viewer: Viewer }
  /** Above every page's content, for a member (an announcement's banner); keep it to one cheap query. */
  'layout.banner': { viewer: Viewer; csrfToken: string; path: string }
  /** The page footer. */
  'layout.footer': { viewer: Viewer | null }
  /**
   * Above a form where a member posts, writes or reports: the reminder of the community rules (core/legal fills it;
   * plugins render it with `ctx.http.guidelines(c)`).
   */
  'form.guidelines': { viewer: Viewer; csrfToken: string; path: string; kind: GuidelineKind }
}

/** What the form is for, which words the reminder of the rules uses. */
export type GuidelineKind = 'post' | 'report' | 'message'
export type SlotName = keyof SlotProps

/** Renders a piece of a page; may load data first. Return null to show nothing. */
export type SlotRenderer<P> = (props: P) => VNode | null | Promise<VNode | null>

export interface ProfileTab {
  /** URL-safe id: the tab lives at /u/NAME?tab=ID. Core's own tabs (posts, videos, tagged, saved) are taken. */
  id: string
  label: string
  order?: number
  render: SlotRenderer<{ profile: PublicUser; viewer: Viewer | null }>
}

export interface SettingsPanel {
  /** URL-safe id: the panel lives at /settings/ID. */
  id: string
  label: string
  order?: number
  render: SlotRenderer<{ viewer: Viewer; csrfToken: string; message?: string }>
  /** Handles the panel's form (POST /settings/ID); return a message to show, or throw an AppError. */
  save?: (input: { viewer: Viewer; form: Record<string, string> }) => Promise<string | void>
}
