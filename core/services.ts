// The services one Hearth instance is made of, handed to core's route modules and the CLI.
import type { AdminRegistry } from './admin/registry.js'
import type { UsageCounter } from './admin/usage.js'
import type { BackupsService } from './admin/backups.js'
import type { AuthService } from './auth/service.js'
import type { RateLimiter } from './auth/rate-limit.js'
import type { Config } from './config.js'
import type { Db, Store } from './db/connect.js'
import type { HookRegistry } from './hooks/registry.js'
import type { JobQueue } from './jobs/queue.js'
import type { PrimaryGate } from './jobs/primary.js'
import type { Replication } from './replication/litefs.js'
import type { MediaFetcher } from './replication/media.js'
import type { Scheduler } from './jobs/scheduler.js'
import type { FeedService } from './feed/service.js'
import type { MediaService } from './media/service.js'
import type { PostsService } from './posts/service.js'
import type { SocialService } from './social/service.js'
import type { SafetyService } from './safety/service.js'
import type { EngagementService } from './engagement/service.js'
import type { NotificationsService } from './notifications/service.js'
import type { SearchService } from './search/service.js'
import type { ModerationService } from './moderation/service.js'
import type { AppealsService } from './moderation/appeals.js'
import type { FiltersService } from './safety/filters.js'
import type { LedgerService } from './ledger/service.js'
import type { MailService } from './mail/service.js'
import type { EmailPreferencesService } from './mail/digests.js'
import type { PushService } from './push/service.js'
import type { PolicyService } from './policy/service.js'
import type { AccessService } from './access/service.js'
import type { LegalService } from './legal/service.js'
import type { Proofs } from './access/proof.js'
import type { AccountService } from './account/service.js'
import type { Logger } from './logger.js'
import type { PluginManager } from './plugins/loader.js'
import type { RealtimeHub } from './realtime/hub.js'
import type { SettingsService } from './settings/service.js'
import type { LoadedTheme, ThemeProblem } from './themes/loader.js'
import type { UsersService } from './users/service.js'
import type { VerificationService } from './verification/service.js'
import type { CurationService } from './curation/service.js'
import type { OnboardingService } from './onboarding/service.js'
import type { Renderer } from './views/render.js'
import type { UiRegistry } from './views/ui.js'

export interface Services {
  config: Config
  log: Logger
  store: Store
  db: Db
  hooks: HookRegistry
  settings: SettingsService
  users: UsersService
  auth: AuthService
  limiter: RateLimiter
  ui: UiRegistry
  /** The operators' console: its sections (core's and plugins'), dashboard metrics and tiles. */
  admin: AdminRegistry
  /** Requests, time and bytes per minute and route, counted in memory and written once a minute (core/admin/usage.ts). */
  usage: UsageCounter
  /** Backups in the data directory's backups/ folder: now, on a schedule, the newest N kept. */
  backups: BackupsService
  themes: Map<string, LoadedTheme>
  themeProblems: ThemeProblem[]
  render: Renderer
  realtime: RealtimeHub
  scheduler: Scheduler
  /** Persisted background jobs (media processing, feed fan-out, plugins' jobs). */
  queue: JobQueue
  /** Whether this node runs the primary-only work (the scheduler, the queue, the worker threads). */
  primary: PrimaryGate
  /** The node's LiteFS role and position (a single node: always primary); it opens and closes `primary`. */
  replication: Replication
  /** On a LiteFS replica: media files fetched from the primary on first use, and the sweep of deleted ones' copies. */
  replicaMedia: MediaFetcher
  media: MediaService
  social: SocialService
  /** Blocks, mutes and privacy preferences. */
  safety: SafetyService
  posts: PostsService
  feed: FeedService
  /** Likes, comments, bookmarks, collections. */
  engagement: EngagementService
  notifications: NotificationsService
  search: SearchService
  /** Reports and the moderation queue. */
  moderation: ModerationService
  /** Members' appeals of removals, and the deletion of what removals kept once they can no longer be appealed. */
  appeals: AppealsService
  /** Each member's content filters: sensitive media, words, replies from new accounts. */
  filters: FiltersService
  /** Double-entry accounts and transfers (coins, earnings): decision 033. */
  ledger: LedgerService
  /** Outgoing email and the links it carries (decision 036). */
  mail: MailService
  /** What each member chooses to be emailed (digests, login alerts), the digest job and unsubscribe links. */
  emails: EmailPreferencesService
  /** Web push to the browsers members turned it on in (decision 037). */
  push: PushService
  /** The operator's rules on what members write (decision 038). */
  policy: PolicyService
  /** The operator's versioned terms, privacy policy, community rules and about page, and members' acceptances. */
  legal: LegalService
  /** Blocks of addresses, domains and usernames; invites; sign-ups waiting for approval (decision 039). */
  access: AccessService
  /** The anti-spam proof of work on sign-up and password reset. */
  proofs: Proofs
  /** Members' data rights: export, deletion after a grace period, staff's ban and delete (issue 19). */
  account: AccountService
  plugins: PluginManager
  /** The verified badge: members' requests, staff's decisions (issue 18). */
  verification: VerificationService
  /** Welcome page, default interests and suggestions (core/onboarding). */
  onboarding: OnboardingService
  /** Categories, featured posts and hashtags, members' interests (core/curation). */
  curation: CurationService
}
